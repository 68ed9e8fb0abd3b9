"""Protocol presets and validation, the timed loop's stopping rules, Measurement JSON round trip."""

from __future__ import annotations

import itertools

import pytest

from edgepareto.bench import Measurement, Protocol
from edgepareto.bench.protocol import timed_loop
from edgepareto.errors import ConfigError


def test_presets_say_what_they_are():
    p = Protocol.paper()
    assert (p.warmup, p.runs, p.pause_s) == (1, 100, 2.0)
    assert str(p) == "paper: 1 warm-up, 100 runs, 2 s pause"
    f = Protocol.fast()
    assert (f.processes, f.warmup, f.runs, f.pause_s, f.process_gap_s) == (6, 1, 1, 0.0, 0.5) and f.multi_process
    assert f.processes * (f.warmup + f.runs) <= (p.warmup + p.runs) / 5  # under a fifth of the paper's runs
    assert str(f) == "fast: 1 warm-up, 1 run, 0 s pause, in 6 processes 0.5 s apart"
    single = Protocol.fast_single()
    assert single.adaptive and single.target_ci == 0.02 and not single.multi_process
    assert Protocol.paper(pause_s=0.0).pause_s == 0.0
    assert Protocol.from_json(p.to_json()) == p


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"warmup": -1}, "warmup"),
        ({"runs": 0}, "runs"),
        ({"min_runs": 50, "max_runs": 10}, "max_runs"),
        ({"target_ci": 2.0}, "target_ci"),
        ({"pause_s": -1}, "pause_s"),
        ({"timeout_s": 0}, "timeout_s"),
    ],
)
def test_bad_values_name_the_field(kwargs, field):
    with pytest.raises(ConfigError, match=field):
        Protocol(**kwargs)


class FakeClock:
    """A clock whose invoke() takes a scripted number of nanoseconds: exact loop tests without timing."""

    def __init__(self, durations):
        self.now = 0
        self.durations = itertools.cycle(durations)
        self.calls = 0

    def __call__(self):
        return self.now

    def invoke(self):
        self.calls += 1
        self.now += next(self.durations)


def test_fixed_protocol_counts_exactly_and_never_times_the_warmup():
    c = FakeClock([5_000_000])
    r = timed_loop(c.invoke, Protocol(warmup=3, runs=40), clock=c)
    assert c.calls == 43 and len(r.times_ns) == 40 and len(r.warmup_ns) == 3
    assert r.stopped_by == "runs"


def test_adaptive_stops_when_the_median_ci_is_tight():
    c = FakeClock([1_000_000, 1_001_000, 999_000])
    r = timed_loop(c.invoke, Protocol(min_runs=10, max_runs=1000), clock=c)
    assert len(r.times_ns) == 10
    assert r.stopped_by.startswith("95% CI")


def test_adaptive_noisy_runs_hit_max_runs():
    c = FakeClock([1_000_000, 2_000_000, 1_500_000, 3_000_000])
    r = timed_loop(c.invoke, Protocol(min_runs=10, max_runs=60, time_limit_s=None), clock=c)
    assert len(r.times_ns) == 60 and r.stopped_by == "max runs (60)"


def test_adaptive_time_limit():
    c = FakeClock([1_000_000_000, 3_000_000_000])  # 1 s and 3 s runs: never within ±2%
    r = timed_loop(c.invoke, Protocol(min_runs=10, max_runs=1000, time_limit_s=20.0), clock=c)
    assert r.stopped_by == "time limit (20 s)"
    assert len(r.times_ns) == 10  # 5 pairs of 1 s + 3 s reach 20 s


def test_measurement_json_round_trip_and_failed_needs_error():
    m = Measurement(
        status="ok",
        model="m.tflite",
        engine="litert",
        threads=1,
        protocol=Protocol.fast().to_json(),
        median_ms=1.5,
        ci95_median_ms=[1.4, 1.6],
        runs=30,
        cpus=[0],
    )
    assert Measurement.from_json(m.to_json()) == m
    f = Measurement.failed("boom\nsecond line", "crash", model="x.tflite", unknown_key=1)
    assert f.error == "boom" and f.status == "failed" and f.model == "x.tflite"
    with pytest.raises(ConfigError, match="one-line error"):
        Measurement(status="failed", model="", engine="", threads=1, protocol={})

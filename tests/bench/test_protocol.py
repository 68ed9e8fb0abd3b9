"""Protocol presets and validation, the timed loop's stopping rules, Measurement JSON round trip."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from edgepareto.bench import Measurement, Protocol
from edgepareto.bench.protocol import timed_loop, warm_up
from edgepareto.errors import ConfigError


def test_presets_say_what_they_are():
    p = Protocol.paper()
    assert (p.warmup, p.runs, p.pause_s) == (1, 100, 2.0)
    assert str(p) == "paper: 1 warm-up, 100 runs, 2 s pause"
    f = Protocol.fast()
    assert (f.processes, f.warmup, f.runs, f.pause_s, f.process_gap_s) == (6, 1, 10, 0.0, 0.5) and f.multi_process
    assert (f.stable_window, f.stable_tol, f.warmup_max_s, f.retry_if_noisy) == (10, 0.02, 1.0, 2)
    assert str(f) == (
        "fast: warm-up until 10 runs' median is within ±2% of the 10 before (>= 1, <= 1 s), 10 runs, 0 s pause, "
        "in 6 processes 0.5 s apart, a noisy process retried up to 2 times"
    )
    assert p.stable_window == 0  # the paper protocol stays the seed's
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


def _scripted(durations_ns: list[int]) -> tuple[Callable[[], None], Callable[[], int]]:
    """An invoke whose runs last the given times on a fake clock (then the last time forever)."""
    now = [0]
    it = iter(durations_ns)
    last = [durations_ns[-1]]

    def invoke() -> None:
        last[0] = next(it, last[0])
        now[0] += last[0]

    return invoke, lambda: now[0]


def test_warm_up_runs_until_two_windows_agree_and_the_first_run_comes_first():
    """A cold start (10x, then 3x, 2x, 1.5x, 1.2x) settling at 1 ms: the warm-up stops once 10 runs' median is within
    2% of the 10 before, so no settling run reaches the timed runs."""
    ms = 1_000_000
    invoke, clock = _scripted([10 * ms, 3 * ms, 2 * ms, int(1.5 * ms), int(1.2 * ms)] + [ms] * 1000)
    p = Protocol.fast()
    warm, why = warm_up(invoke, p, clock=clock)
    assert why == "stable" and warm[0] == 10 * ms and len(warm) == 21  # the medians of runs 2-11 and 12-21 agree
    loop = timed_loop(invoke, p, clock=clock)
    assert loop.warmup_stopped_by == "stable" and set(loop.times_ns) == {ms} and len(loop.times_ns) == 10


def test_warm_up_is_bounded_in_time_and_the_paper_protocol_keeps_its_one_warm_up():
    ms = 1_000_000
    drifting = [int(ms * 1.05**i) for i in range(10_000)]  # never stable: 5% slower each run
    invoke, clock = _scripted(drifting)
    warm, why = warm_up(invoke, Protocol.fast(warmup_max_s=0.05), clock=clock)
    assert why == "time bound" and sum(warm[:-1]) < 0.05e9 <= sum(warm)
    invoke, clock = _scripted([5 * ms, ms])
    assert warm_up(invoke, Protocol.paper(), clock=clock) == ([5 * ms], "fixed")

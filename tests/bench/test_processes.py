"""Latency in several processes: median of process medians, one exact CI, modes, interference, retries."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time

import pytest

from edgepareto.bench import Measurement, Protocol, measure
from edgepareto.bench.interference import Probe, assess, probe
from edgepareto.bench.processes import measure_in_processes, process_value
from edgepareto.bench.protocol import timed_loop
from edgepareto.bench.stats import median_ci_exact, median_ci_processes, modes
from edgepareto.errors import ConfigError
from tests.bench.test_protocol import FakeClock

CPU = max(os.sched_getaffinity(0))


def test_exact_median_ci_has_the_binomial_level():
    assert median_ci_exact([5.0, 1.0, 3.0, 2.0, 4.0, 6.0]) == (1.0, 6.0, 1 - 2 / 64)  # n=6: the range, 96.9%
    lo, hi, level = median_ci_exact(list(range(10)))
    assert (lo, hi) == (1.0, 8.0) and level == pytest.approx(1 - 2 * 11 / 1024)  # x_(2), x_(9)
    assert median_ci_exact([1.0, 2.0, 3.0, 4.0, 5.0])[2] == pytest.approx(0.9375)  # too few for 95%: says so


def test_modes_split_process_medians_that_differ_by_more_than_noise():
    groups = modes([0.36, 0.42, 0.362, 0.43, 0.358, 0.361])
    assert [g["processes"] for g in groups] == [4, 2] and groups[0]["median_ms"] == pytest.approx(0.3605)
    assert len(modes([0.40, 0.41, 0.405])) == 1


def test_a_preempted_run_is_left_out_of_its_process_median():
    m = Measurement(
        status="ok",
        model="m",
        engine="litert",
        threads=1,
        protocol={},
        times_ms=[0.4, 5.0, 0.42],
        median_ms=0.42,
        interference={"preempted_indices": [1]},
    )
    assert process_value(m) == pytest.approx(0.41)
    every = Measurement(
        status="ok",
        model="m",
        engine="litert",
        threads=1,
        protocol={},
        times_ms=[0.4, 5.0],
        median_ms=2.7,
        interference={"preempted_indices": [0, 1]},
    )
    assert process_value(every) == pytest.approx(2.7)


def test_timed_loop_marks_the_runs_the_scheduler_interrupted():
    c = FakeClock([1_000_000])
    counts = iter([0, 0, 0, 1, 1, 1, 1, 3])  # read before and after each of 4 runs: runs 1 and 3 preempted
    r = timed_loop(c.invoke, Protocol(warmup=1, runs=4), clock=c, switches=lambda: next(counts))
    assert r.preempted == [1, 3]


def _probe(**kw) -> Probe:
    base = {"t": 0.0, "calibration_ms": 0.4, "load1": 0.1, "runnable": 1, "others_runnable": 0, "steal_ticks": 7,
            "wait_ns": 0, "nivcsw": 3}  # fmt: skip
    return Probe(**{**base, **kw})


def test_assess_flags_a_shared_cpu_with_its_reasons_and_not_a_quiet_one():
    quiet = assess(_probe(), _probe(t=0.1, calibration_ms=0.42, wait_ns=100_000), 0.1, 0, 2)
    assert not quiet["noisy"] and quiet["reasons"] == []
    busy = assess(
        _probe(), _probe(t=0.1, calibration_ms=0.6, wait_ns=8_000_000, steal_ticks=9, others_runnable=1), 0.1, 1, 2
    )
    assert busy["noisy"]
    assert busy["flags"] == [
        "calibration loop drifted",
        "waited for the CPU",
        "steal time",
        "preempted runs",
        "other tasks runnable",
    ]
    with pytest.raises(ValueError, match="calibration_ms"):
        _probe(calibration_ms=0.0)


def test_probe_reads_this_host():
    p = probe([CPU])
    assert p.calibration_ms > 0 and p.nivcsw >= 0 and p.load1 is not None and p.others_runnable is not None


def test_protocol_validates_its_process_fields():
    for kw, name in (
        ({"processes": 0}, "processes"),
        ({"processes": 4, "max_processes": 2}, "max_processes"),
        ({"retry_if_noisy": -1}, "retry_if_noisy"),
        ({"process_gap_s": -0.1}, "process_gap_s"),
        ({"process_gap_s": float("nan")}, "process_gap_s"),
    ):
        with pytest.raises(ConfigError, match=name):
            Protocol(**kw)


def test_record_is_the_median_of_process_medians_with_the_ci_the_stopping_rule_uses(float_model):
    proto = Protocol.fast(processes=3, max_processes=5, target_ci=0.99, runs=2)
    m = measure(float_model, cpus=[CPU], protocol=proto)
    assert m.ok, m.error
    assert len(m.processes) == 3 and m.runs == 6 and m.protocol["processes"] == 3
    assert m.stopped_by == "95% CI over 3 processes within ±99%"  # the rule stopped on the record's CI
    values = [p["median_ms"] for p in m.processes]
    lo, hi, level = median_ci_processes(values)
    assert m.ci95_median_ms == [lo, hi] and m.telemetry["ci_level"] == level
    assert m.median_ms == pytest.approx(sorted(values)[1])
    assert sum(g["processes"] for g in m.modes) == 3
    assert all(p["calibration_ms"] > 0 and len(p["times_ms"]) == 2 for p in m.processes)
    assert any("covers only 75.0%" in w for w in m.warnings)  # 3 processes cannot give 95%: the record says so
    assert Measurement.from_json(m.to_json()) == m


def test_processes_are_spaced_by_the_gap_and_none_trails_the_last():
    """The host's speed states last about 0.9 s here: the fast protocol spaces its processes to sample several."""
    assert Protocol.fast().process_gap_s == 0.5
    starts: list[float] = []

    def spawn(request: dict, timeout_s: float) -> Measurement:
        starts.append(time.monotonic())
        return Measurement(
            status="ok", model="m", engine="litert", threads=1, protocol={}, runs=2, median_ms=1.0, times_ms=[1.0, 1.0]
        )

    t0 = time.monotonic()
    m = measure_in_processes({"model": "m"}, Protocol.fast(processes=3, process_gap_s=0.2), spawn=spawn)
    assert len(m.processes) == 3
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(g >= 0.2 for g in gaps), gaps
    assert time.monotonic() - t0 < 0.4 + 0.35  # two gaps, not three


def test_former_fast_protocol_is_one_process(float_model):
    m = measure(float_model, cpus=[CPU], protocol=Protocol.fast_single(max_runs=8))
    assert m.ok and m.processes is None and m.runs == 8 and m.interference is not None


@pytest.fixture
def spinner():
    """A busy loop pinned to the measured CPU: real interference, ended by its pid."""
    code = f"import os; os.sched_setaffinity(0, {{{CPU}}})\nwhile True: pass"
    proc = subprocess.Popen([sys.executable, "-c", code])
    yield proc
    proc.kill()
    proc.wait()


def test_a_shared_cpu_is_flagged_and_retry_if_noisy_measures_again(float_model, spinner):
    proto = Protocol.fast(processes=2, retry_if_noisy=1)
    m = measure(float_model, cpus=[CPU], protocol=proto)
    assert m.ok, m.error
    assert m.noisy and all(p["noisy"] for p in m.processes)
    assert "other tasks runnable" in {f for p in m.processes for f in p["flags"]}
    assert len(m.telemetry["discarded"]) == 2  # each noisy process measured once more, still noisy: both kept
    assert any(w.startswith("noisy: the CPU was shared in 2 of 2 processes") for w in m.warnings)

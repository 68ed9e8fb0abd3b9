"""The first inference is the one an application sees: timed right after loading, before any harness work."""

from __future__ import annotations

from typing import Any

import pytest

from edgepareto.bench import _child
from edgepareto.bench.protocol import Protocol, timed_loop, warm_up


def _logged(events: list[str], name: str, fn: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        events.append(name)
        return fn(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize("protocol", [Protocol.fast(processes=1, retry_if_noisy=0, runs=3), Protocol.paper(pause_s=0)])
def test_first_invoke_runs_before_the_sampler_probes_and_energy_window(float_model, monkeypatch, protocol):
    """A real model in this process: the first invoke() comes straight after set_inputs; the harness's sampler, the
    interference probes (calibration loop, /proc walk) and the energy sensors' discovery only after it (issue 25:
    after them, the first inference was 1.10x a bare loop's). The figure is that first call's own time."""
    events: list[str] = []
    opened = _child._open_runner

    def open_logged(*args: Any) -> Any:
        runner = opened(*args)
        invoke = runner.invoke

        def timed_invoke() -> None:
            events.append("invoke")
            invoke()

        runner.invoke = timed_invoke
        runner.set_inputs = _logged(events, "set_inputs", runner.set_inputs)
        return runner

    monkeypatch.setattr(_child, "_open_runner", open_logged)
    for name in ("Sampler", "probe", "energy_window"):
        monkeypatch.setattr(_child, name, _logged(events, name, getattr(_child, name)))
    m = _child.measure_here({"model": str(float_model), "protocol": protocol.to_json(), "cpus": None})
    assert m.ok, m.error
    assert events[:3] == ["set_inputs", "invoke", "Sampler"], events[:6]
    assert events.index("probe") > 1 and events.index("energy_window") > 1
    assert m.first_inference_ms == m.warmup_ms[0] and m.first_inference_ms > 0
    assert len(m.warmup_ms) >= protocol.warmup and m.runs == protocol.runs  # no extra run in either figure
    assert events.count("invoke") >= len(m.warmup_ms) + m.runs  # more where an energy sensor lengthens its window


def _scripted(durations_ns: list[int]) -> tuple[Any, Any]:
    now, it = [0], iter(durations_ns)

    def invoke() -> None:
        now[0] += next(it)

    return invoke, lambda: now[0]


def test_a_first_run_timed_by_the_caller_is_the_first_warm_up_run():
    """The paper's one warm-up is that first run (no second one); the stability rule counts it as run 1."""
    ms = 1_000_000
    invoke, clock = _scripted([ms] * 3)
    assert warm_up(invoke, Protocol.paper(), clock=clock, first_ns=7 * ms) == ([7 * ms], "fixed")
    assert clock() == 0  # nothing invoked
    invoke, clock = _scripted([ms] * 1000)
    warm, why = warm_up(invoke, Protocol.fast(), clock=clock, first_ns=7 * ms)
    assert why == "stable" and warm[0] == 7 * ms and len(warm) == 20  # runs 1-10 (7 ms among them) vs 11-20 agree
    loop = timed_loop(invoke, Protocol.fast(), clock=clock, first_ns=9 * ms)
    assert loop.warmup_ns[0] == 9 * ms and len(loop.times_ns) == 10

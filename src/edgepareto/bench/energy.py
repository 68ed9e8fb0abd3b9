"""Energy per inference in the measuring process, with its interval and a check that the sensor could see it.

The measuring child wraps its timed runs in :func:`energy_window`: it samples the idle power first (two
halves, so their disagreement is in the interval), opens the window, and after the timed runs lengthens
the window with more, untimed runs until it holds :data:`MIN_UPDATES` sensor updates (at most
``EDGEPARETO_ENERGY_MAX_S`` seconds more). Energy per inference = (energy over the window − idle power ×
window time) / runs in the window: the energy the inferences add, not the board's baseline.

Why the validity check: a sensor that updates k times inside the window can be stale by up to one update
at each end, so its energy is uncertain by about 2/k of itself; a reading at 1 Hz gave up to 80% error
on an ODROID-XU4 and ~350 Hz was needed for short workloads (arXiv 2206.10377). Fewer than
:data:`MIN_UPDATES` updates (≤ 10% from the ends alone) is refused as ``unavailable: sensor too slow for
this model (...)`` rather than reported. No sensor gives one line, ``energy unavailable: no RAPL or
hwmon power sensor readable here``, never an estimate.

Across measuring processes (:func:`combine_energy`) the value is the median of the processes' values with
the exact order-statistic CI over them (latency's also spans the processes' scatter), never narrower than
the middle process's own.
Standard library + NumPy only: shipped flat to boards.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

try:  # package import inside edgepareto; flat import when the files sit in one folder (a board)
    from edgepareto.bench._sysfs import ConfigError
    from edgepareto.bench.sensors import PowerSampler, Span, discover, integrate
    from edgepareto.bench.stats import median_ci_exact
except ImportError:  # pragma: no cover - flat copies (board agent, flat-copy test); no-redef: same names
    from _sysfs import ConfigError  # type: ignore[no-redef]
    from sensors import PowerSampler, Span, discover, integrate  # type: ignore[no-redef]
    from stats import median_ci_exact  # type: ignore[no-redef]

#: Sensor updates the window must hold: the stale ends then cost at most ~2/20 = 10% of the window's energy.
MIN_UPDATES = 20
#: The window is at least this long whatever the update rate: RAPL's nominal 1 ms update jitters, and a
#: reading can lag a busy core by a scheduler tick (4 ms at 250 Hz); 0.1 s keeps that lag within a few %.
MIN_WINDOW_S = 0.1
IDLE_S = (0.2, 3.0)  # idle sampling: long enough for MIN_UPDATES updates, within these bounds
ENV_MAX_S = "EDGEPARETO_ENERGY_MAX_S"
MAX_EXTEND_S = 3.0  # default bound on the untimed runs added to reach MIN_UPDATES
NO_SENSOR = "energy unavailable: no RAPL or hwmon power sensor readable here"


class _Probe:
    """Begin/end of one window on any sensor kind: counters read twice, powers sampled, a log read after."""

    def __init__(
        self, sensor: Any, clock: Callable[[], float], wall: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        self.sensor, self.clock, self.wall, self.sleep = sensor, clock, wall, sleep
        self.sampler = PowerSampler(sensor, clock) if sensor.kind == "power" else None
        self.zones_j: dict[str, float] = {}

    @property
    def interval_s(self) -> float | None:
        return self.sensor.update_interval_s

    @property
    def edge_s(self) -> float:
        """How stale a reading at either end of a window can be: one update, or one sample where the rate is unknown."""
        return self.interval_s or (self.sampler.period_s if self.sampler is not None else 0.0)

    def begin(self) -> Any:
        if self.sampler is not None:
            return self.sampler.start()
        if self.sensor.kind == "log":
            return (self.clock(), self.wall())
        return (self.clock(), self.sensor.read())

    def end(self, token: Any) -> Span:
        if self.sampler is not None:
            return self.sampler.stop(token)
        t1 = self.clock()
        if self.sensor.kind == "log":
            return self._end_log(token, t1)
        energy, self.zones_j = self.sensor.energy_j(token[1], self.sensor.read())
        seconds = t1 - token[0]
        return Span(energy, seconds, seconds / self.interval_s if self.interval_s else 0.0, 2)

    def _end_log(self, token: tuple[float, float], t1: float) -> Span:
        """Wait (up to 2 updates, at most 5 s) until the meter has logged past the window's end, then integrate."""
        w0, w1 = token[1], token[1] + (t1 - token[0])
        rows = self.sensor.read()
        deadline = self.clock() + min(5.0, 2.0 * (self.interval_s or 1.0))
        while (not rows or rows[-1][0] < w1) and self.clock() < deadline:
            self.sleep(min(0.05, self.interval_s or 0.05))
            rows = self.sensor.read()
        return integrate(rows, w0, w1)


class EnergyWindow:
    """Idle power, then one window over the runs; :meth:`result` is the JSON the record keeps."""

    def __init__(
        self,
        sensor: Any | None,
        reasons: list[str] | None = None,
        *,
        min_updates: int = MIN_UPDATES,
        max_extend_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if min_updates < 2:
            raise ConfigError(f"min_updates must be >= 2, got {min_updates}")
        self.sensor, self.reasons, self.min_updates = sensor, list(reasons or []), min_updates
        self.max_extend_s = max_extend_s if max_extend_s is not None else _env_float(ENV_MAX_S, MAX_EXTEND_S)
        self.clock, self.sleep = clock, sleep
        self.probe = _Probe(sensor, clock, wall, sleep) if sensor is not None else None
        self.runs = 0
        self.added_runs = 0
        self.idle: tuple[float, float, list[float]] | None = None  # watts, its uncertainty, the two halves
        self._token: Any = None
        self._t0 = 0.0
        self._span: Span | None = None
        self.result: dict[str, Any] = self._unavailable()

    def _unavailable(self) -> dict[str, Any]:
        why = [r for r in self.reasons if "permission" in r]
        reason = f"energy unavailable: {why[0]}" if why else NO_SENSOR
        return {"status": "unavailable", "reason": reason, "tried": self.reasons}

    def _needed_s(self) -> float:
        interval = self.probe.interval_s if self.probe is not None else None
        return max(MIN_WINDOW_S, self.min_updates * interval) if interval else IDLE_S[0] * 5

    def sample_idle(self) -> None:
        """Idle power before the timed runs, in two halves: their mean, and half their spread plus the ends' bound."""
        if self.probe is None:
            return
        half_s = min(max(self._needed_s(), IDLE_S[0]), IDLE_S[1]) / 2.0
        watts = []
        for _ in range(2):
            token = self.probe.begin()
            self.sleep(half_s)
            watts.append(self.probe.end(token).watts)
        mean = (watts[0] + watts[1]) / 2.0
        edge = 2.0 * self.probe.edge_s * mean / half_s / 2.0
        self.idle = (mean, abs(watts[0] - watts[1]) / 2.0 + edge, watts)

    def begin(self) -> None:
        if self.probe is not None:
            self._token = self.probe.begin()
            self._t0 = self.clock()

    def lengthen(self, invoke: Callable[[], Any]) -> None:
        """Untimed runs until the window holds ``min_updates`` updates or ``max_extend_s`` more seconds passed."""
        if self.probe is None or self._token is None:
            return
        start = self.clock()
        while self.clock() - self._t0 < self._needed_s() and self.clock() - start < self.max_extend_s:
            invoke()
            self.added_runs += 1

    def abort(self) -> None:
        """Stop a power-sampling thread without a figure (the runs failed)."""
        if self.probe is not None and self.probe.sampler is not None:
            self.probe.sampler.halt()

    def end(self) -> dict[str, Any]:
        if self.probe is None or self._token is None:
            return self.result
        self._span = self.probe.end(self._token)
        self.result = self._measured(self._span, self.runs + self.added_runs)
        return self.result

    def _measured(self, span: Span, runs: int) -> dict[str, Any]:
        assert self.probe is not None and self.idle is not None and self.sensor is not None
        interval = self.probe.interval_s
        sampler = self.probe.sampler.describe() if self.probe.sampler is not None else {}
        desc = {**self.sensor.describe(), **sampler, "update_interval_s": interval}
        base = {
            "source": self.sensor.name,
            "sensor": desc,
            "update_interval_s": interval,
            "updates": span.updates,
            "min_updates": self.min_updates,
            "window_s": span.seconds,
            "window_j": span.energy_j,
            "runs": runs,
            "lengthened_by_runs": self.added_runs,
            "idle_w": self.idle[0],
            "idle_w_halves": self.idle[2],
        }
        if self.probe.zones_j:
            base["zones_j"] = self.probe.zones_j
        if runs < 1 or span.updates < self.min_updates:
            return {"status": "unavailable", **base, "reason": _too_slow(span, runs, interval, self.min_updates)}
        dyn_j = span.energy_j - self.idle[0] * span.seconds
        half_j = 2.0 * self.probe.edge_s * span.watts + self.idle[1] * span.seconds
        mj, half_mj = 1e3 * dyn_j / runs, 1e3 * half_j / runs
        if mj - half_mj <= 0:
            why = (
                f"energy unavailable: the runs drew {span.watts:.3g} W against {self.idle[0]:.3g} W idle, "
                f"not above idle within the sensor's resolution (±{half_mj:.3g} mJ per run)"
            )
            return {"status": "unavailable", **base, "reason": why}
        return {
            "status": "measured",
            **base,
            "mj_per_inference": mj,
            "ci_mj": [mj - half_mj, mj + half_mj],
            "inferences_per_j": 1e3 / mj,
            "ci": "± (two stale sensor updates at the window's ends + idle-power spread × window) / runs",
        }


def _too_slow(span: Span, runs: int, interval: float | None, need: int) -> str:
    every = f"{interval * 1e3:.3g} ms" if interval else "an unknown interval"
    return (
        f"unavailable: sensor too slow for this model ({span.updates:.0f} updates of {every} in a "
        f"{span.seconds * 1e3:.4g} ms window of {runs} runs, {need} needed; more runs were added up to the "
        f"{ENV_MAX_S} limit: raise it, or use a faster sensor)"
    )


def _env_float(name: str, default: float) -> float:
    try:
        v = float(os.environ.get(name, default))
    except ValueError:
        return default
    return v if v >= 0 and v == v and v != float("inf") else default


@contextlib.contextmanager
def energy_window(invoke: Callable[[], Any], **kwargs: Any) -> Iterator[EnergyWindow]:
    """Around the timed runs: idle first, the window open inside, lengthened and closed on the way out.

    The caller sets ``window.runs`` to the runs it made inside; ``window.result`` is then the record's
    ``telemetry["energy"]``. Nothing here runs between a timed run's two clock reads.
    """
    sensor, reasons = discover()
    w = EnergyWindow(sensor, reasons, **kwargs)
    try:
        w.sample_idle()
        w.begin()
    except OSError as exc:  # a sensor that vanished between discovery and use
        w.abort()
        w.probe, w.reasons = None, [*reasons, str(exc)]
    try:
        yield w
    except BaseException:  # the runs failed: no figure, and no sampling thread left behind
        w.abort()
        raise
    try:
        w.lengthen(invoke)
        w.end()
    except OSError as exc:
        w.result = {"status": "unavailable", "reason": f"energy unavailable: the sensor failed mid-window ({exc})"}


def combine_energy(docs: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    """One energy figure from the measuring processes' own: median, exact CI over them, or the first refusal."""
    got = [d for d in docs if d]
    if not got:
        return None
    refused = [d for d in got if d.get("status") != "measured"]
    if refused:
        return {**refused[0], "processes_refused": len(refused), "processes": len(got)}
    values = [float(d["mj_per_inference"]) for d in got]
    lo, hi, level = median_ci_exact(values)
    mid = sorted(got, key=lambda d: d["mj_per_inference"])[len(got) // 2]
    med = float(np.median(values))
    lo, hi = min(lo, mid["ci_mj"][0], med), max(hi, mid["ci_mj"][1], med)
    return {
        **mid,
        "mj_per_inference": med,
        "ci_mj": [lo, hi],
        "ci_level": level,
        "inferences_per_j": 1e3 / med,
        "process_mj": values,
        "runs": sum(int(d.get("runs") or 0) for d in got),
        "ci": "exact order-statistic CI of the median over the processes, at least the middle one's own",
    }

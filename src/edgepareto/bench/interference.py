"""Was the measured CPU shared while we timed? Probes before and after the timed runs, and the verdict.

A probe reads, outside the timed window: a short fixed-work calibration loop on the pinned CPU (its
time moves when the CPU itself gets slower: a neighbour on the host, a lower clock), ``/proc/loadavg``,
the tasks other than ours that are runnable on the pinned CPUs, the pinned CPUs' steal time
(``/proc/stat``), this process's run-queue wait (``/proc/thread-self/schedstat``) and its involuntary
context switches. :func:`assess` turns two probes into ``noisy`` and the reasons. Where procfs lacks a
file (a board's older kernel, a fake tree) that reading is ``None`` and never flags anything.

Standard library only: shipped to boards as is.
"""

from __future__ import annotations

import glob
import os
import resource
import time
from dataclasses import asdict, dataclass
from typing import Any

try:  # package import inside edgepareto; flat import when the files sit in one folder (a board)
    from edgepareto.bench._sysfs import proc_path, read_text
except ImportError:  # pragma: no cover - flat copies (board agent, flat-copy test); no-redef: same names
    from _sysfs import proc_path, read_text  # type: ignore[no-redef]

#: The calibration loop's time after the runs may differ from before by this fraction at most.
CALIBRATION_DRIFT = 0.10
#: Run-queue wait during the timed runs above this fraction of their wall time: the CPU was shared.
RUNQUEUE_WAIT = 0.02
CALIBRATION_ITERS = 10_000  # about 0.4 ms of pure-Python integer work on a 3 GHz x86 core
_USER_HZ = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Probe:
    """One snapshot of how busy the pinned CPUs are; ``None`` where this host cannot say."""

    t: float
    calibration_ms: float | None
    load1: float | None
    runnable: int | None  # system-wide, from /proc/loadavg (ours included)
    others_runnable: int | None  # tasks of other processes in state R whose last CPU is a pinned one
    steal_ticks: int | None
    wait_ns: int | None
    nivcsw: int

    def __post_init__(self) -> None:
        if self.calibration_ms is not None and self.calibration_ms <= 0:
            raise ValueError(f"calibration_ms must be > 0, got {self.calibration_ms}")
        if self.nivcsw < 0:
            raise ValueError(f"nivcsw must be >= 0, got {self.nivcsw}")


def calibrate(iters: int = CALIBRATION_ITERS, repeats: int = 3) -> float:
    """Milliseconds of a fixed pure-Python integer loop, best of ``repeats`` (the same work on every host)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        s = 0
        for k in range(iters):
            s += k * k
        best = min(best, (time.perf_counter_ns() - t0) / 1e6)
    return best


def involuntary_switches() -> int:
    """Involuntary context switches of this process so far (the scheduler took the CPU away)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_nivcsw)


def _loadavg() -> tuple[float | None, int | None]:
    parts = (read_text(proc_path("loadavg")) or "").split()
    try:
        return float(parts[0]), int(parts[3].split("/")[0])
    except (IndexError, ValueError):
        return None, None


def _steal(cpus: list[int]) -> int | None:
    text = read_text(proc_path("stat"))
    if not text:
        return None
    total, seen = 0, False
    for line in text.splitlines():
        name, _, rest = line.partition(" ")
        if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
            fields = rest.split()
            if len(fields) > 7:
                total += int(fields[7])
                seen = True
    return total if seen else None


def _wait_ns() -> int | None:
    parts = (read_text(proc_path("thread-self/schedstat")) or "").split()
    return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None


def others_runnable(cpus: list[int]) -> int | None:
    """Threads of other processes that are runnable (state R) and last ran on one of ``cpus``."""
    me = str(os.getpid())
    count, readable = 0, False
    for stat in glob.glob(proc_path("[0-9]*/task/[0-9]*/stat")):
        if stat.split(os.sep)[-4] == me:
            continue
        text = read_text(stat)
        if not text:
            continue
        fields = text.rpartition(")")[2].split()  # after "(comm)": state is field 3, processor field 39
        if len(fields) > 36:
            readable = True
            if fields[0] == "R" and fields[36].isdigit() and int(fields[36]) in cpus:
                count += 1
    return count if readable else None


def probe(cpus: list[int], *, calibration: bool = True, after: bool = False) -> Probe:
    """Snapshot the pinned CPUs (all CPUs this process may use when ``cpus`` is empty).

    The counters that span the runs (run-queue wait, context switches, steal, time) are read next to
    them: after the calibration loop in the probe before (``after=False``), before it in the probe after.
    """
    cpus = list(cpus) or sorted(os.sched_getaffinity(0))
    cal = calibrate() if calibration and not after else None
    counters = (time.monotonic(), _steal(cpus), _wait_ns(), involuntary_switches())
    if calibration and after:
        cal = calibrate()
    load1, runnable = _loadavg()
    t, steal, wait, nivcsw = counters
    return Probe(t, cal, load1, runnable, others_runnable(cpus), steal, wait, nivcsw)


def _delta(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else b - a


def assess(before: Probe, after: Probe, loop_wall_s: float, preempted: int, runs: int) -> dict[str, Any]:
    """The verdict over one process's timed runs: ``noisy``, the reasons, and the readings behind them."""
    reasons: list[str] = []
    flags: list[str] = []
    cal = [before.calibration_ms, after.calibration_ms]
    c0, c1 = cal
    if c0 is not None and c1 is not None:
        drift = c1 / c0 - 1.0
        if abs(drift) > CALIBRATION_DRIFT:
            reasons.append(f"the calibration loop ran {drift:+.0%} after the runs than before")
            flags.append("calibration loop drifted")
    wait = _delta(before.wait_ns, after.wait_ns)
    if wait is not None and loop_wall_s > 0 and wait / 1e9 > RUNQUEUE_WAIT * loop_wall_s:
        reasons.append(f"waited {wait / 1e6:.2f} ms for the CPU ({wait / 1e9 / loop_wall_s:.0%} of the runs' time)")
        flags.append("waited for the CPU")
    steal = _delta(before.steal_ticks, after.steal_ticks)
    if steal:
        reasons.append(f"the hypervisor stole {steal * 1000 // _USER_HZ} ms from the pinned CPUs")
        flags.append("steal time")
    if preempted:
        reasons.append(f"{preempted} of {runs} timed runs were preempted")
        flags.append("preempted runs")
    others = [before.others_runnable, after.others_runnable]
    if any(o for o in others if o):
        reasons.append(f"other tasks runnable on the pinned CPUs ({others[0]} before, {others[1]} after)")
        flags.append("other tasks runnable")
    return {
        "noisy": bool(reasons),
        "reasons": reasons,
        "flags": flags,
        "calibration_ms": cal,
        "loadavg": [before.load1, after.load1],
        "runnable": [before.runnable, after.runnable],
        "others_runnable": others,
        "steal_ms": None if steal is None else steal * 1000 // _USER_HZ,
        "runqueue_wait_ms": None if wait is None else wait / 1e6,
        "involuntary_switches": after.nivcsw - before.nivcsw,
        "preempted_runs": preempted,
        "probes": [asdict(before), asdict(after)],
    }

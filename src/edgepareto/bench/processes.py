"""Latency measured in several short processes, as pyperf does: what differs between processes is in the CI.

A coordinator (``_child.py`` given a multi-process protocol) starts one measuring child per process,
one after the other on the same CPUs, and combines them (:func:`combine`): the median is the median of
the per-process medians, and its 95% CI is the exact distribution-free interval over those medians
widened to span their scatter (:func:`~.stats.median_ci_processes`: the processes of one invocation are not
independent), the same interval the stopping rule checks when ``max_processes`` allows more processes.
Each process's median, its interference verdict and the modes (groups of process medians further apart
than noise) stay in the record. A run the scheduler preempted is left
out of its process's median when the process has other runs. A process flagged noisy is measured again
up to ``retry_if_noisy`` times; the replaced ones are kept in the record as ``discarded``.

Standard library + NumPy only (shipped to boards with the rest of the core).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

try:  # package import inside edgepareto; flat import when the files sit in one folder (a board)
    from edgepareto.bench._guard import guarded_child
    from edgepareto.bench.energy import combine_energy
    from edgepareto.bench.interference import CALIBRATION_DRIFT
    from edgepareto.bench.protocol import Measurement, Protocol
    from edgepareto.bench.stats import (
        bootstrap_ci,
        median_ci_processes,
        modes,
        noise_warnings,
        outliers,
        relative_halfwidth,
    )
except ImportError:  # pragma: no cover - flat copies (board agent, flat-copy test); no-redef: same names
    from _guard import guarded_child  # type: ignore[no-redef]
    from energy import combine_energy  # type: ignore[no-redef]
    from interference import CALIBRATION_DRIFT  # type: ignore[no-redef]
    from protocol import Measurement, Protocol  # type: ignore[no-redef]
    from stats import (  # type: ignore[no-redef]
        bootstrap_ci,
        median_ci_processes,
        modes,
        noise_warnings,
        outliers,
        relative_halfwidth,
    )

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_child.py")
#: Per-process warnings that the combined figures replace (they describe a handful of runs, not the record).
_PER_PROCESS = ("unstable:", "noisy:", "stopped by the")

Spawn = Callable[[dict[str, Any], float], Measurement]


def process_request(request: dict[str, Any], protocol: Protocol) -> dict[str, Any]:
    """The request one measuring process gets: the same, with a one-process protocol and no progress."""
    single = replace(protocol, processes=1, max_processes=None, retry_if_noisy=0)
    return {**request, "protocol": single.to_json(), "progress": False, "single_process": True, "keep_times": True}


def spawn_child(request: dict[str, Any], timeout_s: float) -> Measurement:
    """Run one measuring process (``_child.py -``, the request on stdin: no request file anywhere); it dies
    with this process, and is killed with its group on a timeout or Ctrl-C. Its last stdout line is its Measurement."""
    ctx = {k: request.get(k) for k in ("model", "engine", "threads", "cluster", "cpus")}
    cmd = [sys.executable, CHILD, "-"]
    with guarded_child(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as proc:
        try:
            out, _ = proc.communicate(json.dumps(request), timeout=max(1.0, timeout_s))
        except subprocess.TimeoutExpired:
            return Measurement.failed(f"a measuring process did not finish within {timeout_s:.0f} s", "timeout", **ctx)
    lines = [ln for ln in out.splitlines() if ln.strip()]
    try:
        return Measurement.from_json(json.loads(lines[-1]))
    except (IndexError, ValueError, TypeError):
        how = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit status {proc.returncode}"
        return Measurement.failed(f"a measuring process crashed ({how})", "crash", **ctx)


def process_value(m: Measurement) -> float:
    """A process's median over the runs the scheduler did not preempt (all runs when every one was)."""
    times = m.times_ms or []
    hit = set((m.interference or {}).get("preempted_indices") or [])
    clean = [t for i, t in enumerate(times) if i not in hit]
    return float(np.median(clean or times)) if (clean or times) else float(m.median_ms or 0.0)


def _ci_state(values: list[float]) -> tuple[float, tuple[float, float, float], float]:
    med = float(np.median(values))
    ci = median_ci_processes(values)
    return med, ci, relative_halfwidth((ci[0], ci[1]), med)


def measure_in_processes(
    request: dict[str, Any],
    protocol: Protocol,
    *,
    spawn: Spawn = spawn_child,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> Measurement:
    """Measure in ``protocol.processes`` (up to ``max_processes``) processes and combine them."""
    start = time.monotonic()
    one = process_request(request, protocol)
    kept: list[Measurement] = []
    discarded: list[Measurement] = []
    stopped = f"processes ({protocol.processes})"
    while len(kept) < protocol.process_bound:
        m = _one_process(one, protocol, spawn, start, discarded)
        if not m.ok:
            return m
        kept.append(m)
        if progress is not None:
            progress("processes", len(kept), protocol.process_bound)
        stop = _stop_reason(kept, protocol, time.monotonic() - start)
        if stop is not None:
            stopped = stop
            break
        time.sleep(protocol.process_gap_s)
    m = combine(protocol, kept, discarded, stopped, time.monotonic() - start)
    if request.get("keep_times", True):
        return m
    return replace(m, times_ms=None, processes=[{**p, "times_ms": None} for p in m.processes or []])


def _one_process(
    one: dict[str, Any], protocol: Protocol, spawn: Spawn, start: float, discarded: list[Measurement]
) -> Measurement:
    """One process, measured again (up to ``retry_if_noisy`` times) while it comes back flagged noisy."""
    for attempt in range(protocol.retry_if_noisy + 1):
        m = spawn(one, protocol.timeout_s - (time.monotonic() - start))
        if not m.ok or not m.noisy or attempt == protocol.retry_if_noisy:
            return m
        discarded.append(m)
    raise AssertionError("unreachable")  # pragma: no cover


def _stop_reason(kept: list[Measurement], protocol: Protocol, elapsed_s: float) -> str | None:
    n = len(kept)
    if n < protocol.processes:
        return None
    if n >= protocol.process_bound:
        return f"processes ({n})" if protocol.process_bound == protocol.processes else f"max processes ({n})"
    _, _, half = _ci_state([process_value(m) for m in kept])
    if half <= protocol.target_ci:
        return f"95% CI over {n} processes within ±{protocol.target_ci:.0%}"
    if protocol.time_limit_s is not None and elapsed_s >= protocol.time_limit_s:
        return f"time limit ({protocol.time_limit_s:g} s) after {n} processes"
    return None


def _process_entry(m: Measurement, value: float, fastest_cal: float | None) -> dict[str, Any]:
    inter = m.interference or {}
    cal = [c for c in inter.get("calibration_ms") or [] if c is not None]
    return {
        "median_ms": value,
        "runs": m.runs,
        "times_ms": m.times_ms,
        "warmup_ms": m.warmup_ms,
        "warmup_stopped_by": (m.telemetry or {}).get("warmup_stopped_by"),
        "load_ms": m.load_ms,
        "first_inference_ms": m.first_inference_ms,
        "end_to_end_ms": (m.end_to_end or {}).get("median_ms"),
        "preempted_runs": inter.get("preempted_runs", 0),
        "noisy": m.noisy,
        "reasons": inter.get("reasons", []),
        "flags": inter.get("flags", []),
        "calibration_ms": min(cal) if cal else None,
        "calibration_vs_fastest": (min(cal) / fastest_cal) if cal and fastest_cal else None,
        "runqueue_wait_ms": inter.get("runqueue_wait_ms"),
        "loadavg": inter.get("loadavg"),
        "wall_s": m.wall_s,
        "peak_rss_bytes": m.peak_rss_bytes,
        "created": m.created,
    }


def combine(
    protocol: Protocol, kept: list[Measurement], discarded: list[Measurement], stopped_by: str, elapsed_s: float
) -> Measurement:
    """One record from the processes: median of their medians, the exact CI over them, pooled percentiles."""
    values = [process_value(m) for m in kept]
    cals = [c for m in kept for c in ((m.interference or {}).get("calibration_ms") or []) if c is not None]
    fastest = min(cals) if cals else None
    entries = [_process_entry(m, v, fastest) for m, v in zip(kept, values, strict=True)]
    pooled = np.asarray([t for m in kept for t in (m.times_ms or [])], dtype=np.float64)
    med, (lo, hi, level), _ = _ci_state(values)
    means = [float(np.mean(m.times_ms)) for m in kept if m.times_ms]
    mean_ci = bootstrap_ci(np.asarray(means), "mean", seed=protocol.seed + 1)
    stats: dict[str, Any] = {
        "runs": len(pooled),
        "median_ms": med,
        "mean_ms": float(pooled.mean()),
        "p90_ms": float(np.percentile(pooled, 90)),
        "p99_ms": float(np.percentile(pooled, 99)),
        "std_ms": float(pooled.std(ddof=1)) if len(pooled) > 1 else 0.0,
        "min_ms": float(pooled.min()),
        "max_ms": float(pooled.max()),
        "fps": 1000.0 / float(pooled.mean()),
        "ci95_median_ms": [lo, hi],
        "ci95_mean_ms": [mean_ci[0], mean_ci[1]],
        "outliers": outliers(pooled),
    }
    groups = modes(values)
    noisy = [e for e in entries if e["noisy"]]
    warnings = _warnings(kept, stats, groups, entries, noisy, level, protocol, stopped_by)
    first = kept[0]
    telemetry = {**(first.telemetry or {}), "elapsed_s": elapsed_s, "ci_level": level,
                 "ci": "exact order-statistic CI of the median over the process medians, widened to at least "
                       "median ± t·s/√n of them"}  # fmt: skip
    telemetry["energy"] = combine_energy([(m.telemetry or {}).get("energy") for m in kept])
    if discarded:
        telemetry["discarded"] = [_process_entry(m, process_value(m), fastest) for m in discarded]
    pinning = next(
        (m.pinning for m in kept if (m.pinning or {}).get("status", "").startswith("violated")), first.pinning
    )
    return replace(
        first,
        protocol=protocol.to_json(),
        pinning=pinning,
        stopped_by=stopped_by,
        wall_s=sum(m.wall_s or 0.0 for m in kept),
        warmup_ms=[t for m in kept for t in (m.warmup_ms or [])],
        times_ms=pooled.tolist(),
        peak_rss_bytes=max(m.peak_rss_bytes or 0 for m in kept),
        telemetry=telemetry,
        interference=None,
        processes=entries,
        modes=groups,
        noisy=bool(noisy),
        warnings=warnings,
        created=time.time(),
        load_ms=_median_of(kept, "load_ms"),
        first_inference_ms=_median_of(kept, "first_inference_ms"),
        end_to_end=_end_to_end(kept),
        **stats,
    )


def _end_to_end(kept: list[Measurement]) -> dict[str, Any] | None:
    """The end-to-end figure over the processes as the latency is: median of their medians, the exact CI."""
    per = [m.end_to_end for m in kept if m.end_to_end]
    if not per:
        return None
    values = [float(e["median_ms"]) for e in per]
    med, (lo, hi, _), _ = _ci_state(values)
    return {
        **{k: v for k, v in per[0].items() if k != "times_ms"},
        "median_ms": med,
        "ci95_median_ms": [lo, hi],
        "processes": len(per),
        "runs": sum(int(e["runs"]) for e in per),
    }


def _median_of(kept: list[Measurement], name: str) -> float | None:
    """A start-up figure (load, first inference) over the processes: each process pays it once."""
    values = [v for m in kept if (v := getattr(m, name)) is not None]
    return float(np.median(values)) if values else None


def _warnings(
    kept: list[Measurement],
    stats: dict[str, Any],
    groups: list[dict[str, Any]],
    entries: list[dict[str, Any]],
    noisy: list[dict[str, Any]],
    level: float,
    protocol: Protocol,
    stopped_by: str,
) -> list[str]:
    out = list(dict.fromkeys(w for m in kept for w in m.warnings if not w.startswith(_PER_PROCESS)))
    out += noise_warnings(stats)
    if len(groups) > 1:
        out.append(_modes_warning(groups, entries))
    if noisy:
        counts: dict[str, int] = {}
        for e in noisy:
            for f in e["flags"]:
                counts[f] = counts.get(f, 0) + 1
        why = ", ".join(f"{f} in {n}" for f, n in sorted(counts.items(), key=lambda kv: -kv[1]))
        fix = (
            f"after up to {protocol.retry_if_noisy} retries each"
            if protocol.retry_if_noisy
            else "--retry-if-noisy N measures such a process again"
        )
        out.append(f"noisy: the CPU was shared in {len(noisy)} of {len(entries)} processes ({why}); {fix}")
    if level < 0.95:
        out.append(f"the CI over {len(entries)} processes covers only {level:.1%}: use at least 6 processes")
    if stopped_by.startswith(("max processes", "time limit")):
        half = relative_halfwidth(tuple(stats["ci95_median_ms"]), stats["median_ms"])
        out.append(f"stopped by the {stopped_by} with the 95% CI at ±{half:.1%}, not ±{protocol.target_ci:.0%}")
    return out


def _modes_warning(groups: list[dict[str, Any]], entries: list[dict[str, Any]]) -> str:
    """Say where the processes landed and whether the calibration loop moved with them (a slower CPU)."""
    text = ", ".join(f"{g['processes']} at {g['median_ms']:.3f} ms" for g in groups)
    lo, hi = groups[0], groups[-1]

    def cal(g: dict[str, Any]) -> float | None:
        inside = [e for e in entries if g["min_ms"] <= e["median_ms"] <= g["max_ms"]]
        vals = [e["calibration_vs_fastest"] for e in inside if e["calibration_vs_fastest"] is not None]
        return float(np.median(vals)) if vals else None

    c_lo, c_hi = cal(lo), cal(hi)
    why = ""
    if c_lo is not None and c_hi is not None and c_hi / c_lo > 1.0 + CALIBRATION_DRIFT:
        why = f"; the fixed-work loop was {c_hi / c_lo:.2f}x slower in the slow ones too: the CPU was slower then"
    return f"processes differ: {text} (modes, not noise{why})"

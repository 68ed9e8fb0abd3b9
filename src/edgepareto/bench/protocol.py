"""How latency is taken (:class:`Protocol`), the timed loop, and the record it produces (:class:`Measurement`).

Presets: ``paper`` is the seed's (1 warm-up, 100 runs, 2 s pause, 1 thread); ``fast`` measures in 6 short processes
0.5 s apart (steady-state warm-up, 10 runs each; host speed states last ~0.9 s, ``benchmarks/host_states.py``): the
median of the process medians, its 95% CI spanning their scatter (:mod:`.processes`); ``fast-single`` is the former
fast protocol (one process until the CI is within ±2%, 8..15 runs, 10 s). NumPy and the standard library only (boards).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np

try:  # package import inside edgepareto; flat import when the files sit in one folder (a board)
    from edgepareto.bench._sysfs import ConfigError
    from edgepareto.bench.stats import median_ci_order, relative_halfwidth
    from edgepareto.bench.telemetry import RunLog, cool_down
    from edgepareto.errors import first_line
except ImportError:  # pragma: no cover - flat copies (board agent, flat-copy test); no-redef: same names
    from _sysfs import ConfigError  # type: ignore[no-redef]
    from errors import first_line  # type: ignore[no-redef]
    from stats import median_ci_order, relative_halfwidth  # type: ignore[no-redef]
    from telemetry import RunLog, cool_down  # type: ignore[no-redef]


_WEEK_S = 7 * 86400.0


@dataclass(frozen=True)
class Protocol:
    """Warm-ups, counted runs (``runs``) or a stopping rule (``runs=None``), pauses, timeout, input seed."""

    name: str = "fast"
    warmup: int = 3  # the first runs after idle are 5-50% slower (measured here): fewer would bias a short median
    runs: int | None = None  # fixed count; None: stop on the CI rule
    min_runs: int = 8
    max_runs: int = 15  # with 3 warm-ups: under a fifth of the paper's 1 + 100 runs; raise it for noisy hosts
    target_ci: float = 0.02  # stop when the 95% CI of the median is within ± this fraction
    time_limit_s: float | None = 10.0  # adaptive only: stop counting after this much loop time
    pause_s: float = 0.0
    timeout_s: float = 600.0  # the measuring child is killed after this (load + warm-up + runs)
    cool_down_to_c: float | None = None
    seed: int = 0  # random inputs of the model's dtype and shape, as benchmark_model feeds
    processes: int = 1  # separate measuring processes (at least); > 1: warm-up and runs are per process
    max_processes: int | None = None  # add processes up to this until the CI is within ±target_ci (None: fixed)
    retry_if_noisy: int = 0  # repeat a process flagged noisy (CPU shared while timing) up to this many times
    process_gap_s: float = 0.0  # idle time between two measuring processes (multi-process protocols)
    stable_window: int = 0  # > 0: after `warmup` runs, warm up until two successive windows' medians agree
    stable_tol: float = 0.02  # ... within this fraction (the steady state: see warm_up)
    warmup_max_s: float = 1.0  # ... or this many seconds of warm-up have passed (benchmark_model: 0.5 s minimum)

    def __post_init__(self) -> None:
        self._check_types()
        self._check_processes()
        problems = (
            (self.warmup < 0, f"warmup must be >= 0, got {self.warmup}"),
            (self.runs is not None and self.runs < 1, f"runs must be >= 1, got {self.runs}"),
            (self.min_runs < 1, f"min_runs must be >= 1, got {self.min_runs}"),
            (self.max_runs < self.min_runs, f"max_runs must be >= min_runs ({self.min_runs}), got {self.max_runs}"),
            (not 0.0 < self.target_ci < 1.0, f"target_ci must be in (0, 1), e.g. 0.02 for ±2%, got {self.target_ci}"),
            (self.time_limit_s is not None and self.time_limit_s <= 0,
             f"time_limit_s must be > 0 or None, got {self.time_limit_s}"),
            (self.pause_s < 0, f"pause_s must be >= 0 seconds, got {self.pause_s}"),
            (self.timeout_s <= 0, f"timeout_s must be > 0 seconds, got {self.timeout_s}"),
            (self.cool_down_to_c is not None and not 0 < self.cool_down_to_c < 150,
             f"cool_down_to_c must be in (0, 150) °C, got {self.cool_down_to_c}"),
        )  # fmt: skip
        for bad, message in problems:
            if bad:
                raise ConfigError(message)

    def _check_types(self) -> None:
        """Integers are integers, numbers finite and bounded (NaN would disable the timeout's comparison).

        Standard library only, like the rest of this file (it runs on boards without edgepareto);
        the CLI's own checks are :mod:`edgepareto.validation`.
        """
        for f, hi in (("warmup", 10_000), ("runs", 1_000_000), ("min_runs", 1_000_000), ("max_runs", 1_000_000),
                      ("seed", 2**32 - 1), ("stable_window", 1000)):  # fmt: skip
            v = getattr(self, f)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v > hi):
                raise ConfigError(f"{f} must be an integer (at most {hi}), got {v!r}")
        if self.seed < 0 or self.stable_window < 0:
            raise ConfigError(f"seed and stable_window must be >= 0, got {self.seed} and {self.stable_window}")
        for f, top in (("target_ci", 1.0), ("time_limit_s", _WEEK_S), ("pause_s", 3600.0), ("timeout_s", _WEEK_S),
                      ("cool_down_to_c", 150.0), ("process_gap_s", 3600.0), ("stable_tol", 1.0),
                      ("warmup_max_s", 3600.0)):  # fmt: skip
            v = getattr(self, f)
            if v is None and f in ("time_limit_s", "cool_down_to_c"):
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v > top:
                raise ConfigError(f"{f} must be a finite number (at most {top:g}), got {v!r}")
        if not 0.0 < self.stable_tol < 1.0 or self.warmup_max_s <= 0.0:
            raise ConfigError(f"stable_tol must be in (0, 1) and warmup_max_s > 0, got {self.stable_tol}, "
                              f"{self.warmup_max_s}")  # fmt: skip

    def _check_processes(self) -> None:
        if self.processes < 1:
            raise ConfigError(f"processes must be >= 1, got {self.processes}")
        if self.max_processes is not None and self.max_processes < self.processes:
            raise ConfigError(f"max_processes must be >= processes ({self.processes}), got {self.max_processes}")
        if self.retry_if_noisy < 0:
            raise ConfigError(f"retry_if_noisy must be >= 0, got {self.retry_if_noisy}")
        if self.process_gap_s < 0:
            raise ConfigError(f"process_gap_s must be >= 0 seconds, got {self.process_gap_s}")

    @property
    def multi_process(self) -> bool:
        """Measured by a coordinator that starts one child per process (several, or retries of a noisy one)."""
        return self.processes > 1 or (self.max_processes or 1) > 1 or self.retry_if_noisy > 0

    @property
    def process_bound(self) -> int:
        return max(self.processes, self.max_processes or self.processes)

    @classmethod
    def paper(cls, **overrides: Any) -> Protocol:
        """The seed's protocol: 1 warm-up, 100 counted runs, 2 s pause between runs."""
        base = cls(name="paper", warmup=1, runs=100, pause_s=2.0, time_limit_s=None, timeout_s=1800.0)
        return replace(base, **overrides) if overrides else base

    @classmethod
    def fast(cls, **overrides: Any) -> Protocol:
        """The default: the steady state, in 6 processes 0.5 s apart; median of the process medians.

        Each process warms up until the median of its last 10 runs is within 2% of the 10 before
        (at most 1 s of warm-up), then times 10 runs; a process flagged noisy is measured again (twice at
        most). The former default (1 warm-up and 1 run per process) reported the second inference after
        loading, 1.10-1.47x a bare steady loop (issue 25). On this (busy) host the first run after loading
        was 1.0-1.7x the later median and the transient was over within ~10 runs; the rule stopped after
        20-47 runs, unbiased (``benchmarks/warmup_rule.py``, README). The first inference and the load time
        are kept apart (``first_inference_ms``, ``load_ms``). Its 95% CI is over the processes; the gap
        lets them sample more than one of the host's speed states (about 0.9 s each, ``benchmarks/host_states.py``).
        """
        base = cls(name="fast", warmup=1, runs=10, processes=6, timeout_s=600.0, process_gap_s=0.5,
                   stable_window=10, stable_tol=0.02, warmup_max_s=1.0, retry_if_noisy=2)  # fmt: skip
        return replace(base, **overrides) if overrides else base

    @classmethod
    def fast_single(cls, **overrides: Any) -> Protocol:
        """The former fast protocol: one process, 3 warm-ups, stop when the 95% CI of the median is within ±2%.

        8..15 runs, 10 s; its CI holds within that process only (kept to compare against).
        """
        base = cls(name="fast-single")
        return replace(base, **overrides) if overrides else base

    @classmethod
    def presets(cls) -> dict[str, Callable[..., Protocol]]:
        """The named presets, each a builder taking overrides: the one list of protocol names."""
        return {"fast": cls.fast, "fast-single": cls.fast_single, "paper": cls.paper}

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> Protocol:
        """A named preset (``fast``, ``paper``) with overrides; the one place a name becomes a protocol."""
        if name not in (presets := cls.presets()):
            raise ConfigError(f"protocol must be one of {', '.join(presets)}, got {name!r}")
        try:
            return presets[name](**overrides)
        except TypeError as exc:
            raise ConfigError(f"unknown protocol option in {sorted(overrides)}: {exc}") from None

    @property
    def adaptive(self) -> bool:
        return self.runs is None

    def __str__(self) -> str:
        rule = f"{self.min_runs}..{self.max_runs} runs until ±{self.target_ci:.0%}"
        counted = f"{self.runs} run{'s' if self.runs != 1 else ''}" if self.runs else rule
        limit = f", {self.time_limit_s:g} s limit" if self.adaptive and self.time_limit_s else ""
        warm = f"{self.warmup} warm-up"
        if self.stable_window:
            warm = (f"warm-up until {self.stable_window} runs' median is within ±{self.stable_tol:.0%} "
                    f"of the {self.stable_window} before (>= {self.warmup}, <= {self.warmup_max_s:g} s)")  # fmt: skip
        text = f"{self.name}: {warm}, {counted}{limit}, {self.pause_s:g} s pause"
        if self.process_bound > 1:
            more = f"..{self.process_bound} until ±{self.target_ci:.0%}" if self.process_bound > self.processes else ""
            text += f", in {self.processes}{more} processes"
            text += f" {self.process_gap_s:g} s apart" if self.process_gap_s else ""
        if self.retry_if_noisy:
            text += f", a noisy process retried up to {self.retry_if_noisy} times"
        return text

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Protocol:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass
class LoopResult:
    """Raw output of the timed loop: counted times (ns), warm-up times (ns), why it stopped, loop wall time."""

    times_ns: list[int]
    warmup_ns: list[int]
    stopped_by: str
    wall_s: float
    cool_down: dict[str, Any] | None = None
    preempted: list[int] = field(default_factory=list)  # indices of timed runs the scheduler interrupted
    warmup_stopped_by: str = "fixed"  # "fixed", "stable" or "time bound" (see warm_up)


def warm_up(
    invoke: Callable[[], Any],
    protocol: Protocol,
    *,
    progress: Callable[[str, int, int | None], None] | None = None,
    clock: Callable[[], int] = time.perf_counter_ns,
    first_ns: int | None = None,
) -> tuple[list[int], str]:
    """The untimed warm-up runs (ns) and why they stopped: ``protocol.warmup`` runs, then, with a
    ``stable_window`` k, more until the median of the last k is within ``stable_tol`` of the k before
    ("stable"), or ``warmup_max_s`` seconds have passed ("time bound", like benchmark_model's
    ``warmup_min_secs``). The first run after loading is ``warm[0]``: the first-inference figure.

    ``first_ns``: that first run, already timed by the caller right after loading, before any harness
    work (probes, telemetry) could touch the caches an application's first ``invoke()`` finds warm; it
    counts as the first warm-up run (issue 25: timed after the probes it was 1.10x a bare first invoke)."""
    warm: list[int] = [] if first_ns is None else [first_ns]
    k = protocol.stable_window
    start = clock()
    bound = start + int(protocol.warmup_max_s * 1e9)
    if warm and progress is not None:
        progress("warmup", 1, None if k else protocol.warmup)
    why = _warm_enough(warm, protocol, start, bound) if warm else None
    while why is None:
        t0 = clock()
        invoke()
        t1 = clock()
        warm.append(t1 - t0)
        if progress is not None:
            progress("warmup", len(warm), None if k else protocol.warmup)
        why = _warm_enough(warm, protocol, t1, bound)
    return warm, why


def _warm_enough(warm: list[int], protocol: Protocol, now_ns: int, bound_ns: int) -> str | None:
    """Why the warm-up may stop after these runs (None: go on)."""
    k = protocol.stable_window
    if len(warm) < protocol.warmup:
        return None
    if not k:
        return "fixed"
    if len(warm) >= 2 * k and _stable(warm[-2 * k : -k], warm[-k:], protocol.stable_tol):
        return "stable"
    return "time bound" if now_ns >= bound_ns else None


def _stable(before: list[int], last: list[int], tol: float) -> bool:
    a, b = float(np.median(before)), float(np.median(last))
    return a > 0 and abs(b / a - 1.0) <= tol


def timed_loop(
    invoke: Callable[[], Any],
    protocol: Protocol,
    *,
    runlog: RunLog | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
    clock: Callable[[], int] = time.perf_counter_ns,
    switches: Callable[[], int] | None = None,
    first_ns: int | None = None,
) -> LoopResult:
    """Warm up (:func:`warm_up`, untimed in the figures), then the timed runs (:func:`timed_runs`).

    ``first_ns``: the first run after loading, timed by the caller (see :func:`warm_up`); only with a warm-up."""
    if protocol.warmup or protocol.stable_window:
        warm, why = warm_up(invoke, protocol, progress=progress, clock=clock, first_ns=first_ns)
    else:
        warm, why = [], "fixed"
    cd = None
    sampler = runlog.sampler if runlog is not None else None
    if protocol.cool_down_to_c is not None and sampler is not None:
        cd = cool_down(sampler, protocol.cool_down_to_c)
    loop = timed_runs(invoke, protocol, runlog=runlog, progress=progress, clock=clock, switches=switches)
    loop.warmup_ns, loop.cool_down, loop.warmup_stopped_by = warm, cd, why
    return loop


def timed_runs(
    invoke: Callable[[], Any],
    protocol: Protocol,
    *,
    runlog: RunLog | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
    clock: Callable[[], int] = time.perf_counter_ns,
    switches: Callable[[], int] | None = None,
) -> LoopResult:
    """The counted runs, timed one call at a time per the protocol (the one loop a hook wraps, e.g. energy).

    Only ``invoke`` sits between the two clock reads; telemetry, pauses, progress and the stopping
    rule run outside that window. The stopping rule is checked on a geometric schedule (every 5%
    of the runs so far), so its cost per run stays well under a microsecond. ``switches`` (a counter of
    involuntary context switches), read before and after each run, marks the runs that were preempted.
    """
    sampler = runlog.sampler if runlog is not None else None
    tele = runlog is not None and runlog.active
    if tele:
        runlog.begin()  # type: ignore[union-attr]  # tele is true only with a runlog
    target = protocol.runs if protocol.runs is not None else protocol.max_runs
    limit_ns = int(protocol.time_limit_s * 1e9) if protocol.adaptive and protocol.time_limit_s is not None else None
    pause = protocol.pause_s
    times: list[int] = []
    preempted: list[int] = []
    append = times.append
    next_check = protocol.min_runs if protocol.adaptive else target + 1
    next_report = 0
    report_every = 200_000_000  # progress at most 5 times a second
    stopped = "runs"
    start = clock()
    n = 0
    while n < target:
        if pause and n:
            time.sleep(pause)
            if protocol.cool_down_to_c is not None and sampler is not None:
                cool_down(sampler, protocol.cool_down_to_c)
        if tele and pause:
            runlog.before()  # type: ignore[union-attr]  # tele: a runlog
        s0 = switches() if switches is not None else 0
        t0 = clock()
        invoke()
        t1 = clock()
        append(t1 - t0)
        if switches is not None and switches() != s0:
            preempted.append(n)
        n += 1
        if tele:
            runlog.after(t1)  # type: ignore[union-attr]  # tele: a runlog
        if progress is not None and t1 >= next_report:
            next_report = t1 + report_every
            progress("runs", n, protocol.runs)
        if n >= next_check:
            srt = np.sort(np.asarray(times, dtype=np.float64))
            med = float(srt[n // 2]) if n % 2 else float(srt[n // 2 - 1] + srt[n // 2]) / 2
            if relative_halfwidth(median_ci_order(srt), med) <= protocol.target_ci:
                stopped = f"95% CI of the median within ±{protocol.target_ci:.0%}"
                break
            next_check = n + max(1, n // 20)
        if limit_ns is not None and t1 - start >= limit_ns:
            stopped = f"time limit ({protocol.time_limit_s:g} s)"
            break
    else:
        if protocol.adaptive:
            stopped = f"max runs ({protocol.max_runs})"
    if progress is not None:
        progress("runs", n, protocol.runs)
    return LoopResult(times, [], stopped, (clock() - start) / 1e9, None, preempted)


@dataclass(frozen=True)
class Measurement:
    """One latency measurement with everything needed to trust and reproduce it; plain JSON both ways.

    ``status`` is ``ok`` or ``failed`` (then ``error`` is one line naming the fix and ``error_kind``
    says whose fault: model, engine, device, config, crash, timeout). ``source`` is ``measured``
    or ``imported`` (a TFLite benchmark_model log).
    """

    status: str
    model: str
    engine: str
    threads: int
    protocol: dict[str, Any]
    error: str | None = None
    error_kind: str | None = None
    engine_version: str | None = None
    kernel_path: str | None = None
    delegation: dict[str, Any] | None = None  # how the graph ran (KernelPath.to_json): nodes taken, ops left over
    cpus: list[int] | None = None
    cluster: str | None = None
    pinning: dict[str, Any] | None = None
    device_id: str | None = None
    device: dict[str, Any] | None = None  # the fingerprint (clusters, kernel, runtimes)
    runs: int | None = None
    median_ms: float | None = None
    mean_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    std_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    fps: float | None = None
    ci95_median_ms: list[float] | None = None
    ci95_mean_ms: list[float] | None = None
    outliers: int | None = None
    stopped_by: str | None = None
    wall_s: float | None = None
    warmup_ms: list[float] | None = None
    load_ms: float | None = None  # open the model, delegate, allocate and set inputs (start-up cost, never latency)
    first_inference_ms: float | None = None  # the first invoke() after loading (never in the steady-state figure)
    end_to_end: dict[str, Any] | None = None  # image file -> top-k in the same process (bench --end-to-end)
    times_ms: list[float] | None = None
    peak_rss_bytes: int | None = None
    rss_before_load_bytes: int | None = None
    inputs: list[dict[str, Any]] | None = None
    telemetry: dict[str, Any] | None = None
    interference: dict[str, Any] | None = None  # interference.assess: noisy, reasons, readings
    processes: list[dict[str, Any]] | None = None  # per-process medians and interference (multi-process)
    modes: list[dict[str, Any]] | None = None  # groups of process medians that differ by more than noise
    noisy: bool | None = None  # the CPU was shared while timing (None: not assessed)
    warnings: list[str] = field(default_factory=list)
    source: str = "measured"
    created: float | None = None
    imported: dict[str, Any] | None = None  # benchmark_model imports: delegate, memory, op table, as the log says

    def __post_init__(self) -> None:
        if self.status not in ("ok", "failed"):
            raise ConfigError(f"status must be 'ok' or 'failed', got {self.status!r}")
        if self.status == "failed" and not self.error:
            raise ConfigError("a failed measurement needs a one-line error")

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @classmethod
    def failed(cls, error: str, kind: str, **context: Any) -> Measurement:
        line = first_line(error, 1000)
        base: dict[str, Any] = {"model": "", "engine": "", "threads": 0, "protocol": {}}
        base.update({k: v for k, v in context.items() if k in _FIELDS})
        return cls(status="failed", error=line, error_kind=kind, created=time.time(), **base)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any] | str) -> Measurement:
        doc: dict[str, Any] = json.loads(d) if isinstance(d, str) else d
        return cls(**{k: v for k, v in doc.items() if k in _FIELDS})

    def __str__(self) -> str:
        if not self.ok:
            return f"{self.model}: failed ({self.error_kind}): {self.error}"
        lo, hi = self.ci95_median_ms or (math.nan, math.nan)
        return (
            f"{self.model}: median {self.median_ms:.3f} ms [{lo:.3f}, {hi:.3f}] over {self.runs} runs, "
            f"{self.engine} {self.threads}t on CPUs {self.cpus}"
        )


_FIELDS = {f.name for f in fields(Measurement)}

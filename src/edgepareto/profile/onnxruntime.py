"""ONNX Runtime's session profiler: per-node times of each run, in execution order.

The session is set up as ``engines.onnxruntime`` sets it up for ``bench`` (CPU provider,
``threads`` intra-op threads, one inter-op thread, sequential execution, all graph
optimizations), with ``enable_profiling``. Each ``model_run`` event bounds one inference. A
node's time is its *span*: from the end of the previous node's kernel (the executor's start for
the first) to the end of its own, i.e. its kernel plus the executor's work to dispatch it
(fences, output allocation), read off the profiler's timestamps; the kernel alone is kept
beside it. Both are medians over the counted runs (warm-ups dropped). ``run_ms`` is each
counted run's whole duration as the profiler saw it, and ``run_cpu_ms`` the CPU time of the
calling thread over it (with one intra-op thread ONNX Runtime computes on the calling thread).
With ``spacing_s`` the counted runs are spread over time, each after a pause and one uncounted
run, as ``bench``'s fast protocol spreads its processes: the host's speed changes over seconds
(``benchmarks/host_states.py``), and runs back to back see one moment of it. With ``unprofiled``
each counted run is followed by one run of an unprofiled session opened as ``bench`` opens the file
(``engines.open_runner``), timed by the wall clock: the whole-model latency taken in the same
moments as the profile, so the two are compared within one state of the host, not across two.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgepareto.errors import ConfigError, ModelFileError, first_line
from edgepareto.profile._events import Event, group_runs, read_events
from edgepareto.profile.layers import OpTime

# The profiler's file grows with every run: 25 kB (36-39 events) per run of mobilenet_v1 0.25/96 fp32 or int8
# (onnxruntime 1.32.0 on the dev host, 100 vs 400 runs), so 10,000 runs write ~250 MB to the temp folder; and
# ONNX Runtime holds its events in memory until the end: peak RSS 145 MB at 1,000 runs, 410 MB at 4,000 (same
# model and host), ~1 GB at 10,000. Reading the file here is linear (`_events.py`): 3.6 s and 12.5 s for those
# two on the busy shared 2-core dev host (one session run N times, then read_events + group_runs; a spot check).
MAX_RUNS = 10_000
_DTYPES = {"tensor(float)": np.float32, "tensor(uint8)": np.uint8, "tensor(int8)": np.int8}


@dataclass(frozen=True)
class NodeProfile:
    """Per-node median kernel times (execution order) and the whole-run times, from one session."""

    ops: tuple[OpTime, ...]  # per-node span (kernel + its dispatch), the per-layer time
    kernel_ms: tuple[float, ...]  # per-node kernel time alone, same order as ``ops``
    run_ms: tuple[float, ...]
    run_cpu_ms: tuple[float, ...]
    engine_version: str
    threads: int
    unprofiled_ms: tuple[float, ...] = ()  # bench's runner, one run after each counted profiled run

    def __post_init__(self) -> None:
        if not self.ops or not self.run_ms:
            raise ModelFileError("the ONNX Runtime profile has no node or run events; profile a model that runs")


@contextmanager
def pinned(cpus: list[int] | None) -> Iterator[None]:
    """This process on ``cpus`` for the duration (restored after)."""
    if not cpus:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def _session(path: Path, threads: int, prefix: str) -> Any:
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads, so.inter_op_num_threads = threads, 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    so.enable_profiling, so.profile_file_prefix = True, prefix
    try:
        return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ModelFileError(f"{path}: ONNX Runtime cannot load this model ({first_line(exc, 200)})") from exc


def _feeds(sess: Any, seed: int) -> dict[str, np.ndarray]:
    rng, feeds = np.random.default_rng(seed), {}
    for arg in sess.get_inputs():
        if arg.type not in _DTYPES:
            raise ModelFileError(f"input {arg.name!r} has type {arg.type}; profile takes float32/uint8/int8 inputs")
        shape = [d if isinstance(d, int) and d > 0 else 1 for d in arg.shape]
        feeds[arg.name] = rng.uniform(-1, 1, shape).astype(_DTYPES[arg.type])
    return feeds


def _per_run(events: list[Event], skip: int) -> tuple[list[tuple[float, list[Event]]], list[float]]:
    """(executor start, kernel events in order) per counted run, and each counted run's duration (ms)."""
    grouped = group_runs(events)
    runs = sorted((e for e in events if e.kind == "run"), key=lambda e: e.ts)
    return grouped[skip:], [r.dur / 1000.0 for r in runs[skip:]]


def _nhwc(shape: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """An NCHW output (ONNX's layout; QLinearConv runs NHWC) as NHWC, the layout the layer check reads."""
    if shape is None or len(shape) != 4:
        return shape
    n, a, b, c = shape
    return (n, b, c, a) if b == c and a != b else shape


def _medians(runs: list[tuple[float, list[Event]]]) -> tuple[tuple[OpTime, ...], tuple[float, ...]]:
    """Per node, in execution order: the median span (as an ``OpTime`` with its output shape) and kernel time."""
    spans: dict[str, list[float]] = defaultdict(list)
    kernels: dict[str, list[float]] = defaultdict(list)
    for start, run in runs:
        prev_end = start
        for n in run:
            end = n.ts + n.dur
            spans[n.name].append(max(0.0, end - prev_end) / 1000.0)
            kernels[n.name].append(n.dur / 1000.0)
            prev_end = end
    first = runs[0][1] if runs else []
    ops = tuple(OpTime(n.op, n.name, statistics.median(spans[n.name]), _nhwc(n.shape)) for n in first)
    return ops, tuple(statistics.median(kernels[n.name]) for n in first)


def profile_onnx(
    path: str | Path,
    *,
    threads: int = 1,
    warmup: int = 3,
    runs: int = 30,
    cpus: list[int] | None = None,
    seed: int = 0,
    spacing_s: float = 0.0,
    unprofiled: bool = False,
) -> NodeProfile:
    """Run ``path`` ``warmup + runs`` times under the session profiler; per-node median spans and kernel times."""
    import onnxruntime as ort

    if threads < 1 or runs < 1 or warmup < 0:
        raise ConfigError(f"threads and runs must be >= 1 and warmup >= 0, got {threads}, {runs}, {warmup}")
    if runs > MAX_RUNS:
        raise ConfigError(
            f"profile takes at most {MAX_RUNS:,} runs (the profiler's file grows with each), "
            f"got {runs:,}; pass --runs {MAX_RUNS} or fewer"
        )
    if not 0.0 <= spacing_s <= 10.0:  # also refuses NaN
        raise ConfigError(f"spacing_s must be in [0, 10] seconds, got {spacing_s}")
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: model file not found; export it first (edgepareto export --format onnx)")
    with tempfile.TemporaryDirectory() as tmp, pinned(cpus):
        sess = _session(path, threads, str(Path(tmp) / "ort"))
        feeds = _feeds(sess, seed)
        plain = _plain(path, threads, feeds) if unprofiled else None
        cpu_ms, wall_ms = [], []
        for i in range(warmup + runs):
            if spacing_s and i >= warmup:
                time.sleep(spacing_s)
                sess.run(None, feeds)  # the run after a pause is not counted, as bench's warm-up per process
            t0 = time.thread_time_ns()
            sess.run(None, feeds)
            cpu_ms.append((time.thread_time_ns() - t0) / 1e6)
            if plain is not None:
                w0 = time.perf_counter_ns()
                plain.invoke()
                wall_ms.append((time.perf_counter_ns() - w0) / 1e6)
        events = read_events(sess.end_profiling())  # one pass, linear in the events
        if plain is not None:
            plain.close()
    grouped, run_ms = _per_run(events, warmup)
    if spacing_s:  # after the warm-ups the runs alternate: uncounted (after a pause), counted
        grouped, run_ms = grouped[1::2], run_ms[1::2]
    ops, kernel_ms = _medians(grouped)
    version = f"onnxruntime {ort.__version__}"
    return NodeProfile(ops, kernel_ms, tuple(run_ms), tuple(cpu_ms[warmup:]), version, threads, tuple(wall_ms[warmup:]))


def _plain(path: Path, threads: int, feeds: dict[str, np.ndarray]) -> Any:
    """The file opened as ``bench`` opens it (no profiler), fed the profiled session's inputs."""
    from edgepareto.engines import open_runner

    runner = open_runner(path, "onnxruntime", threads)
    runner.set_inputs([feeds[spec.name] for spec in runner.inputs])
    return runner

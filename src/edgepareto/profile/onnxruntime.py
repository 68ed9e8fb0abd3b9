"""ONNX Runtime's session profiler: per-node kernel times of each run, in execution order.

The session is set up as ``engines.onnxruntime`` sets it up for ``bench`` (CPU provider,
``threads`` intra-op threads, one inter-op thread, sequential execution, all graph
optimizations), with ``enable_profiling``. Each ``model_run`` event bounds one inference; a
node's time is the median of its ``*_kernel_time`` events over the counted runs (warm-ups
dropped). ``run_ms`` is each counted run's whole duration as the profiler saw it, and
``run_cpu_ms`` the CPU time of the calling thread over it (with one intra-op thread ONNX Runtime
computes on the calling thread): on a loaded host, where a run waits for the CPU, the CPU time
is the inference's own cost while the wall time is not.
"""

from __future__ import annotations

import json
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
from edgepareto.profile.layers import OpTime

_DTYPES = {"tensor(float)": np.float32, "tensor(uint8)": np.uint8, "tensor(int8)": np.int8}


@dataclass(frozen=True)
class NodeProfile:
    """Per-node median kernel times (execution order) and the whole-run times, from one session."""

    ops: tuple[OpTime, ...]
    run_ms: tuple[float, ...]
    run_cpu_ms: tuple[float, ...]
    engine_version: str
    threads: int

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


def _per_run(events: list[dict[str, Any]], skip: int) -> tuple[list[list[dict[str, Any]]], list[float]]:
    runs = sorted(
        (e for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"), key=lambda e: e["ts"]
    )
    nodes = [e for e in events if e.get("cat") == "Node" and str(e.get("name", "")).endswith("_kernel_time")]
    grouped = [
        sorted((n for n in nodes if r["ts"] <= n["ts"] <= r["ts"] + r["dur"]), key=lambda n: n["ts"]) for r in runs
    ]
    return grouped[skip:], [r["dur"] / 1000.0 for r in runs[skip:]]


def _medians(runs: list[list[dict[str, Any]]]) -> tuple[OpTime, ...]:
    times: dict[str, list[float]] = defaultdict(list)
    kinds: dict[str, str] = {}
    for run in runs:
        for n in run:
            name = n["name"][: -len("_kernel_time")]
            times[name].append(n["dur"] / 1000.0)
            kinds[name] = n["args"].get("op_name", "?")
    order = [n["name"][: -len("_kernel_time")] for n in runs[0]]
    return tuple(OpTime(kinds[name], name, statistics.median(times[name])) for name in order)


def profile_onnx(
    path: str | Path, *, threads: int = 1, warmup: int = 3, runs: int = 30, cpus: list[int] | None = None, seed: int = 0
) -> NodeProfile:
    """Run ``path`` ``warmup + runs`` times under the session profiler; per-node median kernel times."""
    import onnxruntime as ort

    if threads < 1 or runs < 1 or warmup < 0:
        raise ConfigError(f"threads and runs must be >= 1 and warmup >= 0, got {threads}, {runs}, {warmup}")
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: model file not found; export it first (edgepareto export --format onnx)")
    with tempfile.TemporaryDirectory() as tmp, pinned(cpus):
        sess = _session(path, threads, str(Path(tmp) / "ort"))
        feeds = _feeds(sess, seed)
        cpu_ms = []
        for _ in range(warmup + runs):
            t0 = time.thread_time_ns()
            sess.run(None, feeds)
            cpu_ms.append((time.thread_time_ns() - t0) / 1e6)
        events = json.loads(Path(sess.end_profiling()).read_text())
    grouped, run_ms = _per_run(events, warmup)
    return NodeProfile(
        _medians(grouped), tuple(run_ms), tuple(cpu_ms[warmup:]), f"onnxruntime {ort.__version__}", threads
    )

"""One profile: per-operator times of a file, mapped onto its layers, beside ``bench``'s whole-model latency.

ONNX Runtime gives times per node (its session profiler). LiteRT's Python runtime gives the
operators but no times; with a ``benchmark_model --enable_op_profiling`` log (``log_text``)
the times are the log's, and without one a tf2onnx conversion of the ``.tflite`` file is timed by
ONNX Runtime (``converted.py``), LiteRT's whole-model latency of the original beside it.
``bench`` measures the same file in the same call (a pinned child
process, the fast protocol), so the sum of layer times can be checked against it; with ONNX
Runtime the file is also opened as ``bench`` opens it in the profiling process, one unprofiled run
after each profiled one (``interleaved``): the two sides then share the host's speed states, which
a separate measurement moments later does not (``benchmarks/results/<host>/profile_agreement*.md``).
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from edgepareto.artifacts import graph_cost
from edgepareto.bench import Protocol, discover_host, measure, resolve_cpus
from edgepareto.errors import ConfigError, ModelFileError
from edgepareto.models import CostReport, Variant, cost_of, list_families
from edgepareto.profile.converted import profile_converted
from edgepareto.profile.layers import LayerProfile, OpTime, map_ops
from edgepareto.profile.litert import log_ops_of
from edgepareto.profile.onnxruntime import profile_onnx

ENGINES: tuple[str, ...] = ("onnxruntime", "litert")
SPACING_S = 0.0  # pause before each counted profiled run (see profile_onnx)
CONVERTED_NOTE = (
    "per-layer times are ONNX Runtime's on a tf2onnx conversion of the file (LiteRT's Python runtime has no "
    "per-operator timer); the bench line is LiteRT's own whole-model latency of the original. For LiteRT's "
    "per-layer times pass --log with a benchmark_model --enable_op_profiling=true --use_xnnpack=false log"
)


def _variant(path: Path) -> Variant:
    stem = path.name.split(".onnx")[0].split(".tflite")[0]
    return Variant.parse(stem)


def _mapped(path: Path, ops: tuple[OpTime, ...], variant: Variant) -> LayerProfile:
    """The operators on the family's cost model; on the file's own graph where the converter ordered them otherwise.

    A file of the variant's architecture but with its layers in another order (a Keras-read family's
    squeeze-and-excite branches, say) maps onto its graph's layers, once the graph's totals equal the
    family's; a file of another alpha or resolution keeps the family model's error. A family this
    tool does not know maps onto the file's graph alone.
    """
    precision = str(variant.precision)
    if variant.alpha is None or variant.family not in list_families():
        return map_ops(ops, _graph_layers(path), precision)
    report = cost_of(variant.config)
    try:
        return map_ops(ops, report, precision)
    except ModelFileError:
        graph = _graph_layers(path)
        if (graph.macs, graph.params_folded) != (report.macs, report.params_folded):
            raise
        return map_ops(ops, graph, precision)


def _graph_layers(path: Path) -> CostReport:
    try:
        return graph_cost(path).cost_report()
    except ValueError as exc:
        raise ModelFileError(f"{path}: cannot map a profile onto its layers ({exc})") from exc


def _ops(
    path: Path,
    engine: str,
    threads: int,
    cpus: list[int],
    runs: int,
    log_text: str | None,
    spacing_s: float,
    unprofiled: bool,
) -> dict[str, Any]:
    if log_text is not None:  # checked against the file: its size, operators and their output shapes
        return {
            "ops": log_ops_of(log_text, path),
            "times_from": "benchmark_model --enable_op_profiling log (its Run Order)",
        }
    if engine == "onnxruntime":
        prof = profile_onnx(
            path, threads=threads, runs=runs, cpus=cpus or None, spacing_s=spacing_s, unprofiled=unprofiled
        )
        return {
            "ops": prof.ops,
            "times_from": f"{prof.engine_version} session profiler (median span per node: "
            "its kernel and the executor's dispatch before it)",
            "kernel_sum_ms": sum(prof.kernel_ms),
            "profiler_runs": runs,
            "profiler_spacing_s": spacing_s,
            "profiler_run_median_ms": statistics.median(prof.run_ms),
            "profiler_run_cpu_median_ms": statistics.median(prof.run_cpu_ms),
            "interleaved": _interleaved(prof.unprofiled_ms),
        }
    prof = profile_converted(path, threads=threads, runs=runs, cpus=cpus or None, spacing_s=spacing_s)
    return {
        "ops": prof.ops,
        "times_from": f"ONNX Runtime on a tf2onnx conversion of {path.name} "
        f"({prof.engine_version} session profiler, median span per node)",
        "times_engine": "onnxruntime",
        "kernel_sum_ms": sum(prof.kernel_ms),
        "profiler_runs": runs,
        "profiler_spacing_s": spacing_s,
        "profiler_run_median_ms": statistics.median(prof.run_ms),
        "profiler_run_cpu_median_ms": statistics.median(prof.run_cpu_ms),
        "note": CONVERTED_NOTE,
    }


def _interleaved(times: tuple[float, ...]) -> dict[str, Any] | None:
    if not times:
        return None
    what = "bench's runner (no profiler) in the profiling process, one run after each profiled run"
    return {"status": "ok", "median_ms": statistics.median(times), "runs": len(times), "what": what}


def _bench(path: Path, engine: str, threads: int, cpus: list[int]) -> dict[str, Any]:
    m = measure(path, engine=engine, threads=threads, cpus=cpus or None, protocol=Protocol.fast())
    if not m.ok:
        return {"status": "failed", "error": m.error}
    return {"status": "ok", "median_ms": m.median_ms, "ci95_median_ms": m.ci95_median_ms, "runs": m.runs,
            "engine_version": m.engine_version, "kernel_path": m.kernel_path}  # fmt: skip


def _agreement(prof: LayerProfile, bench: dict[str, Any] | None) -> float | None:
    if bench is None or bench.get("status") != "ok" or prof.total_ms is None:
        return None
    return prof.total_ms / bench["median_ms"] - 1


def profile_file(
    path: str | Path,
    *,
    engine: str,
    threads: int = 1,
    cpus: list[int] | str | None = None,
    cluster: str | None = None,
    runs: int = 30,
    log_text: str | None = None,
    bench: bool = True,
    spacing_s: float = SPACING_S,
) -> dict[str, Any]:
    """Per-layer times of ``path`` (or of ``log_text``), mapped onto its cost model, with ``bench``'s latency."""
    if engine not in ENGINES:
        raise ConfigError(f"profile runs {', '.join(ENGINES)}, not {engine!r}; pass --engine onnxruntime or litert")
    path = Path(path)
    if not path.is_file():  # the name alone would pick a cost model: the times must be of this very file
        raise ModelFileError(
            f"{path}: model file not found; pass the file to profile (with --log: the .tflite "
            "file the log was measured on)"
        )
    if log_text is not None and path.suffix.lower() != ".tflite":
        raise ModelFileError(f"{path}: a benchmark_model log is of a .tflite file; pass the .tflite it ran")
    variant = _variant(path)
    pinned = resolve_cpus(discover_host(), cluster=cluster, cpus=cpus)
    got = _ops(path, engine, threads, pinned, runs, log_text, spacing_s, bench)
    ops: tuple[OpTime, ...] = got.pop("ops")
    prof = _mapped(path, ops, variant)
    whole = _bench(path, engine, threads, pinned) if bench and log_text is None else None
    cpu = got.get("profiler_run_cpu_median_ms")
    return {
        "file": str(path),
        "variant": variant.name,
        "engine": engine,
        "threads": threads,
        "cpus": pinned,
        **got,
        **prof.to_json(),
        "bench": whole,
        "layer_sum_vs_bench": _agreement(prof, whole),
        "layer_sum_vs_interleaved": _agreement(prof, got.get("interleaved")),
        "layer_sum_vs_run_cpu": prof.total_ms / cpu - 1 if cpu and prof.total_ms else None,
        "source": "measured",
    }

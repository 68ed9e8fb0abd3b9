"""Where the time goes in one model file: per-operator times mapped onto the cost model's layers.

ONNX Runtime: its session profiler's median kernel time per node. LiteRT: the Python runtime
lists the operators but has no per-operator timer, so the times come from ``--log`` (a
``benchmark_model --enable_op_profiling=true --use_xnnpack=false`` log of the same architecture)
or, without one, from ONNX Runtime on a tf2onnx conversion of the file (the header says so; LiteRT's
whole-model latency of the original is beside it). Each layer gets its MACs, parameters,
activation bytes and GMAC/s; the whole-model latency is measured by ``bench`` in the same call,
and the layer sum is compared with it.

    edgepareto profile artifacts/mobilenet_v1_050_160.int8.onnx --cpus 1 --json
    edgepareto profile mobilenet_v1_100_224.fp32.tflite --log board-op-profile.log
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from edgepareto.validation import arg_finite, arg_int

HELP = "per-layer times of one model file with MACs, bytes and GMAC/s per layer"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="model file (.onnx or .tflite) named as edgepareto names variants")
    p.add_argument("--engine", choices=("onnxruntime", "litert"), help="default: by file suffix")
    p.add_argument("--threads", type=arg_int(1, 1024), default=1, help="engine threads (default 1)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--cluster", help="cluster name, core type or CPU list from `edgepareto devices`")
    where.add_argument("--cpus", help="CPU list to pin to, e.g. 1 or 4-7")
    p.add_argument(
        "--runs", type=arg_int(1, 10000), default=30, help="profiled runs after 3 warm-ups (default 30, at most 10,000)"
    )
    p.add_argument(
        "--spacing",
        type=arg_finite(0.0, 10.0),
        default=0.0,
        metavar="S",
        help="pause S seconds (and one uncounted run) before each profiled run, to spread them "
        "over time as bench spreads its processes (default 0: back to back)",
    )
    p.add_argument("--log", type=Path, help="benchmark_model --enable_op_profiling log with the per-op times")
    p.add_argument("--no-bench", action="store_true", help="skip the whole-model latency measurements")
    p.add_argument("--plot", type=Path, metavar="STEM", help="write STEM.png/.svg: the time by layer kind as a bar")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.engines import engine_for
    from edgepareto.errors import ModelFileError
    from edgepareto.profile import profile_file

    log_text = None
    if args.log is not None:
        if not args.log.is_file():
            raise ModelFileError(f"{args.log}: log not found; pass the benchmark_model output saved to a file")
        log_text = args.log.read_text(errors="replace")
    doc = profile_file(
        args.file,
        engine=args.engine or engine_for(args.file),
        threads=args.threads,
        cpus=args.cpus,
        cluster=args.cluster,
        runs=args.runs,
        log_text=log_text,
        bench=not args.no_bench,
        spacing_s=args.spacing,
    )
    if args.plot is not None:
        from edgepareto.report.time_plot import plot_time_by_kind

        if doc["total_ms"] is None:
            raise ModelFileError("no per-layer times to plot; use --engine onnxruntime or pass --log")
        png, _ = plot_time_by_kind([doc], args.plot, title="Where the time goes", subtitle=doc["times_from"])
        doc["plot"] = str(png)
    return doc


def _ms(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def render(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import table

    rows = [
        (
            r["layer"],
            r["kind"],
            r["op_type"],
            _ms(r["ms"]),
            f"{r['macs'] / 1e6:.2f}",
            f"{r['params']:,}",
            f"{r['activation_bytes'] / 1e3:.0f}",
            "-" if r["gmacs_per_s"] is None else f"{r['gmacs_per_s']:.1f}",
        )
        for r in doc["layers"]
    ]
    head = ["layer", "kind", "op", "ms", "MMACs", "params", "act kB", "GMAC/s"]
    title = f"{doc['variant']} ({doc['engine']})"
    if doc.get("times_engine") and doc["times_engine"] != doc["engine"]:
        title = f"{doc['variant']}: times from ONNX Runtime on a tf2onnx conversion of {Path(doc['file']).name}"
    console.print(table(title, head, rows, right=(3, 4, 5, 6, 7)))
    console.print(f"times from: {doc['times_from'] or 'none (operators only)'}")
    kinds = ", ".join(f"{k} {_ms(v)}" for k, v in doc["by_kind_ms"].items())
    console.print(f"ms by kind: {kinds}; layer sum {_ms(doc['total_ms'])} ms")
    _bench_line(doc, console)
    il = doc.get("interleaved")
    if il:
        console.print(
            f"bench's runner taking turns with the profiled runs: median {il['median_ms']:.3f} ms; "
            f"layer sum vs it {100 * doc['layer_sum_vs_interleaved']:+.1f}%"
        )
    if doc.get("layer_sum_vs_run_cpu") is not None:
        cpu, diff = doc["profiler_run_cpu_median_ms"], 100 * doc["layer_sum_vs_run_cpu"]
        console.print(f"profiled runs: {cpu:.3f} ms CPU time (median); layer sum vs it {diff:+.1f}%")
    if doc.get("note"):
        console.print(doc["note"])


def _bench_line(doc: dict[str, Any], console) -> None:
    """bench's whole-model latency (the file's own engine) and how far the layer sum is from it."""
    b = doc.get("bench")
    if not b:
        return
    if b.get("status") != "ok":
        console.print(f"[yellow]bench ({doc['engine']}) failed:[/yellow] {b.get('error') or 'no reason given'}")
        return
    vs = doc.get("layer_sum_vs_bench")
    diff = "" if vs is None else f"; layer sum vs bench {100 * vs:+.1f}%"
    console.print(f"bench median {b['median_ms']:.3f} ms ({doc['engine']}, whole model){diff}")

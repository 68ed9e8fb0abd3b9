"""Measure the latency of one model file on this host, pinned to a cluster or CPU list.

Each measurement runs in child processes (a crash or hang is one line, not a dead shell),
with random inputs of the model's dtype and shape. Protocols: ``fast`` (default: 6 processes, 0.5 s apart, of
1 warm-up + 1 run, median of the process medians with the exact 95% CI over them; ``--runs`` and
``--warmup`` count per process), ``fast-single`` (the former fast: one process, stop when the 95% CI
of the median is within ±2%, 3 warm-ups, 8..15 runs, 10 s limit) and ``paper`` (the seed's: 1 warm-up,
100 runs, 2 s pauses). Any flag overrides the preset. A partly delegated graph warns in one line;
``--require-full-delegation`` makes it an error.

    edgepareto bench artifacts/mobilenet_v1_100_224.int8.tflite --cluster big --json
    edgepareto bench model.onnx --engine onnxruntime --threads 2 --cpus 0-1
    edgepareto bench model.tflite --protocol paper --pause 0 --no-xnnpack
    edgepareto bench board-run.log --import     # TFLite benchmark_model output -> same record
    edgepareto bench a.tflite --compare b.tflite c.onnx --cpus 1   # taking turns in the same processes: ratios to a

``--compare`` measures the files in the same processes, visiting them in turn (40 visits of 1 uncounted
and 3 counted runs per file and process by default), so that they share the host's speed states: each
file's median, and its ratio to FILE process by process, where a host that moves between states
cancels out.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from edgepareto.cli._options import add_protocol_argument, add_protocol_flags, protocol_from_args, protocol_overrides
from edgepareto.validation import arg_int, arg_threads

HELP = "measure one model's latency (median, CI, percentiles, peak memory) on chosen CPUs"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="model file (.tflite, .onnx), or a benchmark_model log with --import")
    p.add_argument("--engine", help="litert or onnxruntime (default: by file suffix)")
    p.add_argument("--threads", type=arg_threads, default=1, help="engine threads, 1..usable CPUs (default 1)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--cluster", help="cluster name, core type or CPU list from `edgepareto devices`")
    where.add_argument("--cpus", help="CPU list to pin to, e.g. 4-7 or 0,2")
    add_protocol_argument(
        p, help="preset (default fast: 6 processes; fast-single: the former one-process fast protocol)"
    )
    add_protocol_flags(p)
    p.add_argument("--no-xnnpack", action="store_true", help="LiteRT: builtin kernels instead of XNNPACK")
    p.add_argument("--optimization", choices=("disable", "basic", "extended", "all"), help="ONNX Runtime graph level")
    p.add_argument(
        "--require-full-delegation",
        action="store_true",
        help="fail (one line, non-zero exit) when part of the graph runs off XNNPACK / integer kernels",
    )
    p.add_argument(
        "--compare",
        nargs="+",
        type=Path,
        metavar="OTHER",
        help="also measure these files in the same processes as FILE, taking turns: medians and ratios to FILE",
    )
    p.add_argument("--visits", type=arg_int(1, 10_000), default=40, help="--compare: visits per file and process")
    p.add_argument("--per-visit", type=arg_int(1, 1000), default=3, help="--compare: counted runs per visit")
    p.add_argument(
        "--end-to-end",
        type=Path,
        metavar="IMAGES_DIR",
        help="also time image file -> top-5 (decode + the preprocessing preset + invoke + top-k) in the same process",
    )
    p.add_argument("--preset", help="--end-to-end: preprocessing preset (default: the file's sidecar, else tf-slim)")
    p.add_argument("--import", dest="import_log", action="store_true", help="FILE is a benchmark_model log")
    p.add_argument(
        "--store", type=Path, help="also record the result in this results store (keyed: a rerun adds nothing)"
    )
    p.add_argument("--device", help="with --import --store: the device the log was measured on (e.g. 'xu4 Cortex-A15')")
    p.add_argument("--model", type=Path, help="with --import --store: the model file the log ran (default: the log's)")
    p.add_argument(
        "--force",
        action="store_true",
        help="with --import --store: record a log that contradicts --model (graph, size, op counts), mismatch noted",
    )


def _end_to_end_request(args: argparse.Namespace) -> dict[str, Any] | None:
    """``--end-to-end DIR``: the images the child takes in turn (checked here, so a bad folder is one line)."""
    from edgepareto.errors import ConfigError

    if args.end_to_end is None:
        if args.preset is not None:
            raise ConfigError("--preset applies to --end-to-end; add --end-to-end IMAGES_DIR or drop --preset")
        return None
    from edgepareto.bench.endtoend import MAX_IMAGES
    from edgepareto.data.preprocessing import list_images
    from edgepareto.data.presets import check_preset

    images = list_images(args.end_to_end)[:MAX_IMAGES]
    if not images:
        raise ConfigError(f"{args.end_to_end}: no image files (.jpg, .png, ...) in it; pass a folder of pictures")
    return {"images": [str(p.resolve()) for p in images], "preset": check_preset(args.preset) if args.preset else None}


def engine_for(path: Path, engine: str | None) -> str:
    from edgepareto.engines import engine_for as by_suffix

    return engine or by_suffix(path)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.bench import measure
    from edgepareto.errors import ConfigError, DeviceError, EngineError, ModelFileError

    if args.end_to_end is not None and (args.import_log or args.compare):
        raise ConfigError("--end-to-end measures one model file; drop --import / --compare or --end-to-end")
    if args.import_log:
        if args.compare:
            raise ConfigError("--compare measures model files; drop --import or --compare")
        from edgepareto.bench.importer import import_benchmark_model_file

        imported = import_benchmark_model_file(args.file)
        doc = imported.to_json()
        if args.store is not None:
            from edgepareto.sweep import record_imported

            doc["stored"] = record_imported(
                args.store, imported, args.file, model=args.model, device=args.device, force=args.force
            )
        elif args.model is not None:
            from edgepareto.sweep import check_imported

            if not args.model.is_file():
                raise ConfigError(f"--model {args.model}: not found; pass the model file the log ran")
            doc["mismatch"] = check_imported(imported, args.file, args.model, force=args.force)
        return doc
    protocol = protocol_from_args(args)
    engine = engine_for(args.file, args.engine)
    options: dict[str, Any] = {}
    if args.no_xnnpack and args.require_full_delegation:
        raise ConfigError("--require-full-delegation asks for XNNPACK, --no-xnnpack turns it off; drop one")
    if args.no_xnnpack:
        if engine != "litert":
            raise ConfigError("--no-xnnpack applies to --engine litert only")
        options["xnnpack"] = False
    if args.optimization:
        if engine != "onnxruntime":
            raise ConfigError("--optimization applies to --engine onnxruntime only")
        options["optimization"] = args.optimization
    if args.compare:
        return _compared(args, protocol, options)
    progress, done = _progress_bar(args, protocol)
    try:
        m = measure(
            args.file,
            engine=engine,
            threads=args.threads,
            cpus=args.cpus,
            cluster=args.cluster,
            protocol=protocol,
            progress=progress,
            require_full_delegation=args.require_full_delegation,
            end_to_end=_end_to_end_request(args),
            **options,
        )
    finally:
        done()
    _warn_partial(m, args)
    if not m.ok:
        errors = {"model": ModelFileError, "device": DeviceError, "config": ConfigError}
        raise errors.get(m.error_kind or "", EngineError)(m.error)
    doc = m.to_json()
    if args.store is not None:
        from edgepareto.sweep import record_bench

        doc["stored"] = record_bench(args.store, m, args.file, protocol_overrides(args))
    return doc


def _compared(args: argparse.Namespace, protocol: Any, options: dict[str, Any]) -> dict[str, Any]:
    """FILE and the --compare files measured interleaved; a file that fails is reported and the rest kept."""
    from edgepareto.bench import Interleave, measure_interleaved
    from edgepareto.bench.interleaved import ratios
    from edgepareto.errors import ConfigError

    if args.store is not None:
        raise ConfigError("--compare does not write a store; measure each file with bench --store to record it")
    ms = measure_interleaved(
        [args.file, *args.compare],
        engine=args.engine,
        threads=args.threads,
        cpus=args.cpus,
        cluster=args.cluster,
        protocol=protocol,
        interleave=Interleave(args.visits, args.per_visit),
        **options,
    )
    doc: dict[str, Any] = {"compared": [m.to_json() for m in ms], "ratios": ratios(ms)}
    failed = [m for m in ms if not m.ok]
    if failed:
        doc["exit_code"] = 1
        for m in failed:
            import sys

            print(f"edgepareto bench: error: {m.error}", file=sys.stderr)
    return doc


def _warn_partial(m: Any, args: argparse.Namespace) -> None:
    """JSON mode: the partial-delegation warning as one stderr line (human mode shows it with the figures)."""
    if not args.json or not m.ok:
        return
    import sys

    for w in m.warnings:
        if w.startswith("partly delegated"):
            print(f"edgepareto bench: warning: {w}", file=sys.stderr)


def _progress_bar(args: argparse.Namespace, protocol: Any) -> tuple[Any, Any]:
    """A Rich bar on stderr (human mode only); the callback runs in the child's stderr reader thread."""
    if args.json:
        return None, lambda: None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from edgepareto.cli._output import err_console

    state: dict[str, Any] = {}

    def progress(phase: str, n: int, of: int | None) -> None:
        if "bar" not in state:  # started on the first report: an early one-line error leaves stderr clean
            bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err_console(),
                transient=True,
            )
            total = protocol.process_bound if protocol.multi_process else protocol.runs or protocol.max_runs
            state["bar"], state["task"] = bar, bar.add_task("", total=total)
            bar.start()
        bar, task = state["bar"], state["task"]
        if phase == "processes":
            bar.update(task, description=f"processes ({protocol.name})", completed=n, total=of)
        elif phase == "warmup":
            bar.update(task, description=f"warm-up {n}/{of}", completed=0)
        else:
            bar.update(task, description=f"timing ({protocol.name})", completed=n)

    def done() -> None:
        if "bar" in state:
            state["bar"].stop()

    return progress, done


def _how(doc: dict[str, Any], imported: dict[str, Any]) -> str:
    """How it was measured, in words: what the record does not know (an imported log's threads, CPUs and
    outliers) is said to be unknown or left out, never printed as a Python value."""
    proto = doc.get("protocol") or {}
    threads = imported.get("threads", doc.get("threads"))
    known = isinstance(threads, int) and threads > 0
    parts = [
        f"{doc['runs']} runs ({doc.get('stopped_by') or proto.get('name') or 'unknown protocol'})",
        f"{threads} thread(s)" if known else "thread count unknown",
    ]
    cpus = doc.get("cpus")
    if cpus:
        pin = (doc.get("pinning") or {}).get("status")
        parts[-1] += f" on CPUs {','.join(str(c) for c in cpus) if isinstance(cpus, list) else cpus}"
        parts[-1] += f" [{pin}]" if pin else ""
    if proto.get("name"):
        parts.append(f"protocol {proto['name']}")
    if doc.get("outliers") is not None:
        parts.append(f"{doc['outliers']} outliers")
    return ", ".join(parts)


def render(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import table

    if "compared" in doc:
        return _render_compared(doc, console)
    lo, hi = doc.get("ci95_median_ms") or (None, None)
    rows = [
        ("median", doc.get("median_ms"), f"95% CI [{lo:.4g}, {hi:.4g}]" if lo is not None else ""),
        ("mean", doc.get("mean_ms"), f"std {doc['std_ms']:.3g}" if doc.get("std_ms") is not None else ""),
        ("p90 / p99", doc.get("p90_ms"), f"p99 {doc['p99_ms']:.4g}" if doc.get("p99_ms") is not None else ""),
        ("min / max", doc.get("min_ms"), f"max {doc['max_ms']:.4g}" if doc.get("max_ms") is not None else ""),
        ("FPS", doc.get("fps"), ""),
        ("first inference", doc.get("first_inference_ms"), "start-up: the first invoke() after loading"),
        ("load", doc.get("load_ms"), "start-up: open, delegate, allocate, set inputs"),
        *_end_to_end_row(doc.get("end_to_end")),
        (
            "peak RSS MB",
            (doc.get("peak_rss_bytes") or 0) / 1e6 or None,
            "benchmark_model's peak footprint" if doc.get("imported") else "child process (engine + model)",
        ),
    ]
    imported = doc.get("imported") or {}
    title = f"{Path(doc['model']).name} · {doc['engine_version'] or doc['engine']} · {doc['kernel_path']}"
    console.print(table(title, ["figure", "ms", ""], rows, right=(1,)))
    console.print(_how(doc, imported))
    _render_processes(doc, console)
    if line := energy_line((doc.get("telemetry") or {}).get("energy")):
        console.print(line)
    for w in doc.get("warnings") or []:
        console.print(f"[yellow]warning[/yellow]: {w}")
    if doc.get("stored"):
        s = doc["stored"]
        console.print(f"recorded in {s['store']} as {s['variant']} on {s['device']} ({s['new_records']} new records)")
    if isinstance(imported.get("op_profile"), list):
        top = sorted(imported["op_profile"], key=lambda o: -o["avg_ms"])[:5]
        console.print(
            "slowest operators: "
            + "; ".join(f"{o['node_type']} {o['name']} {o['avg_ms']:.3f} ms ({o['percent']:.1f}%)" for o in top)
        )


def _end_to_end_row(e2e: dict[str, Any] | None) -> list[tuple[str, Any, str]]:
    """``--end-to-end``: image file -> top-k beside the invoke-only figures, with its preset."""
    if not e2e:
        return []
    lo, hi = e2e.get("ci95_median_ms") or (None, None)
    ci = f"95% CI [{lo:.4g}, {hi:.4g}], " if lo is not None else ""
    what = f"decode + {e2e.get('preset')} + invoke + top-{e2e.get('top_k')}, {e2e.get('images')} images"
    return [("end-to-end", e2e.get("median_ms"), ci + what)]


def _render_processes(doc: dict[str, Any], console) -> None:
    """Per-process medians (the modes stay visible), the CI's level and how long it all took."""
    procs = doc.get("processes") or []
    if not procs:
        return
    meds = ", ".join(f"{p['median_ms']:.4g}{'*' if p.get('noisy') else ''}" for p in procs)
    tele = doc.get("telemetry") or {}
    level = tele.get("ci_level")
    console.print(
        f"{len(procs)} processes, medians (ms, * = CPU shared): {meds}; CI over the processes"
        + (f" ({level:.1%} exact)" if level else "")
        + (f", {tele['elapsed_s']:.1f} s in all" if tele.get("elapsed_s") else "")
    )


def _render_compared(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import table

    rows = []
    for m, r in zip(doc["compared"], doc["ratios"], strict=True):
        if m["status"] != "ok":
            rows.append((Path(m["model"]).name, None, "failed", "", ""))
            continue
        lo, hi = m["ci95_median_ms"]
        ci = f"[{r['ci95'][0]:.3f}, {r['ci95'][1]:.3f}]" if r["ratio"] is not None else ""
        rows.append((Path(m["model"]).name, m["median_ms"], f"[{lo:.4g}, {hi:.4g}]", r["ratio"], ci))
    first = next((m for m in doc["compared"] if m["status"] == "ok"), None)
    how = ""
    if first is not None:
        il = first["protocol"]["interleaved"]
        how = (
            f" · {len(first.get('processes') or [])} processes x {il['rounds']} visits x {il['per_visit']} runs, "
            f"taking turns"
        )
    title = f"interleaved in the same processes{how}"
    console.print(
        table(title, ["file", "median ms", "95% CI", "ratio to the first", "ratio 95% CI"], rows, right=(1, 3))
    )


def energy_line(energy: dict[str, Any] | None) -> str | None:
    """One line: energy per inference with its interval and sensor, or the device's reason it has none."""
    if not energy:
        return None
    if energy.get("status") != "measured":
        return f"energy: {energy.get('reason')}"
    lo, hi = energy["ci_mj"]
    every = energy.get("update_interval_s")
    rate = f" of {every * 1e3:.3g} ms" if every else ""
    return (
        f"energy: {energy['mj_per_inference']:.4g} mJ per inference, 95% CI [{lo:.4g}, {hi:.4g}] "
        f"({energy['inferences_per_j']:.4g} inferences/J; {energy['source']}, {energy['updates']:.0f} updates"
        f"{rate} in the window, idle {energy['idle_w']:.3g} W subtracted)"
    )

"""Run a sweep plan into the results store, then write the report and print where it is.

Without PLAN.toml the default plan runs (offline): (a) the seed's eight ImageNet variants at
224 built and converted here, size and latency measured on every cluster of this host (fast
protocol), ImageNet top-1 from the published table, beside the seed's two ODROID-XU4
clusters; (b) MobileNet v1 trained on Fashion-MNIST (cached after the first run) with
measured accuracy, size and latency for fp32 and int8.

What the store already holds is skipped (artifacts are cached by recipe: variant, seed,
calibration, converter version). Ctrl-C or a kill loses nothing that finished; run the same
command again to resume. Converter and engine logs go to ``sweep.log`` beside the store.

With ``--models`` (no plan) your own files are the study: every file the globs match gets its
size and anatomy, top-1/top-5 with Wilson intervals on ``--data-dir``, and its latency on every
cluster of this host (and ``--devices`` boards). ``--dry-run`` prints that plan as TOML to save and edit.

  edgepareto sweep --models 'models/*.tflite' --data-dir val/ --dry-run > plan.toml
  edgepareto sweep --models 'models/*.tflite' --data-dir flat/ --ground-truth gt.csv
"""

from __future__ import annotations

import argparse
import signal
from pathlib import Path
from typing import Any

from edgepareto.cli._options import PROTOCOL_PRESETS, add_protocol_argument, add_store_argument
from edgepareto.validation import arg_int

HELP = "run a plan (default: the seed study + the Fashion-MNIST study), resumably; write the report"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("plan", nargs="?", type=Path, help="plan TOML file (default: the built-in plan)")
    add_store_argument(p)
    p.add_argument("--artifacts", type=Path, help="artifact folder (default: 'artifacts' beside the store)")
    p.add_argument("--report", type=Path, help="report folder (default: 'report' beside the store)")
    p.add_argument("--no-report", action="store_true", help="do not write the report at the end")
    p.add_argument("--dry-run", action="store_true", help="list what would run, run nothing")
    p.add_argument("--no-live", action="store_true", help="no live progress view")
    p.add_argument(
        "--remeasure-noisy",
        action="store_true",
        help="measure again the latencies stored noisy (a rerun otherwise keeps them, marked, and measures nothing)",
    )
    p.add_argument(
        "--devices",
        help="measure latency on these boards of the inventory, in parallel (comma-separated; add 'host' to "
        "measure on this host too); see `edgepareto boards`",
    )
    p.add_argument("--inventory", type=Path, help="board inventory TOML (default: see `edgepareto boards --help`)")
    p.add_argument(
        "--accept-new-host-key", action="store_true", help="trust boards whose host key is not in known_hosts yet"
    )
    p.add_argument(
        "--retries", type=arg_int(0, 100), default=3, help="reconnect attempts for a board that drops off (default 3)"
    )
    p.add_argument(
        "--executor",
        choices=("local", "ray"),
        help="where conversion, training and evaluation run: this machine (local, the default) or a Ray cluster "
        "(needs pip install 'edgepareto[ray]'); latency is always measured on its device",
    )
    p.add_argument("--ray-address", help="HOST:PORT of the Ray head (default: the plan's ray_address, or a local Ray)")
    add_models_arguments(p)


def add_models_arguments(p: argparse.ArgumentParser) -> None:
    """The one-command study of given files (``kind = "models"`` built on the fly)."""
    from edgepareto.data.presets import PRESETS

    g = p.add_argument_group("your own model files (instead of a plan)")
    g.add_argument("--models", action="append", metavar="GLOB", help="model files, e.g. 'DIR/*.tflite' (repeatable)")
    g.add_argument("--dataset", default="imagenet", choices=("imagenet", "folder", "fashion-mnist"))
    g.add_argument("--data-dir", type=Path, help="labelled images: synset folders, a flat folder, or class folders")
    g.add_argument("--ground-truth", type=Path, help="labels of a flat ImageNet folder (devkit txt, file,synset CSV)")
    g.add_argument("--synset-order", type=Path, help="devkit synset order: 1000 wnids by ILSVRC2012_ID")
    g.add_argument("--labels", type=Path, help="class names, one per line (folder datasets: the output order)")
    g.add_argument("--limit", type=int, help="evaluate the first N images (with --balanced: round-robin over classes)")
    g.add_argument("--balanced", action="store_true", help="with --limit: spread the subset over classes")
    g.add_argument("--preprocessing", choices=PRESETS, help="preset for every file (default: sidecar, else tf-slim)")
    sweepable = tuple(n for n in PROTOCOL_PRESETS if n != "fast-single")  # sweep.plan.PROTOCOLS (a test holds it)
    add_protocol_argument(g, sweepable, help="latency protocol (default fast)")
    g.add_argument("--threads", default="1", help="engine threads, comma list (default 1)")
    g.add_argument("--max-latency-ms", type=float, help="the report's budget: latency bound (default: 30 FPS)")
    g.add_argument("--max-size-mb", type=float, help="the report's budget: file size bound in MB")
    g.add_argument("--min-top1", type=float, help="the report's budget: top-1 bound in percent")


def models_plan(args: argparse.Namespace) -> Any:
    """The plan ``--models`` stands for: one ``kind = "models"`` study, paths made absolute."""
    from edgepareto.errors import ConfigError
    from edgepareto.sweep import Plan, StudyPlan

    def absolute(p: Path | str | None) -> str | None:
        return None if p is None else str(Path(p).expanduser().absolute())

    try:
        threads = tuple(int(t) for t in str(args.threads).split(",") if t.strip())
    except ValueError:
        raise ConfigError(f"--threads takes a comma list of integers, got {args.threads!r}") from None
    options = {"preprocessing": args.preprocessing} if args.preprocessing else {}
    models = tuple(str(Path(m).expanduser().absolute()) for m in args.models)
    study = StudyPlan(
        "models",
        "models",
        models=models,
        dataset=args.dataset,
        data_dir=absolute(args.data_dir),
        ground_truth=absolute(args.ground_truth),
        synset_order=absolute(args.synset_order),
        labels=absolute(args.labels),
        limit=args.limit,
        balanced=args.balanced,
        protocol=args.protocol,
        threads=threads,
        options=options,
    )
    budget = {
        k: getattr(args, k) for k in ("max_latency_ms", "max_size_mb", "min_top1") if getattr(args, k) is not None
    }
    return Plan("models", (study,), "(sweep --models)", budget)


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # a kill finishes like Ctrl-C: the run is marked interrupted, results kept


def run(args: argparse.Namespace) -> dict[str, Any]:
    from dataclasses import asdict

    from edgepareto.sweep import load_plan, run_sweep

    if args.models and args.plan:
        from edgepareto.errors import ConfigError

        raise ConfigError('pass a plan file or --models, not both (add a kind = "models" study to the plan)')
    plan = models_plan(args) if args.models else load_plan(args.plan)
    boards, host = None, True
    if args.devices:
        from edgepareto.remote import parse_devices

        boards, host = parse_devices(args.devices, args.inventory)
    report_dir = None if args.no_report else (args.report or Path(args.store).parent / "report")
    if report_dir is not None:
        from edgepareto.validation import output_dir

        output_dir(report_dir, "--report", create=False)  # fail before the sweep, not after it
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        outcome = run_sweep(
            plan,
            args.store,
            artifacts_dir=args.artifacts,
            report_dir=report_dir,
            live=not args.no_live,
            dry_run=args.dry_run,
            boards=boards,
            host=host,
            accept_new_host_key=args.accept_new_host_key,
            retries=args.retries,
            executor=args.executor,
            ray_address=args.ray_address,
            remeasure_noisy=args.remeasure_noisy,
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
    doc = asdict(outcome)
    doc["plan_source"] = plan.source
    if boards is not None:
        doc["boards_left_out"] = _left_out(boards, outcome.devices)
    if outcome.failed or doc.get("boards_left_out"):
        doc["exit_code"] = 1  # some tasks failed (their error is in "failures"), or a board was left out
    doc["plan_toml"] = plan.to_toml()
    return doc


def _left_out(boards: list[Any], devices: list[str]) -> list[str]:
    """Boards with no device in the run (refused host key, unreachable): board devices are named "BOARD core"."""
    return [b.name for b in boards if not any(d.startswith(f"{b.name} ") for d in devices)]


def render(doc: dict[str, Any], console) -> None:
    if doc["status"] == "planned":  # as TOML: `--dry-run > plan.toml` saves a plan to edit
        console.print(doc["plan_toml"], markup=False, highlight=False, end="", soft_wrap=True)
        console.print(f"# {doc['tasks']} tasks, {doc['skipped']} already in {doc['store']}", markup=False)
        for f in doc["failures"]:
            console.print(f"# would run: {f['task']}", markup=False, highlight=False, soft_wrap=True)
        return
    console.print(
        f"sweep {doc['plan']} {doc['status']} in {doc['seconds']:.0f} s: {doc['done']} tasks run, "
        f"{doc['skipped']} skipped (already in the store), {doc['failed']} failed; "
        f"{doc['new_records']} new records in {doc['store']}"
    )
    for note in doc["notes"]:
        console.print(f"note: {note}")
    for f in doc["failures"]:
        console.print(f"[red]failed[/red]: {f['task']}: {f['error']}")
    if doc["failures"]:
        console.print(f"details in {doc['log']}; run the same command again to retry what failed")
    if doc.get("report"):
        console.print(f"report: [bold]{doc['report']['html']}[/bold]  (summary: {doc['report']['markdown']})")
    if doc.get("first_report"):
        console.print(f"(first written {doc['first_report']['at_s']:.0f} s after the start, before training)")

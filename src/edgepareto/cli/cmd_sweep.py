"""Run a sweep plan into the results store, then write the report and print where it is.

Without PLAN.toml the default plan runs (offline): (a) the seed's eight ImageNet variants at
224 built and converted here, size and latency measured on every cluster of this host (fast
protocol), ImageNet top-1 from the published table, beside the seed's two ODROID-XU4
clusters; (b) MobileNet v1 trained on Fashion-MNIST (cached after the first run) with
measured accuracy, size and latency for fp32 and int8.

What the store already holds is skipped (artifacts are cached by recipe: variant, seed,
calibration, converter version). Ctrl-C or a kill loses nothing that finished; run the same
command again to resume. Converter and engine logs go to ``sweep.log`` beside the store.
"""

from __future__ import annotations

import argparse
import signal
from pathlib import Path
from typing import Any

from edgepareto.cli._options import add_store_argument
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


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # a kill finishes like Ctrl-C: the run is marked interrupted, results kept


def run(args: argparse.Namespace) -> dict[str, Any]:
    from dataclasses import asdict

    from edgepareto.sweep import load_plan, run_sweep

    plan = load_plan(args.plan)
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
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
    doc = asdict(outcome)
    doc["plan_source"] = plan.source
    if boards is not None:
        doc["boards_left_out"] = _left_out(boards, outcome.devices)
    if outcome.failed or doc.get("boards_left_out"):
        doc["exit_code"] = 1  # some tasks failed (their error is in "failures"), or a board was left out
    return doc


def _left_out(boards: list[Any], devices: list[str]) -> list[str]:
    """Boards with no device in the run (refused host key, unreachable): board devices are named "BOARD core"."""
    return [b.name for b in boards if not any(d.startswith(f"{b.name} ") for d in devices)]


def render(doc: dict[str, Any], console) -> None:
    if doc["status"] == "planned":
        console.print(f"plan {doc['plan']}: {doc['tasks']} tasks, {doc['skipped']} already in {doc['store']}")
        for f in doc["failures"]:
            console.print(f"  would run: {f['task']}")
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

"""Write the report: a self-contained HTML page (plots embedded), a Markdown summary, PNG and SVG plots.

One study per dataset: the memory–accuracy plot, one latency–accuracy plot per device (and
engine), the Table II analogue with its speed-ups, the cross-device difference, the
recommendations, the seed paper's recomputed claims, and the protocol and provenance of
every number.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from edgepareto.cli._options import add_accept_noisy, add_store_argument, open_store

HELP = "write the HTML + Markdown report with its plots (PNG, SVG) from the results store"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_store_argument(p)
    p.add_argument("--out", type=Path, help="report folder (default: a 'report' folder beside the store)")
    p.add_argument(
        "--profile",
        type=Path,
        action="append",
        default=[],
        metavar="JSON",
        help="saved `edgepareto profile --json` output: adds where the time goes (repeatable)",
    )
    add_accept_noisy(p)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.report import load_profiles, write_report
    from edgepareto.validation import output_dir

    profiles = load_profiles(args.profile)
    with open_store(args) as store:  # first: a mistyped --store leaves no report folder behind
        out = output_dir(args.out if args.out is not None else Path(args.store).parent / "report")
        doc = write_report(store, out, profiles, accept_noisy=args.accept_noisy)
    return {
        "html": doc["html"],
        "markdown": doc["markdown"],
        "files": doc["files"],
        "studies": [
            {"dataset": s["dataset"], "devices": list(s["devices"]), "moves": s["moves"]} for s in doc["studies"]
        ],
        "report": doc,
    }


def render(doc: dict[str, Any], console) -> None:
    for s in doc["studies"]:
        console.print(f"{s['dataset']}: {len(s['devices'])} device views" + "".join(f"\n  {m}" for m in s["moves"]))
    console.print(f"{len(doc['files'])} files written; report: [bold]{doc['html']}[/bold] (summary {doc['markdown']})")

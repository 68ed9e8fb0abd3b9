"""The Pareto front of one device over any metrics, with each point's status under uncertainty.

Objectives are metric names, minimised unless they are accuracies or rates (top1, top5, fps,
gmacs_per_s); force the direction with ``+metric`` (maximise) or ``-metric`` (minimise).
Metrics: latency_ms, fps, gmacs_per_s, size_mb, size_bytes, peak_rss_bytes, top1, top5.
Without ``--device`` the front is hardware-independent: size and accuracy (the memory-accuracy front).
"""

from __future__ import annotations

import argparse
from typing import Any

from edgepareto.cli._options import add_store_argument, open_store

HELP = "Pareto front over any metrics (2 or more) for a device, with status under uncertainty"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_store_argument(p)
    p.add_argument("--device", help="device name or a unique part of it (default: none, size and accuracy only)")
    p.add_argument("--objectives", help="comma list of metrics (default latency_ms,top1; no --device: size_mb,top1)")
    p.add_argument("--dataset", help="dataset whose accuracy counts (default: the one measured for the variants)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.analysis import front

    with open_store(args) as store:
        return front(store, device=args.device, objectives=args.objectives, dataset=args.dataset)


def render(doc: dict[str, Any], console) -> None:
    from rich.markup import escape

    from edgepareto.cli._output import table

    metrics = [o["metric"] for o in doc["objectives"]]
    rows = []
    for p in doc["points"]:
        vals = []
        for m in metrics:
            e = p["metrics"][m]
            vals.append(f"{e['value']:.4g}" + (f" [{e['low']:.4g}, {e['high']:.4g}]" if e["high"] != e["low"] else ""))
        label = p["label"] + (" (stand-in)" if p.get("stand_in") else "")
        # Labels may end in "[sub/model.tflite]" (two files of one name): text, not console markup.
        rows.append([escape(label), p["engine"], *vals, p["status"], escape(", ".join(p["dominated_by"]))])
    title = f"{doc['device'] or 'all devices'}, accuracy on {doc['dataset']}"
    console.print(table(title, ["variant", "engine", *metrics, "status", "dominated by"], rows))
    stand_ins = sorted({p["stand_in"] for p in doc["points"] if p.get("stand_in")})
    for text in stand_ins:
        console.print(f"stand-in: {text}")

"""The Pareto front of one device over any metrics, with each point's status under uncertainty.

Objectives are metric names, minimised unless they are accuracies or rates (top1, top5, fps,
gmacs_per_s, inferences_per_j); force the direction with ``+metric`` (maximise) or ``-metric`` (minimise).
Metrics: latency_ms, fps, gmacs_per_s, size_mb, size_bytes, peak_rss_bytes, energy_mj, inferences_per_j (where
the device's power sensor measured energy), top1, top5.
Without ``--device`` the front is hardware-independent: size and accuracy (the memory-accuracy front).
"""

from __future__ import annotations

import argparse
from typing import Any

from edgepareto.cli._options import add_accept_noisy, add_store_argument, open_store

HELP = "Pareto front over any metrics (2 or more) for a device, with status under uncertainty"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_store_argument(p)
    p.add_argument("--device", help="device name or a unique part of it (default: none, size and accuracy only)")
    p.add_argument("--objectives", help="comma list of metrics (default latency_ms,top1; no --device: size_mb,top1)")
    p.add_argument("--dataset", help="dataset whose accuracy counts (default: the one measured for the variants)")
    add_accept_noisy(p)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.analysis import front

    with open_store(args) as store:
        return front(
            store, device=args.device, objectives=args.objectives, dataset=args.dataset, accept_noisy=args.accept_noisy
        )


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
        label = p["label"] + (" (stand-in)" if p.get("stand_in") else "") + (" (NOISY)" if p.get("noisy") else "")
        # Labels may end in "[sub/model.tflite]" (two files of one name): text, not console markup.
        rows.append([escape(label), p["engine"], *vals, p["status"], escape(", ".join(p["dominated_by"]))])
    console.print(table(_title(doc, metrics), ["variant", "engine", *metrics, "status", "dominated by"], rows))
    if not rows and doc["dataset"] is None:
        hint = "pass --objectives latency_ms,size_mb, or measure accuracy (a measured or models study)"
        console.print(f"no accuracy in the store for the variants measured on {doc['device']}; {hint}")
    stand_ins = sorted({p["stand_in"] for p in doc["points"] if p.get("stand_in")})
    for text in stand_ins:
        console.print(f"stand-in: {text}")
    if doc.get("accuracy_basis"):
        console.print(f"top-1 compared by {doc['accuracy_basis']}")
    for p in doc["points"]:
        for note in p.get("accuracy", []):
            if note["basis"] == "McNemar":
                console.print(f"  {p['label']} top-1 vs {note['vs']}: {note['says']}")
    if any(p.get("noisy") for p in doc["points"]):
        console.print("NOISY: a latency whose 95% CI reaches past ±25% of its median, shown because of --accept-noisy")


def _title(doc: dict[str, Any], metrics: list[str]) -> str:
    """Which device, and which data set's accuracy: none is said as none, never "accuracy on None"."""
    where = doc["device"] or "all devices"
    if not any(m in ("top1", "top5") for m in metrics):
        return where
    return f"{where}, accuracy on {doc['dataset']}" if doc["dataset"] else f"{where}, no accuracy measured"

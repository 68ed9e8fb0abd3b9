"""Recommend variants for a device under a budget, with the reason for each choice.

Reads the results store (the published ODROID-XU4 clusters are always there; host devices
appear after ``edgepareto sweep``). Among the variants that meet every bound, the Pareto-optimal
ones in (latency, size, top-1) are returned best top-1 first; each says why, and a bound met
by the measured value but not by its whole confidence interval comes with a warning.
"""

from __future__ import annotations

import argparse
from typing import Any

from edgepareto.cli._options import add_accept_noisy, add_store_argument, open_store
from edgepareto.validation import arg_finite, arg_int

HELP = "best variants for a device under latency/size/accuracy/energy bounds, with why"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_store_argument(p)
    p.add_argument(
        "--device",
        help="device name or a unique part of it, e.g. 'Cortex-A7' (default: the only device with a measured latency)",
    )
    p.add_argument("--max-latency-ms", type=arg_finite(0), help="latency bound in ms")
    p.add_argument("--max-size-mb", type=arg_finite(0), help="model file size bound in MB (10^6 bytes)")
    p.add_argument("--min-top1", type=arg_finite(0), help="top-1 accuracy bound in percent (e.g. 65)")
    p.add_argument(
        "--max-energy-mj",
        type=arg_finite(0),
        help="energy per inference bound in mJ (where the device's power sensor measured it)",
    )
    p.add_argument("--dataset", help="dataset whose accuracy counts (default: the one measured for this device)")
    p.add_argument("--engine", help="only this engine's latencies (default: all)")
    p.add_argument("--top", type=arg_int(1, 1000), default=3, help="how many recommendations (default 3)")
    add_accept_noisy(p)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.analysis import Budget, recommend_on

    budget = Budget(args.max_latency_ms, args.max_size_mb, args.min_top1, max_energy_mj=args.max_energy_mj)
    with open_store(args) as store:
        return recommend_on(
            store,
            args.device,
            budget,
            dataset=args.dataset,
            engine=args.engine,
            top=args.top,
            accept_noisy=args.accept_noisy,
        )


def _budget(b: dict[str, Any]) -> str:
    """The bounds in words (the Budget's unset bounds left out)."""
    words = [(b.get("max_latency_ms"), "latency ≤ {:g} ms"), (b.get("max_size_mb"), "size ≤ {:g} MB"),
             (b.get("min_top1"), "top-1 ≥ {:g}%")]  # fmt: skip
    return ", ".join(text.format(v) for v, text in words if v is not None) or "none (no bounds given)"


def render(doc: dict[str, Any], console) -> None:
    from rich.markup import escape

    from edgepareto.cli._output import table

    dataset = doc["dataset"] or "no data set (no top-1 for the variants timed here)"
    console.print(f"device {doc['device']}, accuracy on {dataset}; budget: {_budget(doc['budget'])}")
    rows = []
    for r in doc["recommendations"]:
        m = r["metrics"]
        rows.append(
            (
                r["rank"],
                escape(r["label"]),  # "[sub/model.tflite]" ends a label of two same-named files: not markup
                r["engine"],
                f"{m['latency_ms']['value']:.4g}",
                f"{m['size_mb']['value']:.3g}" if "size_mb" in m else None,
                f"{m['top1']['value']:.4g}",
                "; ".join(r["why"] + r["warnings"]),
            )
        )
    if rows:
        console.print(table("Recommendations", ["#", "variant", "engine", "ms", "MB", "top-1 %", "why"], rows))
        for r in doc["recommendations"]:
            if r.get("confirm"):
                console.print(f"#{r['rank']} rests on a PREDICTED latency; confirm it: {r['confirm']['command']}")
        if doc.get("accuracy_basis"):
            console.print(f"top-1 compared by {doc['accuracy_basis']}")
    else:
        console.print(f"[bold]{doc.get('message', 'nothing to recommend')}[/bold]")
        if doc.get("fill"):
            console.print(f"missing: {doc['missing']}; fill it with: {doc['fill']}")
        for r in doc.get("nearest", []):
            console.print(f"  {escape(r['label'])}: {'; '.join(r['why_not'])}")

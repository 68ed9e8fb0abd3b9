"""Recommend variants for a device under a budget, with the reason for each choice.

Reads the results store (the published ODROID-XU4 clusters are always there; host devices
appear after ``edgepareto sweep``). Among the variants that meet every bound, the Pareto-optimal
ones in (latency, size, top-1) are returned best top-1 first; each says why, and a bound met
by the measured value but not by its whole confidence interval comes with a warning.
"""

from __future__ import annotations

import argparse
from typing import Any

from edgepareto.cli.cmd_results import add_store_argument, open_store
from edgepareto.validation import arg_finite, arg_int

HELP = "best variants for a device under latency/size/accuracy bounds, with why"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_store_argument(p)
    p.add_argument("--device", required=True, help="device name or a unique part of it, e.g. 'Cortex-A7'")
    p.add_argument("--max-latency-ms", type=arg_finite(0), help="latency bound in ms")
    p.add_argument("--max-size-mb", type=arg_finite(0), help="model file size bound in MB (10^6 bytes)")
    p.add_argument("--min-top1", type=arg_finite(0), help="top-1 accuracy bound in percent (e.g. 65)")
    p.add_argument("--dataset", help="dataset whose accuracy counts (default: the one measured for this device)")
    p.add_argument("--engine", help="only this engine's latencies (default: all)")
    p.add_argument("--top", type=arg_int(1, 1000), default=3, help="how many recommendations (default 3)")


def resolve_device(name: str, known: list[str]) -> str:
    from edgepareto.errors import DeviceError

    if name in known:
        return name
    hits = [d for d in known if name.lower() in d.lower()]
    if len(hits) == 1:
        return hits[0]
    what = "matches several devices" if hits else "is not in the store"
    raise DeviceError(f"device {name!r} {what}; choose one of: {'; '.join(known)}")


def choose_dataset(records: list, device: str, dataset: str | None) -> tuple[str | None, list[str]]:
    """The dataset whose accuracy applies to the variants measured on ``device`` (ImageNet first)."""
    from edgepareto.errors import DatasetError

    on_device = {r.variant.name for r in records if r.device == device and r.metric == "latency_ms"}
    datasets = sorted({r.dataset for r in records if r.metric == "top1" and r.variant.name in on_device})
    if dataset is not None:
        if dataset not in datasets:
            raise DatasetError(
                f"no top-1 on dataset {dataset!r} for variants measured on {device}; "
                f"choose one of: {', '.join(datasets) or '(none: run edgepareto sweep)'}"
            )
        return dataset, datasets
    if not datasets:
        return None, datasets
    return ("imagenet-val" if "imagenet-val" in datasets else datasets[0]), datasets


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.analysis import Budget, collect_points, recommend

    budget = Budget(args.max_latency_ms, args.max_size_mb, args.min_top1)
    with open_store(args) as store:
        device = resolve_device(args.device, [d.name for d in store.devices()])
        records = store.measurements()
    dataset, datasets = choose_dataset(records, device, args.dataset)
    points = collect_points(records, device=device, dataset=dataset, require=("latency_ms", "top1"))
    if args.engine:
        points = [p for p in points if p.engine == args.engine]
    doc = {
        "device": device,
        "dataset": dataset,
        "datasets_available": datasets,
        **recommend(points, budget, top=args.top),
    }
    return doc


def render(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import table

    console.print(f"device {doc['device']}, accuracy on {doc['dataset']}; budget: {doc['budget']}")
    rows = []
    for r in doc["recommendations"]:
        m = r["metrics"]
        rows.append(
            (
                r["rank"],
                r["label"],
                r["engine"],
                f"{m['latency_ms']['value']:.4g}",
                f"{m['size_mb']['value']:.3g}" if "size_mb" in m else None,
                f"{m['top1']['value']:.4g}",
                "; ".join(r["why"] + r["warnings"]),
            )
        )
    if rows:
        console.print(table("Recommendations", ["#", "variant", "engine", "ms", "MB", "top-1 %", "why"], rows))
    else:
        console.print(f"[bold]{doc.get('message', 'nothing to recommend')}[/bold]")
        for r in doc.get("nearest", []):
            console.print(f"  {r['label']}: {'; '.join(r['why_not'])}")

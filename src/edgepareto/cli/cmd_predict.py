"""Predict the latency of a variant nobody measured, from the variants measured on the same device.

A latency model per (device, engine, precision, threads) is fitted on the store's measured
(or published) latencies with features from the analytic cost model (``edgepareto cost``):
by default ``latency = b1 * MACs + b2 * activation bytes + b3 * weight bytes``, non-negative least squares on
relative error. The interval is the largest leave-one-out error of the fit. The prediction
is written to the store with ``source = "predicted"`` (``--no-store`` to only print it), and
the answer always names its source; a measured value of the same variant is shown beside it.
"""

from __future__ import annotations

import argparse
from typing import Any

from edgepareto.cli._options import add_accept_noisy, add_store_argument, open_store
from edgepareto.validation import arg_int

HELP = "predict a variant's latency on a device from the variants measured there"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from edgepareto.predict import DEFAULT_FORM, FORMS

    add_store_argument(p)
    p.add_argument("--device", help="device name or a unique part of it, e.g. 'Cortex-A7' (default: the only "
                   "device with a measured latency)")  # fmt: skip
    p.add_argument("--family", default="mobilenet_v1", help="model family (default mobilenet_v1)")
    p.add_argument("--alpha", type=float, required=True, help="width multiplier in (0, 1]")
    p.add_argument("--resolution", type=int, default=224, help="input side, a multiple of 32 (default 224)")
    p.add_argument("--classes", type=int, default=1000, help="number of output classes (default 1000)")
    p.add_argument("--precision", default="fp32", help="fp32, fp16, int8-dynamic, int8 or uint8 (default fp32)")
    p.add_argument("--background", action="store_true",
                   help="one extra output before the classes, as Google's hosted 1001-output files have")  # fmt: skip
    p.add_argument("--engine", help="engine whose latencies to fit on (needed when several were measured)")
    p.add_argument(
        "--threads", type=arg_int(1, 1024), help="thread count to fit on (needed when several were measured)"
    )
    p.add_argument("--form", choices=sorted(FORMS), default=DEFAULT_FORM, help=f"model form (default {DEFAULT_FORM})")
    p.add_argument("--no-store", action="store_true", help="print the prediction without writing it to the store")
    add_accept_noisy(p)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.analysis.select import measured_device
    from edgepareto.models import ModelConfig, Precision, Variant
    from edgepareto.predict import ModelKey, fit_from_store, predict_into

    precision = Precision.parse(args.precision)
    config = ModelConfig(args.family, args.alpha, args.resolution, args.classes)
    variant = Variant.of(config, precision, background=args.background)
    from edgepareto.predict.records import AcceptingNoisy

    with open_store(args) as opened:
        store = AcceptingNoisy(opened) if args.accept_noisy else opened
        device = measured_device(store, args.device, "predict")
        model = fit_from_store(store, ModelKey(device, str(precision), args.engine, args.threads), args.form)
        pred = model.predict(variant) if args.no_store else predict_into(store, model, [variant])[0]
        measured = [
            {"source": r.source, "latency_ms": r.value, "engine": r.engine, "threads": r.threads}
            for r in store.measurements(metric="latency_ms", device=device)
            if r.variant == variant and r.source != "predicted"
        ]
    return {**pred.to_json(), "device": device, "stored": not args.no_store, "measured_or_published": measured}


def _how(d: dict[str, Any]) -> str:
    """Engine and threads in words; what a record does not know (an imported log's threads) is said so."""
    threads = f"{d['threads']} thread(s)" if d.get("threads") else "thread count unknown"
    return f"{d.get('engine') or 'engine unknown'}, {threads}"


def render(doc: dict[str, Any], console) -> None:
    m = doc["model"]
    interval = doc["interval_ms"]
    span = f" [{interval[0]:.4g}, {interval[1]:.4g}] ms" if interval else f" (no interval: {m['interval_note']})"
    console.print(f"{doc['variant']} on {doc['device']}: [bold]{doc['latency_ms']:.4g} ms PREDICTED[/bold]{span}")
    fitted = ", ".join(f"{p['variant']} {p['latency_ms']:.4g} ms" for p in m["fit_on"])
    console.print(f"model {m['version']} ({m['form']}, {_how(m)}) fitted on: {fitted}")
    for r in doc["measured_or_published"]:
        console.print(f"{r['source']}: {r['latency_ms']:.4g} ms ({_how(r)})")
    if doc["extrapolated"]:
        console.print("[yellow]outside the alphas/resolutions it was fitted on: an extrapolation[/yellow]")
    if doc["stored"]:
        console.print("written to the store with source = predicted")

"""Predict the latency of a variant nobody measured, from the variants measured on the same device.

``predict --alpha A [--family F]`` prices a variant of a registered family with its cost model; ``predict FILE``
reads the layers of any .tflite/.onnx file's graph (``edgepareto cost FILE``), so a file of a family this tool
does not know is predicted from the variants measured there, whatever their families (an extrapolation, said so).

A latency model per (device, engine, precision, threads) is fitted on the store's measured
(or published) latencies with features from the analytic cost model (``edgepareto cost``):
by default ``latency = b1 * MACs + b2 * activation bytes + b3 * weight bytes``, non-negative least squares on
relative error. The interval is the largest leave-one-out error of the fit. The prediction
is written to the store with ``source = "predicted"`` (``--no-store`` to only print it), and
the answer always names its source; a measured value of the same variant is shown beside it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from edgepareto.cli._options import add_accept_noisy, add_store_argument, open_store
from edgepareto.validation import arg_int

HELP = "predict a variant's latency on a device from the variants measured there"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from edgepareto.predict import DEFAULT_FORM, FORMS

    p.add_argument("file", nargs="?", type=Path, help="a .tflite/.onnx file of any family (instead of --alpha)")
    add_store_argument(p)
    p.add_argument(
        "--device",
        help="device name or a unique part of it, e.g. 'Cortex-A7' (default: the only device with a measured latency)",
    )
    p.add_argument("--family", default="mobilenet_v1", help="model family (default mobilenet_v1)")
    p.add_argument("--alpha", type=float, help="width multiplier (v1: (0, 1]; v2/v3: up to 1.4), or give a FILE")
    p.add_argument("--resolution", type=int, default=224, help="input side, a multiple of 32 (default 224)")
    p.add_argument("--classes", type=int, default=1000, help="number of output classes (default 1000)")
    p.add_argument("--precision", help="fp32, fp16, int8-dynamic, int8 or uint8 (default: the file's, else fp32)")
    p.add_argument(
        "--background",
        action="store_true",
        help="one extra output before the classes, as Google's hosted 1001-output files have",
    )
    p.add_argument("--engine", help="engine whose latencies to fit on (needed when several were measured)")
    p.add_argument(
        "--threads", type=arg_int(1, 1024), help="thread count to fit on (needed when several were measured)"
    )
    p.add_argument("--form", choices=sorted(FORMS), default=DEFAULT_FORM, help=f"model form (default {DEFAULT_FORM})")
    p.add_argument("--no-store", action="store_true", help="print the prediction without writing it to the store")
    add_accept_noisy(p)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.analysis.select import measured_device
    from edgepareto.predict import ModelKey, fit_from_store, prediction_record
    from edgepareto.predict.records import AcceptingNoisy

    variant, report = _variant(args)
    with open_store(args) as opened:
        store = AcceptingNoisy(opened) if args.accept_noisy else opened
        device = measured_device(store, args.device, "predict")
        model = fit_from_store(store, ModelKey(device, str(variant.precision), args.engine, args.threads), args.form)
        pred = model.predict(variant, report)
        if not args.no_store:
            store.add_many([prediction_record(pred)])
        measured = [
            {"source": r.source, "latency_ms": r.value, "engine": r.engine, "threads": r.threads}
            for r in store.measurements(metric="latency_ms", device=device)
            if r.variant == variant and r.source != "predicted"
        ]
    features = f"graph of {args.file}" if args.file else f"{variant.family}'s cost model"
    return {**pred.to_json(), "device": device, "stored": not args.no_store, "measured_or_published": measured,
            "features_from": features}  # fmt: skip


def _variant(args: argparse.Namespace) -> tuple[Any, Any]:
    """The variant asked about and, for a FILE, its layers read from its graph (any family); else (variant, None)."""
    from edgepareto.errors import ConfigError, ModelFileError
    from edgepareto.models import ModelConfig, Precision, Variant

    if args.file is None:
        if args.alpha is None:
            raise ConfigError("predict needs a model: a FILE (.tflite/.onnx) or --alpha (with --family, --resolution)")
        config = ModelConfig(args.family, args.alpha, args.resolution, args.classes)
        return Variant.of(config, Precision.parse(args.precision or "fp32"), background=args.background), None
    if args.alpha is not None:
        raise ConfigError("give a FILE or --alpha, not both: a file's variant is read from the file")
    from dataclasses import replace

    from edgepareto.artifacts import check_model_file, graph_cost
    from edgepareto.sweep.given import variant_of_file

    check_model_file(args.file)
    variant = variant_of_file(args.file)
    if args.precision:
        variant = replace(variant, precision=Precision.parse(args.precision))
    try:
        report = graph_cost(args.file).cost_report()
    except ValueError as exc:
        raise ModelFileError(f"{args.file}: {exc}; predict prices convolution and FC layers only") from None
    return variant, report


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
    console.print(f"features from the {doc['features_from']}")
    for r in doc["measured_or_published"]:
        console.print(f"{r['source']}: {r['latency_ms']:.4g} ms ({_how(r)})")
    if doc["extrapolated"]:
        console.print("[yellow]outside the alphas/resolutions or families it was fitted on: extrapolated[/yellow]")
    if doc["stored"]:
        console.print("written to the store with source = predicted")

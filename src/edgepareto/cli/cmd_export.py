"""Build a model and convert it to one .tflite (and, with --format onnx, one .onnx) per precision.

``int8`` is full-integer post-training quantization (int8 symmetric per-channel weights,
int8 asymmetric per-tensor activations, int8 I/O), calibrated on ``--calibration-dir``
images or, when none is given, on a logged synthetic fallback.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from edgepareto.cli.cmd_cost import add_model_arguments, model_config

HELP = "convert a model to .tflite (fp32, fp16, int8-dynamic, int8) or .onnx (fp32, int8) artifacts"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    p.add_argument(
        "--precision", default="fp32,int8", help="comma list of fp32,fp16,int8-dynamic,int8 (default fp32,int8)"
    )
    p.add_argument(
        "--format", default="tflite", help="comma list of tflite,onnx (default tflite; onnx takes fp32,int8)"
    )
    p.add_argument("--out", type=Path, default=Path("artifacts"), help="output folder (default ./artifacts)")
    p.add_argument("--weights", type=Path, help="Keras .h5/.keras weights to load (default: random weights)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random weights (default 0)")
    p.add_argument("--calibration-dir", type=Path, help="folder of real images for int8 calibration")
    p.add_argument("--calibration-samples", type=int, default=100, help="calibration images (default 100)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.convert import export_variant
    from edgepareto.convert.calibration import check_calibration_samples
    from edgepareto.convert.tflite import parse_precisions

    config = model_config(args)
    precisions = parse_precisions(args.precision)  # fail before building anything
    check_calibration_samples(args.calibration_samples)  # as a plan does: 0 would write a float "int8"
    formats = _formats(args.format)
    opts = {"calibration_dir": args.calibration_dir, "calibration_samples": args.calibration_samples}
    arts = []
    model = None
    if "onnx" in formats:
        from edgepareto.convert.onnx import export_onnx, parse_onnx_precisions
        from edgepareto.models import build_model

        parse_onnx_precisions(precisions)
        model = build_model(config, seed=args.seed, weights=args.weights)
    if "tflite" in formats:
        arts += export_variant(config, precisions, args.out, model=model, weights=args.weights, seed=args.seed, **opts)
    if "onnx" in formats:
        arts += export_onnx(config, precisions, args.out, model=model, **opts)
    doc = {"model": config.name, "artifacts": [a.to_json() for a in arts]}
    for a in doc["artifacts"]:
        fp32 = next((b for b in arts if b.precision == "fp32" and b.format == a["format"]), None)
        if fp32 is not None:
            a["ratio_to_fp32"] = fp32.bytes / a["bytes"]
    return doc


def _formats(text: str) -> tuple[str, ...]:
    from edgepareto.errors import ConfigError

    out = tuple(dict.fromkeys(f.strip() for f in text.split(",") if f.strip()))
    bad = [f for f in out if f not in ("tflite", "onnx")]
    if bad or not out:
        raise ConfigError(f"--format takes a comma list of tflite,onnx, got {text!r}")
    return out


def render(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import table

    rows = [(a["path"], a["precision"], a["bytes"], a.get("ratio_to_fp32"), a["scheme"]) for a in doc["artifacts"]]
    console.print(table(doc["model"], ["file", "precision", "bytes", "fp32/this", "scheme"], rows, right=(2, 3)))

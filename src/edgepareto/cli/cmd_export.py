"""Build a model and convert it to one .tflite per precision.

``int8`` is full-integer post-training quantization (int8 symmetric per-channel weights,
int8 asymmetric per-tensor activations, int8 I/O), calibrated on ``--calibration-dir``
images or, when none is given, on a logged synthetic fallback.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from edgepareto.cli.cmd_cost import add_model_arguments, model_config

HELP = "convert a model to .tflite artifacts (fp32, fp16, int8-dynamic, int8)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)
    p.add_argument(
        "--precision", default="fp32,int8", help="comma list of fp32,fp16,int8-dynamic,int8 (default fp32,int8)"
    )
    p.add_argument("--out", type=Path, default=Path("artifacts"), help="output folder (default ./artifacts)")
    p.add_argument("--weights", type=Path, help="Keras .h5/.keras weights to load (default: random weights)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random weights (default 0)")
    p.add_argument("--calibration-dir", type=Path, help="folder of real images for int8 calibration")
    p.add_argument("--calibration-samples", type=int, default=100, help="calibration images (default 100)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.convert import export_variant
    from edgepareto.convert.tflite import parse_precisions

    config = model_config(args)
    precisions = parse_precisions(args.precision)  # fail before building anything
    arts = export_variant(
        config,
        precisions,
        args.out,
        weights=args.weights,
        seed=args.seed,
        calibration_dir=args.calibration_dir,
        calibration_samples=args.calibration_samples,
    )
    doc = {"model": config.name, "artifacts": [a.to_json() for a in arts]}
    fp32 = next((a for a in arts if a.precision == "fp32"), None)
    if fp32 is not None:
        for a in doc["artifacts"]:
            a["ratio_to_fp32"] = fp32.bytes / a["bytes"]
    return doc


def render(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import table

    rows = [(a["path"], a["precision"], a["bytes"], a.get("ratio_to_fp32"), a["scheme"]) for a in doc["artifacts"]]
    console.print(table(doc["model"], ["file", "precision", "bytes", "fp32/this", "scheme"], rows, right=(2, 3)))

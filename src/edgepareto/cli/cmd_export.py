"""Build a model and convert it to one .tflite (and, with --format onnx, one .onnx) per precision.

``int8`` is full-integer post-training quantization (int8 symmetric per-channel weights,
int8 asymmetric per-tensor activations, int8 I/O), calibrated on ``--calibration-dir``
images or, when none is given, on a logged synthetic fallback. Each artifact gets a sidecar
``FILE.preprocessing.json`` naming its preprocessing preset (``--preprocessing``, default ``tf-slim``),
which ``edgepareto eval`` then uses.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from edgepareto.artifacts import CALIBRATION_SAMPLES
from edgepareto.cli._options import add_model_arguments, model_config
from edgepareto.data.presets import DEFAULT_PRESET, PRESETS, name_preset_beside
from edgepareto.validation import arg_int, arg_seed, output_dir

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
    p.add_argument("--seed", type=arg_seed, default=0, help="seed of the random weights, 0..2^32-1 (default 0)")
    p.add_argument("--calibration-dir", type=Path, help="folder of real images for int8 calibration")
    p.add_argument(
        "--calibration-samples",
        type=arg_int(1, 10000),
        default=CALIBRATION_SAMPLES,
        help=f"calibration images, 1..10000 (default {CALIBRATION_SAMPLES})",
    )
    p.add_argument(
        "--preprocessing",
        choices=PRESETS,
        default=DEFAULT_PRESET,
        help=f"preset named in each artifact's FILE.preprocessing.json, used by eval (default {DEFAULT_PRESET})",
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.convert import export, exporter_for
    from edgepareto.convert.calibration import check_calibration_samples

    config = model_config(args)
    check_calibration_samples(args.calibration_samples)  # as a plan does: 0 would write a float "int8"
    formats = _formats(args.format)
    output_dir(args.out)
    for f in formats:  # fail before building anything
        exporter_for(f).check(args.precision.split(","))
    arts = export(
        config,
        args.precision.split(","),
        args.out,
        formats=formats,
        weights=args.weights,
        seed=args.seed,
        calibration_dir=args.calibration_dir,
        calibration_samples=args.calibration_samples,
    )
    doc = {"model": config.name, "preprocessing": args.preprocessing, "artifacts": [a.to_json() for a in arts]}
    for a in doc["artifacts"]:
        name_preset_beside(a["path"], args.preprocessing)
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

"""Build, convert and inspect the seed's eight variants (alpha 0.25-1.0 at 224, fp32 and int8).

Prints the measured file sizes beside the analytic cost model and the published sizes of
Google's hosted models, and the int8/fp32 size ratio with the weight share that explains it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from edgepareto.artifacts import CALIBRATION_SAMPLES
from edgepareto.validation import arg_int

HELP = "the seed's eight variants: build, convert, inspect; size table beside the cost model"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=Path("artifacts/seed"), help="artifact folder (default artifacts/seed)")
    p.add_argument("--alphas", default="0.25,0.5,0.75,1.0", help="comma list of alphas (default the seed's four)")
    p.add_argument("--precision", default="fp32,int8", help="precisions (default fp32,int8)")
    p.add_argument("--calibration-dir", type=Path, help="folder of real images for int8 calibration")
    p.add_argument(
        "--calibration-samples",
        type=arg_int(1, 10000),
        default=CALIBRATION_SAMPLES,
        help=f"calibration images (default {CALIBRATION_SAMPLES})",
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.cli._output import err_console
    from edgepareto.cli.cmd_train import parse_alphas
    from edgepareto.convert.size_table import size_table
    from edgepareto.validation import output_dir

    alphas = list(parse_alphas(args.alphas))
    output_dir(args.out)
    with err_console().status("converting") as status:
        rows = size_table(
            alphas,
            args.precision.split(","),
            args.out,
            calibration_dir=args.calibration_dir,
            calibration_samples=args.calibration_samples,
            progress=status.update,
        )
    return {"out": str(args.out), "rows": rows}


def render(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import table

    rows = [
        (
            r["variant"],
            r["precision"],
            r["bytes"],
            r["published_mb"],
            None if r["vs_published"] is None else f"{100 * r['vs_published']:+.2f}%",
            r["ratio_fp32_to_this"],
            f"{100 * r['weight_bytes'] / r['bytes']:.1f}%",
            r["int32_weight_bytes"],
            r["quantization_param_bytes"],
            f"{r['macs'] / 1e6:.1f} M",
            f"{r['params'] / 1e6:.3f} M",
        )
        for r in doc["rows"]
    ]
    console.print(
        table(
            "seed variants: measured file sizes beside the cost model",
            [
                "variant",
                "precision",
                "bytes",
                "published MB",
                "vs published",
                "fp32/this",
                "weights share",
                "int32 buffers",
                "quant params",
                "mult-adds",
                "params",
            ],
            rows,
            right=tuple(range(2, 11)),
        )
    )
    console.print(
        "int8 is less than 4x smaller than fp32: int32 biases, per-channel scales and zero points "
        "(12 bytes a channel) and the graph do not shrink with precision (see README)."
    )
    console.print(f"artifacts in {doc['out']}")

"""Build, convert and inspect the seed's eight variants (alpha 0.25-1.0 at 224, fp32 and int8).

Prints the measured file sizes beside the analytic cost model and the published sizes of
Google's hosted models, and the int8/fp32 size ratio with the weight share that explains it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

HELP = "the seed's eight variants: build, convert, inspect; size table beside the cost model"

# Google's hosted MobileNet v1 models at 224 (MB): DESIGN.md reference figures.
PUBLISHED_MB = {
    (1.0, "fp32"): 16.9, (0.75, "fp32"): 10.3, (0.5, "fp32"): 5.3, (0.25, "fp32"): 1.9,
    (1.0, "int8"): 4.3, (0.75, "int8"): 2.6, (0.5, "int8"): 1.4, (0.25, "int8"): 0.5,
}  # fmt: skip


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=Path("artifacts/seed"), help="artifact folder (default artifacts/seed)")
    p.add_argument("--alphas", default="0.25,0.5,0.75,1.0", help="comma list of alphas (default the seed's four)")
    p.add_argument("--precision", default="fp32,int8", help="precisions (default fp32,int8)")
    p.add_argument("--calibration-dir", type=Path, help="folder of real images for int8 calibration")
    p.add_argument("--calibration-samples", type=int, default=32, help="calibration images (default 32)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.artifacts import inspect_tflite
    from edgepareto.cli._output import err_console
    from edgepareto.convert import export_variant
    from edgepareto.convert.tflite import parse_precisions
    from edgepareto.models import ModelConfig, cost_of

    precisions = parse_precisions(args.precision)
    alphas = [float(a) for a in args.alphas.split(",") if a.strip()]
    configs = [ModelConfig("mobilenet_v1", a, 224) for a in alphas]
    rows = []
    with err_console().status("converting") as status:
        for config in configs:
            status.update(f"building and converting {config.name} ({', '.join(precisions)})")
            arts = export_variant(
                config,
                precisions,
                args.out,
                calibration_dir=args.calibration_dir,
                calibration_samples=args.calibration_samples,
            )
            cost = cost_of(config)
            fp32_bytes = next((a.bytes for a in arts if a.precision == "fp32"), None)
            for art in arts:
                anatomy = inspect_tflite(art.path)
                published = PUBLISHED_MB.get((config.alpha, art.precision))
                rows.append(
                    {
                        "variant": config.name,
                        "alpha": config.alpha,
                        "precision": art.precision,
                        "path": art.path,
                        "bytes": art.bytes,
                        "weight_bytes": anatomy.weight_bytes,
                        "other_bytes": art.bytes - anatomy.weight_bytes,
                        "published_mb": published,
                        "vs_published": None if published is None else art.bytes / (published * 1e6) - 1,
                        "ratio_fp32_to_this": None if fp32_bytes is None else fp32_bytes / art.bytes,
                        "macs": cost.macs,
                        "params": cost.params,
                        "params_folded": cost.params_folded,
                        "bytes_per_folded_param": art.bytes / cost.params_folded,
                        "scheme": art.scheme,
                        "sha256": art.sha256,
                    }
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
            f"{r['macs'] / 1e6:.1f} M",
            f"{r['params_folded'] / 1e6:.3f} M",
            f"{r['bytes_per_folded_param']:.3f}",
        )
        for r in doc["rows"]
    ]
    console.print(
        table(
            "seed variants: measured file sizes beside the cost model",
            ["variant", "precision", "bytes", "published MB", "vs published", "fp32/this", "weights share",
             "mult-adds", "folded params", "bytes/param"],
            rows,
            right=tuple(range(2, 10)),
        )
    )  # fmt: skip
    console.print(f"artifacts in {doc['out']}")

"""Analytic cost of a model (the seed's formulas 1-5): multiply-adds and parameters per layer.

Parameters are counted as the published tables count them (weights, BatchNorm scale and
offset, FC bias); the JSON also gives Keras's count and the folded (deployed) count, each
related exactly to ``params`` by the number of BatchNorm channels.
"""

from __future__ import annotations

import argparse
from typing import Any

HELP = "multiply-adds and parameters per layer from the analytic cost model"


def add_model_arguments(p: argparse.ArgumentParser) -> None:
    """Family/alpha/resolution/classes flags shared by every command that builds a model."""
    p.add_argument("family", help="model family, e.g. mobilenet_v1 (see `edgepareto models`)")
    p.add_argument("--alpha", type=float, default=1.0, help="width multiplier in [0.03125, 1] (default 1.0)")
    p.add_argument("--resolution", type=int, default=224, help="input side, a multiple of 32 up to 1024 (default 224)")
    p.add_argument("--classes", type=int, default=1000, help="number of output classes (default 1000)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p)


def model_config(args: argparse.Namespace):
    from edgepareto.models import ModelConfig, get_family

    get_family(args.family)  # a clear error for an unknown family
    return ModelConfig(args.family, args.alpha, args.resolution, args.classes)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.models import cost_of

    return cost_of(model_config(args)).to_json()


def render(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import millions, table

    rows = []
    for r in doc["layers"]:
        ratio = f"{r['reduction_ratio']:.4f} ({r['reduction_formula']:.4f})" if "reduction_ratio" in r else ""
        shape = f"{r['kernel']}x{r['kernel']} {r['in_channels']}->{r['out_channels']} @{r['out_side']}²"
        rows.append((r["name"], r["kind"], shape, r["stride"], r["macs"], r["params"], ratio))
    console.print(
        table(
            f"{doc['model']}: per-layer cost",
            ["layer", "kind", "kernel M->N @D_F²", "stride", "mult-adds", "params", "sigma (1/N+1/D_K²)"],
            rows,
            right=(3, 4, 5),
        )
    )
    console.print(
        f"total: {millions(doc['macs'])} multiply-adds, {millions(doc['params'])} parameters "
        f"(Keras count {doc['keras_params']:,} = params + 2×{doc['batchnorm_channels']:,} BN statistics; "
        f"folded {doc['params_folded']:,})"
    )

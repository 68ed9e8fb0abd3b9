"""Cost of a model: the analytic model of a family (the seed's formulas 1-5), or any file's graph read.

``cost mobilenet_v1 --alpha A --resolution R`` prices the family's hand-written layer list;
parameters are counted as the published tables count them (weights, BatchNorm scale and
offset, FC bias), and the JSON also gives Keras's count and the folded (deployed) count, each
related exactly to ``params`` by the number of BatchNorm channels.
``cost FILE.tflite|FILE.onnx`` reads every operator of the file's graph (never runs it): the
multiply-adds of its convolutions and FC layers, its folded parameters, the other operators'
arithmetic and the activation bytes; where the file's name says which variant it is, the
analytic model's totals stand beside it as the check.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from edgepareto.cli._options import add_model_arguments, model_config

HELP = "multiply-adds and parameters per layer: a family's analytic model, or any .tflite/.onnx file's graph"
FILE_SUFFIXES = (".tflite", ".onnx")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_model_arguments(p, "model family (e.g. mobilenet_v1; see `edgepareto models`) or a .tflite/.onnx file")


def _is_file(arg: str) -> bool:
    """A model file, not a family: a registered family's name wins over a file of that name."""
    from edgepareto.models import list_families

    if arg in list_families():
        return False
    return arg.lower().endswith(FILE_SUFFIXES) or "/" in arg or Path(arg).is_file()


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.models import cost_of

    if _is_file(args.family):
        return _file_cost(Path(args.family))
    return cost_of(model_config(args)).to_json()


def _file_cost(path: Path) -> dict[str, Any]:
    """The graph's cost, with the analytic model's totals where the name is a buildable variant."""
    from edgepareto.artifacts import graph_cost
    from edgepareto.errors import ConfigError
    from edgepareto.models import ModelConfig, Variant, cost_of, list_families

    doc = graph_cost(path).to_json()
    doc["file"] = str(path)
    try:
        v = Variant.parse(path.name, precision="fp32", resolution=1)
        if v.family in list_families() and v.alpha is not None:
            report = cost_of(ModelConfig(v.family, v.alpha, v.resolution, v.outputs))
            doc["analytic"] = {"model": report.model, "macs": report.macs, "params_folded": report.params_folded}
    except ConfigError:
        pass  # a name this tool cannot read, or a variant it cannot build: the graph alone
    return doc


def render(doc: dict[str, Any], console) -> None:
    if "ops" in doc:
        _render_file(doc, console)
        return
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


def _render_file(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import millions, table

    rows = [
        (
            op["index"],
            op["op_type"],
            op["kind"],
            "x".join(map(str, op["out_shape"])),
            op["macs"],
            op["params"],
            op["other_ops"],
            op["activation_bytes"],
        )
        for op in doc["ops"]
    ]
    columns = ["#", "operator", "kind", "output", "mult-adds", "params", "other ops", "activation bytes"]
    console.print(
        table(f"{doc['model']} ({doc['source']} graph): per-operator cost", columns, rows, right=(0, 4, 5, 6, 7))
    )
    console.print(
        f"total: {millions(doc['macs'])} multiply-adds, {millions(doc['params'])} parameters (folded), "
        f"{doc['other_ops']:,} other operations, {doc['activation_bytes']:,} activation bytes"
    )
    if "analytic" in doc:
        a = doc["analytic"]
        console.print(
            f"analytic model {a['model']}: {millions(a['macs'])} multiply-adds, {a['params_folded']:,} parameters "
            f"folded (file: {doc['macs']:,} / {doc['params']:,})"
        )

"""The cost of any model file, read from its graph: ``.tflite`` flatbuffers and ``.onnx`` protobufs."""

from __future__ import annotations

from pathlib import Path

from edgepareto.artifacts.graph_onnx import onnx_graph_cost
from edgepareto.artifacts.graph_tflite import tflite_graph_cost
from edgepareto.errors import ModelFileError
from edgepareto.models.graph import GraphCost


def graph_cost(path: str | Path) -> GraphCost:
    """Per-operator multiply-adds, parameters and activation bytes of a ``.tflite`` or ``.onnx`` file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".tflite":
        return tflite_graph_cost(path)
    if suffix == ".onnx":
        return onnx_graph_cost(path)
    raise ModelFileError(f"{path}: cannot read the graph of a {suffix or 'suffix-less'} file; pass a .tflite or .onnx")

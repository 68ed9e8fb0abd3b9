"""Artifacts: the one Artifact type, the exporter registry, the content-addressed folder and home cache,
the anatomy of a .tflite file and the cost of a .tflite or .onnx graph, read without executing them."""

from __future__ import annotations

from edgepareto.artifacts.anatomy import Anatomy, TensorInfo, inspect_tflite
from edgepareto.artifacts.artifact import FORMATS, Artifact, format_of
from edgepareto.artifacts.exporters import CALIBRATION_SAMPLES, Exporter, export, exporter_for, register_exporter
from edgepareto.artifacts.files import copy_atomic, home, sha256_file, write_atomic
from edgepareto.artifacts.folder import ArtifactFolder, HomeCache
from edgepareto.artifacts.graph_cost import graph_cost
from edgepareto.artifacts.sanity import MAX_MODEL_BYTES, check_model_file

__all__ = [
    "CALIBRATION_SAMPLES",
    "FORMATS",
    "MAX_MODEL_BYTES",
    "Anatomy",
    "Artifact",
    "ArtifactFolder",
    "Exporter",
    "HomeCache",
    "TensorInfo",
    "check_model_file",
    "copy_atomic",
    "export",
    "exporter_for",
    "format_of",
    "graph_cost",
    "home",
    "inspect_tflite",
    "register_exporter",
    "sha256_file",
    "write_atomic",
]

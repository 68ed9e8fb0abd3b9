"""Artifacts: the one Artifact type, the content-addressed folder and home cache,
the anatomy of a .tflite file and the cost of a .tflite or .onnx graph, read without executing them."""

from __future__ import annotations

from edgepareto.artifacts.anatomy import Anatomy, TensorInfo, inspect_tflite
from edgepareto.artifacts.artifact import CALIBRATION_SAMPLES, FORMATS, Artifact, format_of
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
    "HomeCache",
    "TensorInfo",
    "check_model_file",
    "copy_atomic",
    "format_of",
    "graph_cost",
    "home",
    "inspect_tflite",
    "sha256_file",
    "write_atomic",
]

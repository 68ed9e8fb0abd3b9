"""Conversion of Keras models into deployable, content-hashed artifacts (TFLite; ONNX later)."""

from __future__ import annotations

from edgepareto.convert.tflite import SCHEMES, Artifact, convert_keras, export_variant

__all__ = ["SCHEMES", "Artifact", "convert_keras", "export_variant"]

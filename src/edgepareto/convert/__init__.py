"""Keras models into deployable, content-hashed artifacts: one exporter per format (tflite, onnx).

Each module here registers its exporter with :mod:`edgepareto.artifacts`; use
``edgepareto.artifacts.export`` to write several formats from one Keras build.
"""

from __future__ import annotations

from edgepareto.convert.tflite import SCHEMES, convert_keras, export_variant

__all__ = ["SCHEMES", "convert_keras", "export_variant"]

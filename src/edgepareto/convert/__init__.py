"""Keras models into deployable, content-hashed artifacts: one exporter per format (tflite, onnx).

The exporter registry lives here (:mod:`.registry`); this package imports every module of its
folder, and each exporter module registers itself. ``export`` writes several formats from one
Keras build.
"""

from __future__ import annotations

from edgepareto._plugins import import_package
from edgepareto.artifacts import CALIBRATION_SAMPLES
from edgepareto.convert.registry import Exporter, export, exporter_for, register_exporter
from edgepareto.convert.tflite import SCHEMES, convert_keras, export_variant

__all__ = [
    "CALIBRATION_SAMPLES",
    "SCHEMES",
    "Exporter",
    "convert_keras",
    "export",
    "export_variant",
    "exporter_for",
    "register_exporter",
]

import_package("edgepareto.convert")  # every exporter registers itself; last, so they see the names above

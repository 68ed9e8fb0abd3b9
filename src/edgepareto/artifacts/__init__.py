"""Artifact anatomy: what is inside a model file, read without executing it."""

from __future__ import annotations

from edgepareto.artifacts.anatomy import Anatomy, TensorInfo, inspect_tflite

__all__ = ["Anatomy", "TensorInfo", "inspect_tflite"]

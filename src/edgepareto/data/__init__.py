"""Data: preprocessing specs (one definition per model) and data sets."""

from __future__ import annotations

from edgepareto.data.preprocessing import PreprocessingSpec, list_images

__all__ = ["PreprocessingSpec", "list_images"]

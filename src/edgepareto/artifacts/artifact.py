"""The one Artifact type: a deployable file with its variant, content hash, scheme and anatomy.

Every exporter returns it, the store persists it, analysis reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgepareto.artifacts.files import sha256_file
from edgepareto.errors import ConfigError
from edgepareto.models import Precision, Variant

FORMATS: dict[str, str] = {".tflite": "tflite", ".onnx": "onnx"}
CALIBRATION_SAMPLES = 100  # int8 calibration images: the one default of export, sizes and plans
ORIGINS = ("built", "given")  # converted here from a recipe / a file someone gave, adopted in place


@dataclass(frozen=True)
class Artifact:
    """A model file identified by its content; ``recipe_key`` names what built it (the conversion cache);
    ``origin`` says whether it was built here or given (a user's or Google's file, measured where it lies)."""

    sha256: str
    variant: Variant
    format: str
    path: str
    bytes: int
    scheme: str
    weight_bytes: int | None = None
    recipe_key: str | None = None
    anatomy: dict[str, Any] | None = None
    origin: str = "built"

    def __post_init__(self) -> None:
        if self.origin not in ORIGINS:
            raise ConfigError(f"artifact origin must be one of {', '.join(ORIGINS)}, got {self.origin!r}")
        if len(self.sha256) != 64:
            raise ConfigError(f"artifact sha256 must be 64 hex digits, got {self.sha256!r}")
        if self.bytes <= 0:
            raise ConfigError(f"artifact {self.path} is empty (bytes must be positive, got {self.bytes})")
        if self.format not in FORMATS.values():
            raise ConfigError(f"artifact format must be tflite or onnx, got {self.format!r}")

    @property
    def precision(self) -> Precision:
        return self.variant.precision

    @classmethod
    def from_file(
        cls,
        path: str | Path,
        variant: Variant,
        scheme: str,
        recipe_key: str | None = None,
        sha256: str | None = None,
        origin: str = "built",
    ) -> Artifact:
        """Hash (unless known), size and (for .tflite) the anatomy of a file on disk."""
        path = Path(path)
        fmt = format_of(path)
        weight_bytes, anatomy = None, None
        if fmt == "tflite":
            from edgepareto.artifacts.anatomy import inspect_tflite

            a = inspect_tflite(path)
            weight_bytes = a.weight_bytes
            anatomy = {
                "weight_bytes": a.weight_bytes,
                "other_bytes": a.bytes - a.weight_bytes,
                "operators": a.operators,
            }
        size = path.stat().st_size
        sha = sha256 or sha256_file(path)
        return cls(sha, variant, fmt, str(path), size, scheme, weight_bytes, recipe_key, anatomy, origin)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "bytes": self.bytes,
            "precision": self.precision.value,
            "scheme": self.scheme,
            "sha256": self.sha256,
            "variant": self.variant.name,
            "format": self.format,
        }


def format_of(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ConfigError(f"{path}: not a model file (.tflite or .onnx)")
    return FORMATS[suffix]

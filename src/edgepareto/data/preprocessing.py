"""One preprocessing definition per model, used for calibration, evaluation and on boards.

The standard TF-slim evaluation preprocessing of the seed's models: decode to RGB, central
crop keeping ``crop_fraction`` of width and height, bilinear resize to the input side, then
float (x - 127.5) / 127.5, or for integer inputs the tensor's own scale and zero point.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgepareto.errors import ConfigError, DatasetError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")
_FILTERS = ("bilinear", "bicubic", "nearest", "lanczos")


@dataclass(frozen=True)
class PreprocessingSpec:
    """Everything needed to turn an image file into a model input, and nothing else."""

    size: int
    crop_fraction: float = 0.875
    resize_filter: str = "bilinear"
    color: str = "RGB"
    mean: float = 127.5
    std: float = 127.5
    label_offset: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.size, int) or self.size < 1:
            raise ConfigError(f"preprocessing size must be a positive integer, got {self.size!r}")
        if not 0.0 < self.crop_fraction <= 1.0:
            raise ConfigError(f"crop_fraction must be in (0, 1], got {self.crop_fraction}")
        if self.resize_filter not in _FILTERS:
            raise ConfigError(f"resize_filter must be one of {_FILTERS}, got {self.resize_filter!r}")
        if self.color not in ("RGB", "BGR", "L"):
            raise ConfigError(f"color must be RGB, BGR or L, got {self.color!r}")
        if self.std <= 0:
            raise ConfigError(f"std must be positive, got {self.std}")
        if self.label_offset not in (0, 1):
            raise ConfigError(f"label_offset must be 0 or 1, got {self.label_offset}")

    @property
    def key(self) -> str:
        """A stable identifier, e.g. for caches of preprocessed inputs."""
        return f"s{self.size}-c{self.crop_fraction:g}-{self.resize_filter}-{self.color}-m{self.mean:g}-d{self.std:g}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def load(self, path: str | Path) -> np.ndarray:
        """Decode, centrally crop and resize one image: uint8 array of shape (size, size, channels)."""
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(path) as im:
                im = im.convert("L" if self.color == "L" else "RGB")
                w, h = im.size
                cw, ch = round(w * self.crop_fraction), round(h * self.crop_fraction)
                left, top = (w - cw) // 2, (h - ch) // 2
                im = im.crop((left, top, left + cw, top + ch))
                im = im.resize((self.size, self.size), getattr(Image.Resampling, self.resize_filter.upper()))
                arr = np.asarray(im, dtype=np.uint8)
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise DatasetError(f"{path}: not a readable image ({exc})") from exc
        if arr.ndim == 2:
            arr = arr[..., None]
        if self.color == "BGR":
            arr = arr[..., ::-1]
        return arr

    def to_float(self, pixels: np.ndarray) -> np.ndarray:
        """Float model input from uint8 pixels: (x - mean) / std."""
        return ((pixels.astype(np.float32) - self.mean) / self.std).astype(np.float32)

    def to_input(self, pixels: np.ndarray, dtype: Any, scale: float = 0.0, zero_point: int = 0) -> np.ndarray:
        """Model input of ``dtype``: float as :meth:`to_float`; integer through the tensor's quantization."""
        dtype = np.dtype(dtype)
        x = self.to_float(pixels)
        if dtype.kind == "f":
            return x.astype(dtype)
        if scale <= 0:
            raise ConfigError("an integer input needs the tensor's quantization scale")
        info = np.iinfo(dtype)
        q = np.round(x / scale + zero_point)
        return np.clip(q, info.min, info.max).astype(dtype)


def list_images(folder: str | Path) -> list[Path]:
    """Image files below ``folder``, sorted, so every run sees them in the same order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"{folder}: not a folder; pass a folder of images")
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)

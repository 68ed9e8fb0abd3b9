"""Pixel helpers of :class:`~edgepareto.data.preprocessing.PreprocessingSpec`'s pipelines (Pillow loaded on use)."""

from __future__ import annotations

from typing import Any

import numpy as np

from edgepareto.errors import ConfigError


def rgb(pixels: np.ndarray) -> np.ndarray:
    grey = pixels if pixels.ndim == 2 else pixels[..., 0]
    return np.repeat(grey[..., None], 3, axis=2)


def short_side_crop(im: Any, short: int, size: int) -> np.ndarray:
    """torchvision's ``Resize(short)`` (PIL bilinear, long side truncated) then ``CenterCrop(size)``."""
    from PIL import Image

    w, h = im.size
    new = (short, int(short * h / w)) if w <= h else (int(short * w / h), short)
    if new != (w, h):
        im = im.resize(new, Image.Resampling.BILINEAR)
    arr = np.asarray(im, dtype=np.uint8)
    top = round((arr.shape[0] - size) / 2.0)
    left = round((arr.shape[1] - size) / 2.0)
    return arr[top : top + size, left : left + size]


def pad(arr: np.ndarray, size: int) -> np.ndarray:
    h, w = arr.shape[:2]
    if h > size or w > size:
        raise ConfigError(f"cannot pad a {w}x{h} image to {size}x{size}; use a resize filter or a larger size")
    out = np.zeros((size, size, *arr.shape[2:]), dtype=np.uint8)
    top, left = (size - h) // 2, (size - w) // 2
    out[top : top + h, left : left + w] = arr
    return out


def to_pil(pixels: np.ndarray) -> Any:
    from PIL import Image

    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[..., 0]
    return Image.fromarray(pixels)

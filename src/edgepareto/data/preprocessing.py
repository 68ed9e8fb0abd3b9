"""One preprocessing definition per model, used for calibration, evaluation and on boards.

The standard TF-slim evaluation preprocessing of the seed's models: decode to RGB, central
crop keeping ``crop_fraction`` of width and height exactly as ``tf.image.central_crop`` rounds
it (offset ``int((W - W*f) / 2)``, size ``W - 2*offset``), bilinear resize to the input side,
then float ``(x - 127.5) / 127.5``, or for integer inputs the tensor's own scale and zero point.

The resize is PIL's bilinear filter, which widens its support when it shrinks (antialiasing).
With it, the 48 top-1 predictions of ``../shared/fixtures/imagenet/ground_truth.csv`` are
reproduced exactly; TF's half-pixel bilinear gives 20/24 and 21/24, TF1's legacy
(``align_corners=False``, no half-pixel) bilinear 19/24 and 21/24 (quant / float model).

Integer inputs: when the tensor's quantization *is* the pixel grid (``scale*std`` within 1% of
1 and the zero point within one step of ``mean``, or of ``mean - 128`` for int8), pixels are fed
as integers (uint8 as is, int8 minus 128), as TFLite's own ImageNet evaluation tool does;
otherwise they are requantized, ``round((x - mean) / std / scale + zero_point)``. Google's
uint8 models (scale 1/128, zero point 128) take the first path: requantizing them would move
every pixel above 128 by one step and change one of the 24 fixture predictions.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgepareto import validation
from edgepareto.errors import ConfigError, DatasetError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")
FILTERS = ("bilinear", "bicubic", "nearest", "lanczos", "pad")
COLORS = ("RGB", "BGR", "L")
INTEGER_INPUT = ("auto", "pixels", "requantize")
SIDECAR_SUFFIX = ".preprocessing.json"
MAX_SIZE = 1024  # the largest model input edgepareto builds (models.MAX_RESOLUTION)


def central_crop_box(width: int, height: int, fraction: float) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of ``tf.image.central_crop``: offsets truncated, sizes symmetric."""
    left = int((width - width * fraction) / 2)
    top = int((height - height * fraction) / 2)
    return left, top, width - left, height - top


@dataclass(frozen=True)
class InputEncoding:
    """How uint8 pixels become the model's input tensor; recorded with every accuracy figure."""

    dtype: str
    mode: str  # "float", "pixels" or "requantize"
    scale: float = 0.0
    zero_point: int = 0

    def describe(self) -> str:
        if self.mode == "float":
            return f"{self.dtype}: (x - mean) / std"
        if self.mode == "pixels":
            shift = " - 128" if self.dtype == "int8" else ""
            return (
                f"{self.dtype}: raw pixels{shift} (tensor scale {self.scale:g}, zero point {self.zero_point} "
                "is the pixel grid)"
            )
        return f"{self.dtype}: round((x - mean) / std / {self.scale:g} + {self.zero_point})"


@dataclass(frozen=True)
class PreprocessingSpec:
    """Everything needed to turn an image into a model input, and nothing else.

    ``resize_filter="pad"`` centres the (cropped) image on a black square of ``size`` without
    resampling (Fashion-MNIST 28 -> 32); ``color="L"`` with ``channels=3`` replicates grey.
    """

    size: int
    crop_fraction: float = 0.875
    resize_filter: str = "bilinear"
    color: str = "RGB"
    channels: int = 3
    mean: float = 127.5
    std: float = 127.5
    label_offset: int = 0
    integer_input: str = "auto"

    def __post_init__(self) -> None:
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not 1 <= self.size <= MAX_SIZE:
            raise ConfigError(f"preprocessing size must be an integer in [1, {MAX_SIZE}], got {self.size!r}")
        for f in ("crop_fraction", "mean", "std"):
            validation.finite(getattr(self, f), f"preprocessing {f}")
        if not 0.0 < self.crop_fraction <= 1.0:
            raise ConfigError(f"crop_fraction must be in (0, 1], got {self.crop_fraction}")
        if self.resize_filter not in FILTERS:
            raise ConfigError(f"resize_filter must be one of {', '.join(FILTERS)}, got {self.resize_filter!r}")
        if self.color not in COLORS:
            raise ConfigError(f"color must be one of {', '.join(COLORS)}, got {self.color!r}")
        if self.channels not in (1, 3) or (self.channels == 1 and self.color != "L"):
            raise ConfigError(f"channels must be 3, or 1 with color 'L'; got {self.channels} with {self.color}")
        if self.std <= 0:
            raise ConfigError(f"std must be positive, got {self.std}")
        if self.label_offset not in (0, 1):
            raise ConfigError(f"label_offset must be 0 or 1 (1 for a 1001-output model), got {self.label_offset}")
        if self.integer_input not in INTEGER_INPUT:
            raise ConfigError(f"integer_input must be one of {', '.join(INTEGER_INPUT)}, got {self.integer_input!r}")

    # --- identity -----------------------------------------------------------------------
    @property
    def pixel_key(self) -> str:
        """Identifies the uint8 pixels (crop, resize, colour): the key of the on-disk input cache."""
        return f"s{self.size}-c{self.crop_fraction:g}-{self.resize_filter}-{self.color}{self.channels}"

    @property
    def key(self) -> str:
        """Identifies the whole spec, scaling included."""
        return f"{self.pixel_key}-m{self.mean:g}-d{self.std:g}-o{self.label_offset}-{self.integer_input}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> PreprocessingSpec:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(doc) - known)
        if unknown:
            raise ConfigError(f"unknown preprocessing field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**doc)

    def __str__(self) -> str:
        resize = "pad" if self.resize_filter == "pad" else f"{self.resize_filter} resize"
        grey = "grey" + (" x3" if self.channels == 3 else "") if self.color == "L" else self.color
        return (
            f"central crop {self.crop_fraction:g}, {resize} to {self.size}x{self.size}, {grey}, "
            f"(x - {self.mean:g}) / {self.std:g}, label offset {self.label_offset}"
        )

    # --- pixels -------------------------------------------------------------------------
    def load(self, path: str | Path) -> np.ndarray:
        """Decode, centrally crop and resize one image file: uint8 (size, size, channels)."""
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(path) as im:
                return self.prepare_pil(im)
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
            raise DatasetError(f"{path}: not a readable image ({exc})") from exc

    def prepare_pil(self, im: Any) -> np.ndarray:
        """The pixel pipeline on a PIL image (decoded lazily by PIL on first access)."""
        from PIL import Image

        im = im.convert("L" if self.color == "L" else "RGB")
        if self.crop_fraction < 1.0:
            im = im.crop(central_crop_box(im.size[0], im.size[1], self.crop_fraction))
        if self.resize_filter == "pad":
            return self._finish(_pad(np.asarray(im, dtype=np.uint8), self.size))
        if im.size != (self.size, self.size):
            im = im.resize((self.size, self.size), getattr(Image.Resampling, self.resize_filter.upper()))
        return self._finish(np.asarray(im, dtype=np.uint8))

    def prepare_array(self, pixels: np.ndarray) -> np.ndarray:
        """The same pipeline on an in-memory uint8 image (H, W) or (H, W, C), e.g. Fashion-MNIST."""
        pixels = np.asarray(pixels)
        if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3):
            raise ConfigError(f"expected a uint8 image (H, W) or (H, W, C), got {pixels.dtype} {pixels.shape}")
        if self.resize_filter == "pad" and self.crop_fraction == 1.0:
            if self.color == "L" and pixels.ndim == 3:
                return self.prepare_pil(_to_pil(pixels))
            if self.color != "L" and pixels.ndim == 2:
                pixels = np.repeat(pixels[..., None], 3, axis=2)
            return self._finish(_pad(pixels, self.size))
        return self.prepare_pil(_to_pil(pixels))

    def prepare_batch(self, images: np.ndarray) -> np.ndarray:
        """:meth:`prepare_array` over a stack of images: uint8 (N, size, size, channels)."""
        return np.stack([self.prepare_array(im) for im in images]) if len(images) else np.zeros((0,), np.uint8)

    def _finish(self, arr: np.ndarray) -> np.ndarray:
        if arr.ndim == 2:
            arr = arr[..., None]
        if self.color == "L" and self.channels == 3:
            arr = np.repeat(arr, 3, axis=2)
        if self.color == "BGR":
            arr = arr[..., ::-1]
        return np.ascontiguousarray(arr)

    # --- model input --------------------------------------------------------------------
    def to_float(self, pixels: np.ndarray) -> np.ndarray:
        """Float model input from uint8 pixels: (x - mean) / std."""
        x = pixels.astype(np.float32)
        x -= np.float32(self.mean)
        x /= np.float32(self.std)
        return x

    def encoding(self, dtype: Any, scale: float = 0.0, zero_point: int = 0) -> InputEncoding:
        """Choose how pixels become an input of ``dtype`` with the tensor's (scale, zero_point)."""
        dt = np.dtype(dtype)
        if dt.kind == "f":
            return InputEncoding(dt.name, "float")
        if dt.name not in ("uint8", "int8"):
            raise ConfigError(f"unsupported model input dtype {dt.name}; image models take float, uint8 or int8")
        if scale <= 0:
            raise ConfigError(f"the {dt.name} model input has no quantization scale; cannot map pixels onto it")
        grid_zero = self.mean - (128 if dt.name == "int8" else 0)
        on_grid = abs(scale * self.std - 1.0) <= 0.01 and abs(zero_point - grid_zero) <= 1.0
        mode = self.integer_input
        if mode == "auto":
            mode = "pixels" if on_grid else "requantize"
        return InputEncoding(dt.name, mode, float(scale), int(zero_point))

    def encode(self, pixels: np.ndarray, enc: InputEncoding) -> np.ndarray:
        """Model input from uint8 pixels (any leading batch shape) under ``enc``."""
        if enc.mode == "float":
            return self.to_float(pixels).astype(enc.dtype, copy=False)
        if enc.mode == "pixels":
            if enc.dtype == "uint8":
                return pixels.astype(np.uint8, copy=False)
            return (pixels.astype(np.int16) - 128).astype(np.int8)
        info = np.iinfo(enc.dtype)
        q = np.round(self.to_float(pixels) / np.float32(enc.scale) + enc.zero_point)
        return np.clip(q, info.min, info.max).astype(enc.dtype)

    def to_input(self, pixels: np.ndarray, dtype: Any, scale: float = 0.0, zero_point: int = 0) -> np.ndarray:
        """Model input of ``dtype``: shorthand for :meth:`encode` with :meth:`encoding`."""
        return self.encode(pixels, self.encoding(dtype, scale, zero_point))

    # --- attached to artifacts ----------------------------------------------------------
    def save_beside(self, artifact: str | Path) -> Path:
        """Write ``<artifact>.preprocessing.json`` so the spec travels with the model file."""
        path = Path(str(artifact) + SIDECAR_SUFFIX)
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n")
        return path


def spec_beside(artifact: str | Path) -> PreprocessingSpec | None:
    """The spec saved beside ``artifact`` by :meth:`PreprocessingSpec.save_beside`, if any."""
    path = Path(str(artifact) + SIDECAR_SUFFIX)
    if not path.is_file():
        return None
    text = validation.read_text(path, "preprocessing file")
    try:
        doc = json.loads(text)
        if not isinstance(doc, dict):
            raise TypeError(f"expected a JSON object, got {type(doc).__name__}")
        return PreprocessingSpec.from_json(doc)
    except (json.JSONDecodeError, TypeError) as exc:
        raise ConfigError(f"{path}: not a preprocessing spec ({exc}); delete it or fix the JSON") from exc
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}; fix or delete this file") from exc


def default_spec(input_shape: tuple[int, ...], num_outputs: int, num_classes: int | None = None) -> PreprocessingSpec:
    """The standard spec for a model with NHWC ``input_shape``: TF-slim's for 3 channels.

    The label offset is 1 when the model has one output more than the data set has classes
    (the 1001-output "background" convention of Google's models).
    """
    if len(input_shape) != 4 or input_shape[1] != input_shape[2] or input_shape[3] not in (1, 3):
        raise ConfigError(f"expected a square NHWC image input with 1 or 3 channels, got shape {list(input_shape)}")
    offset = 1 if num_classes is not None and num_outputs == num_classes + 1 else 0
    if input_shape[3] == 1:
        return PreprocessingSpec(size=int(input_shape[1]), color="L", channels=1, label_offset=offset)
    return PreprocessingSpec(size=int(input_shape[1]), label_offset=offset)


def _pad(arr: np.ndarray, size: int) -> np.ndarray:
    h, w = arr.shape[:2]
    if h > size or w > size:
        raise ConfigError(f"cannot pad a {w}x{h} image to {size}x{size}; use a resize filter or a larger size")
    out = np.zeros((size, size, *arr.shape[2:]), dtype=np.uint8)
    top, left = (size - h) // 2, (size - w) // 2
    out[top : top + h, left : left + w] = arr
    return out


def _to_pil(pixels: np.ndarray) -> Any:
    from PIL import Image

    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[..., 0]
    return Image.fromarray(pixels)


def list_images(folder: str | Path) -> list[Path]:
    """Image files below ``folder``, sorted, so every run sees them in the same order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"{folder}: not a folder; pass a folder of images")
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)

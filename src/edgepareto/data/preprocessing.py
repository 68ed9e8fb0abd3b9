"""One preprocessing definition per model, used for calibration, evaluation and on boards.

The standard TF-slim evaluation preprocessing of the seed's models: decode to RGB, central
crop keeping ``crop_fraction`` of width and height exactly as ``tf.image.central_crop`` rounds
it (offset ``int((W - W*f) / 2)``, size ``W - 2*offset``), bilinear resize to the input side,
then float ``(x - 127.5) / 127.5``, or for integer inputs the tensor's own scale and zero point.

With the PIL bilinear filter (which widens its support when it shrinks: antialiasing) and
Pillow's decoder, the 48 top-1 predictions of ``../shared/fixtures/imagenet/ground_truth.csv`` are
reproduced exactly; TF-slim's own pipeline (TF's fast-IDCT JPEG decoding, TF1's legacy bilinear
without antialiasing: the ``tf-slim`` preset) reproduces the 48 of ``expected_top1_tfslim.csv``.

Integer inputs: when the tensor's quantization *is* the pixel grid (``scale*std`` within 1% of
1 and the zero point within one step of ``mean``, or of ``mean - 128`` for int8), pixels are fed
as integers (uint8 as is, int8 minus 128), as TFLite's own ImageNet evaluation tool does;
otherwise they are requantized, ``round((x - mean) / std / scale + zero_point)``. Google's
uint8 models (scale 1/128, zero point 128) take the first path: requantizing them would move
every pixel above 128 by one step and change one of the 24 fixture predictions.

Named presets (:mod:`edgepareto.data.presets`) fill these fields for one convention each; the
``tf-slim`` one decodes with TensorFlow's JPEG settings and resizes with TF1's legacy bilinear
(:mod:`edgepareto.data.tf_slim`), so its pixels are float32 in [0, 1] (``convert_image_dtype``)
rather than uint8, and ``mean``/``std`` are in those units.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgepareto import validation
from edgepareto.data._pixels import pad, rgb, short_side_crop, to_pil
from edgepareto.errors import ConfigError, DatasetError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")
FILTERS = ("bilinear", "bicubic", "nearest", "lanczos", "pad", "tf1-bilinear")
DECODERS = ("pil", "tf")  # tf: libjpeg-turbo's fast IDCT, as tf.io.decode_jpeg's default
NORMALIZATIONS = ("centred", "unit-centred", "divide-first")
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
    ``resize_filter="tf1-bilinear"`` scales to [0, 1] and resizes as TF1 does (float32 pixels).
    ``short_side > 0`` resizes the short side to it and then centre-crops ``size`` (torchvision's
    ``Resize`` + ``CenterCrop``) instead of cropping ``crop_fraction`` first. ``mean``/``std`` may be
    per channel. ``normalization``: ``centred`` is ``(x - mean) / std``, ``unit-centred`` is
    ``(x / 255 - mean) / std`` (torchvision's ``ToTensor`` + ``Normalize``), ``divide-first`` is
    ``x / std - mean / std`` (Keras's ``x / 127.5 - 1``). ``preset`` names the convention.
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
    preset: str = "custom"
    decoder: str = "pil"
    short_side: int = 0
    normalization: str = "centred"

    def __post_init__(self) -> None:
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not 1 <= self.size <= MAX_SIZE:
            raise ConfigError(f"preprocessing size must be an integer in [1, {MAX_SIZE}], got {self.size!r}")
        validation.finite(self.crop_fraction, "preprocessing crop_fraction")
        if not 0.0 < self.crop_fraction <= 1.0:
            raise ConfigError(f"crop_fraction must be in (0, 1], got {self.crop_fraction}")
        if self.resize_filter not in FILTERS:
            raise ConfigError(f"resize_filter must be one of {', '.join(FILTERS)}, got {self.resize_filter!r}")
        if self.color not in COLORS:
            raise ConfigError(f"color must be one of {', '.join(COLORS)}, got {self.color!r}")
        if self.channels not in (1, 3) or (self.channels == 1 and self.color != "L"):
            raise ConfigError(f"channels must be 3, or 1 with color 'L'; got {self.channels} with {self.color}")
        self._check_scaling()
        if self.label_offset not in (0, 1):
            raise ConfigError(f"label_offset must be 0 or 1 (1 for a 1001-output model), got {self.label_offset}")
        if self.integer_input not in INTEGER_INPUT:
            raise ConfigError(f"integer_input must be one of {', '.join(INTEGER_INPUT)}, got {self.integer_input!r}")
        self._check_pipeline()

    def _check_scaling(self) -> None:
        """mean and std: one finite number, or one per channel (NaN would make every input NaN)."""
        for name in ("mean", "std"):
            value = getattr(self, name)
            if isinstance(value, list | tuple):
                numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
                if len(value) != self.channels or not numbers:
                    raise ConfigError(f"{name} per channel needs {self.channels} numbers, got {value!r}")
                for v in value:
                    validation.finite(v, f"preprocessing {name}")
                object.__setattr__(self, name, tuple(float(v) for v in value))
            else:
                validation.finite(value, f"preprocessing {name}")
        if min(_as_tuple(self.std)) <= 0:
            raise ConfigError(f"std must be positive, got {self.std}")
        if self.normalization not in NORMALIZATIONS:
            raise ConfigError(f"normalization must be one of {', '.join(NORMALIZATIONS)}, got {self.normalization!r}")

    def _check_pipeline(self) -> None:
        if self.decoder not in DECODERS:
            raise ConfigError(f"decoder must be one of {', '.join(DECODERS)}, got {self.decoder!r}")
        if not isinstance(self.short_side, int) or self.short_side < 0:
            raise ConfigError(f"short_side must be 0 or a positive integer, got {self.short_side!r}")
        if self.short_side and (self.short_side < self.size or self.crop_fraction != 1.0):
            raise ConfigError(
                f"short_side {self.short_side} needs crop_fraction 1 and at least size {self.size} "
                "(it resizes, then centre-crops size x size)"
            )
        if self.resize_filter == "tf1-bilinear" and (self.short_side or self.color == "L"):
            raise ConfigError("resize_filter tf1-bilinear works on RGB/BGR images without short_side")
        if not isinstance(self.preset, str) or not self.preset:
            raise ConfigError(f"preset must be a non-empty name, got {self.preset!r}")

    # --- identity -----------------------------------------------------------------------
    @property
    def pixel_key(self) -> str:
        """Identifies the uint8 pixels (crop, resize, colour): the key of the on-disk input cache."""
        key = f"s{self.size}-c{self.crop_fraction:g}-{self.resize_filter}-{self.color}{self.channels}"
        if self.preset != "custom":  # a preset's pixels are its own: never share them with another's
            key = f"{self.preset}-{key}"
        if self.decoder != "pil":
            key += f"-dec{self.decoder}"
        if self.short_side:
            key += f"-short{self.short_side}"
        return key

    @property
    def key(self) -> str:
        """Identifies the whole spec, scaling included."""
        return f"{self.pixel_key}-m{_fmt(self.mean)}-d{_fmt(self.std)}-o{self.label_offset}-{self.integer_input}" + (
            "" if self.normalization == "centred" else f"-{self.normalization}"
        )

    @property
    def pixel_dtype(self) -> np.dtype:
        """uint8 pixels, or float32 in [0, 1] for TF's resize (the on-disk cache stores these)."""
        return np.dtype(np.float32 if self.resize_filter == "tf1-bilinear" else np.uint8)

    @property
    def pixel_unit(self) -> float:
        """The value of one 8-bit step in this spec's pixels (1/255 for [0, 1] pixels)."""
        return 1.0 / 255.0 if self.pixel_dtype.kind == "f" else 1.0

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        for name in ("mean", "std"):
            if isinstance(doc[name], tuple):
                doc[name] = list(doc[name])
        return doc

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
        if self.short_side:
            crop = f"short side to {self.short_side}, centre crop {self.size}x{self.size} ({resize})"
        else:
            crop = f"central crop {self.crop_fraction:g}, {resize} to {self.size}x{self.size}"
        scaling = {
            "centred": f"(x - {_fmt(self.mean)}) / {_fmt(self.std)}",
            "unit-centred": f"(x / 255 - {_fmt(self.mean)}) / {_fmt(self.std)}",
            "divide-first": f"x / {_fmt(self.std)} - {_fmt(self.mean)} / {_fmt(self.std)}",
        }[self.normalization]
        if self.pixel_dtype.kind == "f":
            scaling = f"x in [0, 1], {scaling}"
        decoder = ", TF's JPEG decoder" if self.decoder == "tf" else ""
        text = f"{crop}, {grey}{decoder}, {scaling}, label offset {self.label_offset}"
        return text if self.preset == "custom" else f"{self.preset}: {text}"

    # --- pixels -------------------------------------------------------------------------
    def load(self, path: str | Path) -> np.ndarray:
        """Decode, centrally crop and resize one image file: (size, size, channels) of :attr:`pixel_dtype`."""
        from PIL import Image, UnidentifiedImageError

        if self.decoder == "tf" or self.resize_filter == "tf1-bilinear":
            return self.prepare_decoded(self._decode(path))
        try:
            with Image.open(path) as im:
                return self.prepare_pil(im)
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
            raise DatasetError(f"{path}: not a readable image ({exc})") from exc

    def load_many(self, path: str | Path, others: list[PreprocessingSpec]) -> list[np.ndarray]:
        """``[s.load(path) for s in (self, *others)]`` from one decode (``others`` share :attr:`decode_key`)."""
        from PIL import Image, UnidentifiedImageError

        every = [self, *others]
        if self.decoder == "tf" or any(s.resize_filter == "tf1-bilinear" for s in every):
            decoded = self._decode(path)
            return [s.prepare_decoded(decoded) for s in every]
        try:
            with Image.open(path) as opened:
                im = opened.convert("L" if self.color == "L" else "RGB")  # decoded once, cropped and resized per spec
                return [s.prepare_pil(im) for s in every]
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
            raise DatasetError(f"{path}: not a readable image ({exc})") from exc

    @property
    def decode_key(self) -> tuple[str, str]:
        return (self.decoder, "L" if self.color == "L" else "RGB")

    def _decode(self, path: str | Path) -> np.ndarray:
        if self.decoder == "tf":
            from edgepareto.data.tf_slim import decode_like_tf

            return decode_like_tf(path, grey=self.color == "L")
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(path) as im:
                return np.asarray(im.convert("L" if self.color == "L" else "RGB"), dtype=np.uint8)
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
            raise DatasetError(f"{path}: not a readable image ({exc})") from exc

    def prepare_decoded(self, arr: np.ndarray) -> np.ndarray:
        """The pixel pipeline on a decoded uint8 (H, W) or (H, W, C) array (RGB or grey)."""
        if self.resize_filter != "tf1-bilinear":
            return self.prepare_pil(to_pil(arr))
        from edgepareto.data.tf_slim import resize_bilinear_tf1

        if arr.ndim == 2:
            arr = arr[..., None]
        if self.crop_fraction < 1.0:
            left, top, right, bottom = central_crop_box(arr.shape[1], arr.shape[0], self.crop_fraction)
            arr = arr[top:bottom, left:right]
        unit = arr.astype(np.float32) * np.float32(1.0 / 255.0)  # tf.image.convert_image_dtype
        return self._finish(resize_bilinear_tf1(unit, self.size, self.size))

    def prepare_pil(self, im: Any) -> np.ndarray:
        """The pixel pipeline on a PIL image (decoded lazily by PIL on first access)."""
        from PIL import Image

        mode = "L" if self.color == "L" else "RGB"
        if im.mode != mode:  # a same-mode convert is a copy; crop and resize make their own
            im = im.convert(mode)
        if self.short_side:
            return self._finish(short_side_crop(im, self.short_side, self.size))
        if self.crop_fraction < 1.0:
            im = im.crop(central_crop_box(im.size[0], im.size[1], self.crop_fraction))
        if self.resize_filter == "pad":
            return self._finish(pad(np.asarray(im, dtype=np.uint8), self.size))
        if im.size != (self.size, self.size):
            im = im.resize((self.size, self.size), getattr(Image.Resampling, self.resize_filter.upper()))
        return self._finish(np.asarray(im, dtype=np.uint8))

    def prepare_array(self, pixels: np.ndarray) -> np.ndarray:
        """The same pipeline on an in-memory uint8 image (H, W) or (H, W, C), e.g. Fashion-MNIST."""
        pixels = np.asarray(pixels)
        if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3):
            raise ConfigError(f"expected a uint8 image (H, W) or (H, W, C), got {pixels.dtype} {pixels.shape}")
        if self.resize_filter == "tf1-bilinear":
            return self.prepare_decoded(pixels if pixels.ndim == 3 and pixels.shape[2] == 3 else rgb(pixels))
        if self.resize_filter == "pad" and self.crop_fraction == 1.0:
            if self.color == "L" and pixels.ndim == 3:
                return self.prepare_pil(to_pil(pixels))
            if self.color != "L" and pixels.ndim == 2:
                pixels = np.repeat(pixels[..., None], 3, axis=2)
            return self._finish(pad(pixels, self.size))
        return self.prepare_pil(to_pil(pixels))

    def prepare_batch(self, images: np.ndarray) -> np.ndarray:
        """:meth:`prepare_array` over a stack of images: uint8 (N, size, size, channels)."""
        return np.stack([self.prepare_array(im) for im in images]) if len(images) else np.zeros((0,), self.pixel_dtype)

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
        """Float model input from pixels, in this spec's :attr:`normalization` order (float32 throughout)."""
        x = pixels.astype(np.float32)
        mean, std = np.asarray(self.mean, np.float32), np.asarray(self.std, np.float32)
        if self.normalization == "unit-centred":
            x /= np.float32(255.0)  # torchvision's ToTensor divides; then Normalize
        if self.normalization == "divide-first":
            x /= std  # Keras's "tf" mode: x /= 127.5; x -= 1
            x -= mean / std
            return x
        x -= mean
        x /= std
        return x

    def _grid(self) -> tuple[float, float] | None:
        """(std, mean) in 8-bit pixel steps when both are one number, else None (no pixel grid)."""
        mean, std = _as_tuple(self.mean), _as_tuple(self.std)
        if len(set(mean)) != 1 or len(set(std)) != 1:
            return None
        unit = 1.0 / 255.0 if self.normalization == "unit-centred" else self.pixel_unit
        return std[0] / unit, mean[0] / unit

    def encoding(self, dtype: Any, scale: float = 0.0, zero_point: int = 0) -> InputEncoding:
        """Choose how pixels become an input of ``dtype`` with the tensor's (scale, zero_point)."""
        dt = np.dtype(dtype)
        if dt.kind == "f":
            return InputEncoding(dt.name, "float")
        if dt.name not in ("uint8", "int8"):
            raise ConfigError(f"unsupported model input dtype {dt.name}; image models take float, uint8 or int8")
        if scale <= 0:
            raise ConfigError(f"the {dt.name} model input has no quantization scale; cannot map pixels onto it")
        grid = self._grid()
        shift = 128 if dt.name == "int8" else 0
        on_grid = grid is not None and abs(scale * grid[0] - 1.0) <= 0.01 and abs(zero_point - grid[1] + shift) <= 1.0
        mode = self.integer_input
        if mode == "auto":
            mode = "pixels" if on_grid else "requantize"
        return InputEncoding(dt.name, mode, float(scale), int(zero_point))

    def encode(self, pixels: np.ndarray, enc: InputEncoding) -> np.ndarray:
        """Model input from uint8 pixels (any leading batch shape) under ``enc``."""
        if enc.mode == "float":
            return self.to_float(pixels).astype(enc.dtype, copy=False)
        if enc.mode == "pixels":
            if pixels.dtype.kind == "f":  # [0, 1] pixels: the nearest 8-bit step
                pixels = np.clip(np.round(pixels * np.float32(255.0)), 0, 255).astype(np.uint8)
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
        validation.replace_text(path, json.dumps(self.to_json(), indent=2) + "\n", "preprocessing file")
        return path


def read_sidecar(artifact: str | Path) -> dict[str, Any] | None:
    """The JSON object of ``<artifact>.preprocessing.json``: a whole spec, or ``{"preset": NAME}``."""
    path = Path(str(artifact) + SIDECAR_SUFFIX)
    if not path.is_file():
        return None
    text = validation.read_text(path, "preprocessing file")
    where = f"preprocessing file {validation.display_path(path)}"
    doc = validation.parse_json(text, where, "delete it or fix the JSON")
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: not a preprocessing spec (a JSON object); delete it or fix the JSON")
    return doc


def spec_beside(artifact: str | Path) -> PreprocessingSpec | None:
    """The whole spec saved beside ``artifact`` by :meth:`PreprocessingSpec.save_beside`, if any
    (None also for a sidecar that only names a preset: that one needs the model's input size)."""
    doc = read_sidecar(artifact)
    if doc is None or set(doc) <= {"preset", "label_offset"}:
        return None
    path = str(artifact) + SIDECAR_SUFFIX
    try:
        return PreprocessingSpec.from_json(doc)
    except TypeError as exc:
        raise ConfigError(f"{path}: not a preprocessing spec ({exc}); delete it or fix the JSON") from exc
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}; fix or delete this file") from exc


def _as_tuple(value: float | tuple[float, ...]) -> tuple[float, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (float(value),)


def _fmt(value: float | tuple[float, ...]) -> str:
    return ",".join(f"{v:g}" for v in _as_tuple(value))


def list_images(folder: str | Path) -> list[Path]:
    """Image files below ``folder``, sorted, so every run sees them in the same order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"{folder}: not a folder; pass a folder of images")
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)

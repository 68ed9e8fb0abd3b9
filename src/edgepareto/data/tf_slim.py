"""TF-slim's evaluation pixels without TensorFlow: its JPEG decoder and TF1's legacy bilinear resize.

Evaluation workers must not import TensorFlow (seconds of start-up and a gigabyte per worker), so
the two steps where TF-slim differs from Pillow are reimplemented here:

* decoding: ``tf.io.decode_jpeg`` with its default ``dct_method=""`` runs libjpeg-turbo's fast
  integer IDCT (``JDCT_IFAST``) with fancy upsampling; Pillow uses the accurate one (``JDCT_ISLOW``),
  up to 18 levels apart on the fixture images. simplejpeg (libjpeg-turbo) with ``fastdct=True`` gives
  TensorFlow's bytes exactly; files that are not baseline/progressive RGB or grey JPEGs (PNG, CMYK)
  fall back to Pillow, whose lossless decoders agree with TensorFlow's.
* resizing: ``tf.compat.v1.image.resize_bilinear(align_corners=False)`` without half-pixel centres:
  source coordinate ``float32(i) * float32(in / out)``, neighbours ``floor`` and ``min(ceil, in - 1)``,
  then two horizontal lerps and one vertical one in float32, in TensorFlow's order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edgepareto.errors import DatasetError

JPEG_MAGIC = b"\xff\xd8"


def decode_like_tf(path: str | Path, grey: bool = False) -> np.ndarray:
    """uint8 (H, W, 3) (or (H, W, 1) with ``grey``) as ``tf.io.decode_jpeg`` decodes the file by default."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise DatasetError(f"{path}: not a readable image ({exc.strerror or exc})") from exc
    if data[:2] == JPEG_MAGIC:
        import simplejpeg

        _check_pixels(path, data)
        try:
            return simplejpeg.decode_jpeg(data, colorspace="GRAY" if grey else "RGB", fastdct=True, fastupsample=False)
        except ValueError:
            pass  # CMYK and other colour spaces libjpeg-turbo cannot convert: Pillow below
    return _decode_pil(path, data, grey)


def _check_pixels(path: str | Path, data: bytes) -> None:
    """Refuse a JPEG that claims more pixels than Pillow would decode (a decompression bomb), before decoding."""
    import simplejpeg
    from PIL import Image

    try:
        height, width, _, _ = simplejpeg.decode_jpeg_header(data)
    except ValueError:
        return  # not decodable by libjpeg-turbo: Pillow decides, with its own limit
    limit = Image.MAX_IMAGE_PIXELS
    if limit and height * width > 2 * limit:
        raise DatasetError(f"{path}: not a readable image ({width}x{height} pixels: a decompression bomb)")


def _decode_pil(path: str | Path, data: bytes, grey: bool) -> np.ndarray:
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as im:
            arr = np.asarray(im.convert("L" if grey else "RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
        raise DatasetError(f"{path}: not a readable image ({exc})") from exc
    return arr[..., None] if grey else arr


def _weights(in_size: int, out_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TF's ``compute_interpolation_weights`` with the legacy scaler: (lower, upper, lerp)."""
    scale = np.float32(in_size) / np.float32(out_size)
    src = np.arange(out_size, dtype=np.float32) * scale
    floor = np.floor(src)
    lower = np.maximum(floor.astype(np.int64), 0)
    upper = np.minimum(np.ceil(src).astype(np.int64), in_size - 1)
    return lower, upper, (src - floor).astype(np.float32)


def resize_bilinear_tf1(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """float32 (height, width, C) from an (H, W, C) image, as TF1's ``resize_bilinear`` computes it
    with ``align_corners=False, half_pixel_centers=False`` (no antialiasing)."""
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[0] < 1 or img.shape[1] < 1 or height < 1 or width < 1:
        raise ValueError(f"expected a non-empty (H, W, C) image and a positive size, got {img.shape}, {height}x{width}")
    img = img.astype(np.float32, copy=False)
    y_lo, y_hi, y_lerp = _weights(img.shape[0], height)
    x_lo, x_hi, x_lerp = _weights(img.shape[1], width)
    top, bottom = img.take(y_lo, axis=0), img.take(y_hi, axis=0)  # take: a quarter faster than indexing
    xl = x_lerp[None, :, None]
    top_left, top_right = top.take(x_lo, axis=1), top.take(x_hi, axis=1)
    bottom_left, bottom_right = bottom.take(x_lo, axis=1), bottom.take(x_hi, axis=1)
    upper = top_left + (top_right - top_left) * xl
    lower = bottom_left + (bottom_right - bottom_left) * xl
    return upper + (lower - upper) * y_lerp[:, None, None]

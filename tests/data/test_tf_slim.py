"""TF-slim's pixels without TensorFlow: the NumPy resize and decoder against TensorFlow's own ops."""

from __future__ import annotations

import numpy as np
import pytest

from edgepareto.data.preprocessing import central_crop_box
from edgepareto.data.tf_slim import decode_like_tf, resize_bilinear_tf1
from edgepareto.errors import DatasetError
from tests.conftest import IMAGENET

tf = pytest.importorskip("tensorflow")  # the tests may import TensorFlow; the workers never do


def tf_resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """TensorFlow's own op, TF1 semantics: no corner alignment, no half-pixel centres."""
    out = tf.raw_ops.ResizeBilinear(
        images=image[None], size=[height, width], align_corners=False, half_pixel_centers=False
    )
    return out.numpy()[0]


def fixture_images() -> list:
    return sorted((IMAGENET / "images").glob("*.JPEG"))


def test_decoder_gives_tensorflows_bytes(fixtures_dir):
    for path in fixture_images():
        expected = tf.io.decode_jpeg(tf.io.read_file(str(path)), channels=3).numpy()  # default dct_method
        np.testing.assert_array_equal(decode_like_tf(path), expected, err_msg=path.name)


@pytest.mark.parametrize("size", [128, 224, 97])
def test_resize_matches_tensorflow_on_fixture_images(size, fixtures_dir):
    for path in fixture_images():
        img = decode_like_tf(path)
        left, top, right, bottom = central_crop_box(img.shape[1], img.shape[0], 0.875)
        crop = np.ascontiguousarray(img[top:bottom, left:right])
        np.testing.assert_array_max_ulp(resize_bilinear_tf1(crop, size, size), tf_resize(crop, size, size), maxulp=1)
        unit = crop.astype(np.float32) * np.float32(1 / 255)  # convert_image_dtype, as TF-slim resizes it
        np.testing.assert_array_max_ulp(resize_bilinear_tf1(unit, size, size), tf_resize(unit, size, size), maxulp=1)


@pytest.mark.parametrize(
    "shape,out",
    [
        ((7, 9, 3), (128, 128)),  # strong upscale
        ((1, 1, 3), (5, 3)),  # a single pixel
        ((500, 375, 3), (16, 16)),  # strong downscale: no antialiasing, every 31st pixel or so
        ((333, 251, 3), (127, 65)),  # odd sizes, non-integer ratios
        ((2, 640, 1), (1, 300)),  # one channel, extreme aspect
        ((224, 224, 3), (224, 224)),  # identity
        ((101, 57, 4), (203, 19)),  # up one way, down the other
    ],
)
def test_resize_matches_tensorflow_on_generated_images(shape, out):
    img = np.random.default_rng(sum(shape)).integers(0, 256, size=shape, dtype=np.uint8)
    ours = resize_bilinear_tf1(img, *out)
    assert ours.dtype == np.float32 and ours.shape == (*out, shape[2])
    np.testing.assert_array_max_ulp(ours, tf_resize(img, *out), maxulp=1)


def test_non_jpeg_and_broken_files(tmp_path):
    from PIL import Image

    rgb = np.random.default_rng(1).integers(0, 256, size=(9, 11, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "a.png")
    np.testing.assert_array_equal(decode_like_tf(tmp_path / "a.png"), rgb)  # lossless: Pillow's bytes are TF's
    (tmp_path / "b.jpg").write_bytes(b"\xff\xd8 truncated jpeg")
    with pytest.raises(DatasetError, match=r"b\.jpg: not a readable image"):
        decode_like_tf(tmp_path / "b.jpg")
    with pytest.raises(DatasetError, match="not a readable image"):
        decode_like_tf(tmp_path / "missing.jpg")

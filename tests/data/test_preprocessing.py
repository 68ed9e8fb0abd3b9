"""The one preprocessing definition: crop rounding, pad/grey paths, integer input encodings."""

from __future__ import annotations

import numpy as np
import pytest

from edgepareto.data.fashion_mnist import fashion_spec
from edgepareto.data.preprocessing import PreprocessingSpec, central_crop_box, spec_beside
from edgepareto.data.presets import default_spec
from edgepareto.errors import ConfigError


@pytest.mark.parametrize("width,height", [(227, 227), (500, 375), (375, 500), (333, 250), (640, 427), (7, 9)])
def test_central_crop_matches_tensorflow(width, height):
    tf = pytest.importorskip("tensorflow")
    img = np.arange(height * width, dtype=np.int32).reshape(height, width, 1)
    cropped = tf.image.central_crop(img, 0.875).numpy()
    left, top, right, bottom = central_crop_box(width, height, 0.875)
    np.testing.assert_array_equal(img[top:bottom, left:right], cropped)


def test_fashion_spec_pads_and_replicates_grey():
    spec = fashion_spec(32)
    im = np.random.default_rng(0).integers(1, 256, size=(28, 28), dtype=np.uint8)
    out = spec.prepare_array(im)
    assert out.shape == (32, 32, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[2:30, 2:30, 0], im)
    assert np.all(out[:2] == 0) and np.all(out[:, 30:] == 0)
    np.testing.assert_array_equal(out[..., 0], out[..., 2])
    batch = spec.prepare_batch(np.stack([im, im]))
    assert batch.shape == (2, 32, 32, 3)


def test_float_encoding_is_centred_scaling():
    spec = PreprocessingSpec(size=4)
    px = np.array([0, 127, 128, 255], np.uint8)
    np.testing.assert_allclose(spec.to_input(px, "float32"), (px - 127.5) / 127.5, rtol=1e-6)


def test_google_uint8_input_takes_raw_pixels_and_other_grids_requantize():
    spec = PreprocessingSpec(size=4)
    enc = spec.encoding("uint8", 0.0078125, 128)  # Google's hosted _quant models
    assert enc.mode == "pixels"
    px = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(spec.encode(px, enc), px)
    # an int8 input calibrated on [-1, 1] is the pixel grid shifted by 128
    enc8 = spec.encoding("int8", 2 / 255, -1)
    assert enc8.mode == "pixels"
    np.testing.assert_array_equal(spec.encode(px, enc8), (px.astype(int) - 128).astype(np.int8))
    # a grid that is not the pixel grid: q = round(real / scale + zero_point), clipped
    enc_q = spec.encoding("int8", 0.02, 5)
    assert enc_q.mode == "requantize"
    expected = np.clip(np.round((px - 127.5) / 127.5 / 0.02 + 5), -128, 127)
    np.testing.assert_array_equal(spec.encode(px, enc_q), expected)
    forced = PreprocessingSpec(size=4, integer_input="requantize").encoding("uint8", 0.0078125, 128)
    assert forced.mode == "requantize"


def test_default_spec_label_offset_and_shape():
    s = default_spec((1, 128, 128, 3), 1001, 1000)
    assert (s.size, s.label_offset, s.crop_fraction, s.resize_filter) == (128, 1, 0.875, "tf1-bilinear")
    assert s.preset == "tf-slim"  # the ImageNet default: what Google's published table used
    assert default_spec((1, 224, 224, 3), 1000, 1000).label_offset == 0
    with pytest.raises(ConfigError, match="square NHWC"):
        default_spec((1, 3, 224, 224), 1000, 1000)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"crop_fraction": 0}, "crop_fraction"),
        ({"resize_filter": "area"}, "resize_filter"),
        ({"color": "RGB", "channels": 1}, "channels"),
        ({"label_offset": 2}, "label_offset"),
        ({"integer_input": "x"}, "integer_input"),
        ({"std": 0}, "std"),
    ],
)
def test_bad_fields_name_the_field(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        PreprocessingSpec(size=8, **kwargs)


def test_spec_travels_beside_the_artifact(tmp_path):
    art = tmp_path / "m.tflite"
    art.write_bytes(b"x")
    assert spec_beside(art) is None
    spec = fashion_spec(32)
    spec.save_beside(art)
    assert spec_beside(art) == spec
    assert spec.key != PreprocessingSpec(size=32).key and spec.pixel_key in spec.key

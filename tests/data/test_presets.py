"""Preprocessing presets against the libraries they name (TensorFlow, Keras) and their identities."""

from __future__ import annotations

import json

import numpy as np
import pytest

from edgepareto.data.preprocessing import PreprocessingSpec, read_sidecar, spec_beside
from edgepareto.data.presets import PRESETS, default_spec, preset_spec, sidecar_preset
from edgepareto.errors import ConfigError
from tests.conftest import IMAGENET


def first_image():
    return sorted((IMAGENET / "images").glob("*.JPEG"))[0]


def test_tf_slim_model_input_is_tf_slims_preprocess_for_eval(fixtures_dir):
    tf = pytest.importorskip("tensorflow")
    path = first_image()
    img = tf.io.decode_jpeg(tf.io.read_file(str(path)), channels=3)
    x = tf.image.convert_image_dtype(img, tf.float32)
    x = tf.image.central_crop(x, central_fraction=0.875)
    x = tf.compat.v1.image.resize_bilinear(x[None], [128, 128], align_corners=False)[0]
    expected = tf.multiply(tf.subtract(x, 0.5), 2.0).numpy()
    spec = preset_spec("tf-slim", 128)
    pixels = spec.load(path)
    assert pixels.dtype == np.float32 and spec.pixel_dtype == np.float32
    np.testing.assert_array_max_ulp(spec.to_float(pixels), expected, maxulp=1)


def test_keras_mobilenet_is_load_img_then_preprocess_input(fixtures_dir):
    keras = pytest.importorskip("keras")
    path = first_image()
    ref = np.asarray(keras.utils.load_img(path, target_size=(128, 128)), dtype=np.float32)
    expected = keras.applications.mobilenet.preprocess_input(ref.copy())
    spec = preset_spec("keras-mobilenet", 128)
    pixels = spec.load(path)
    np.testing.assert_array_equal(pixels, ref.astype(np.uint8))
    np.testing.assert_array_equal(spec.to_float(pixels), expected)


def test_torchvision_resizes_short_side_then_centre_crops_and_normalises(tmp_path):
    from PIL import Image

    spec = preset_spec("torchvision", 224)
    assert spec.short_side == 256 and spec.crop_fraction == 1.0
    img = np.random.default_rng(0).integers(0, 256, size=(375, 500, 3), dtype=np.uint8)  # H 375, W 500
    Image.fromarray(img).save(tmp_path / "a.png")
    pixels = spec.load(tmp_path / "a.png")
    resized = np.asarray(Image.fromarray(img).resize((341, 256), Image.Resampling.BILINEAR))  # int(256 * 500 / 375)
    np.testing.assert_array_equal(pixels, resized[16:240, 58:282])  # round((256-224)/2), round((341-224)/2)
    mean, std = np.float32([0.485, 0.456, 0.406]), np.float32([0.229, 0.224, 0.225])
    np.testing.assert_array_equal(spec.to_float(pixels), (pixels.astype(np.float32) / np.float32(255) - mean) / std)
    assert spec.encoding("uint8", 0.0078125, 128).mode == "requantize"  # per-channel: no pixel grid


def test_tf_slim_integer_input_is_the_pixel_grid():
    spec = preset_spec("tf-slim", 4)
    enc = spec.encoding("uint8", 0.0078125, 128)  # Google's _quant models
    assert enc.mode == "pixels"
    px = np.array([0.0, 0.4999, 0.5, 1.0], np.float32)
    np.testing.assert_array_equal(spec.encode(px, enc), np.round(px * 255).astype(np.uint8))


def test_every_preset_has_its_own_cache_key_and_round_trips():
    keys = {preset_spec(p, 128).pixel_key for p in PRESETS}
    assert len(keys) == len(PRESETS)
    for p in PRESETS:
        spec = preset_spec(p, 128, 1)
        assert PreprocessingSpec.from_json(json.loads(json.dumps(spec.to_json()))) == spec
        assert str(spec).startswith(f"{p}: ")
    legacy = PreprocessingSpec(size=128)  # a sidecar written before presets existed: same cache folder
    assert legacy.pixel_key == "s128-c0.875-bilinear-RGB3" and legacy.preset == "custom"


def test_default_is_tf_slim_and_sidecars_may_name_a_preset(tmp_path):
    assert default_spec((1, 128, 128, 3), 1001, 1000).preset == "tf-slim"
    assert default_spec((1, 128, 128, 3), 1001, 1000, preset="torchvision").short_side == 146
    with pytest.raises(ConfigError, match="is for RGB inputs"):
        default_spec((1, 32, 32, 1), 10, 10, preset="tf-slim")
    model = tmp_path / "m.tflite"
    (tmp_path / "m.tflite.preprocessing.json").write_text('{"preset": "keras-mobilenet"}')
    doc = read_sidecar(model)
    assert doc == {"preset": "keras-mobilenet"} and sidecar_preset(doc) == ("keras-mobilenet", None)
    assert spec_beside(model) is None  # needs the model's input size: resolved by the evaluator
    with pytest.raises(ConfigError, match="unknown preprocessing preset 'slim'; choose one of tf-slim"):
        sidecar_preset({"preset": "slim"})
    preset_spec("pil-bilinear", 64).save_beside(model)
    assert spec_beside(model) == preset_spec("pil-bilinear", 64)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"mean": (1.0, 2.0)}, "mean per channel needs 3"),
        ({"decoder": "cv2"}, "decoder"),
        ({"short_side": 100}, "short_side"),
        ({"normalization": "x"}, "normalization"),
        ({"resize_filter": "tf1-bilinear", "color": "L", "channels": 1}, "tf1-bilinear"),
    ],
)
def test_bad_preset_fields_name_the_field(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        PreprocessingSpec(size=128, **kwargs)


def test_naming_a_preset_beside_an_artifact(tmp_path):
    from edgepareto.data.presets import name_preset_beside

    model = tmp_path / "m.tflite"
    assert name_preset_beside(model, "torchvision") == "torchvision"
    assert read_sidecar(model) == {"preset": "torchvision"}
    assert name_preset_beside(model, "tf-slim", replace=False) == "torchvision"  # kept: another study's choice
    assert name_preset_beside(model, "tf-slim") == "tf-slim" and read_sidecar(model) == {"preset": "tf-slim"}
    with pytest.raises(ConfigError, match="unknown preprocessing preset"):
        name_preset_beside(model, "caffe")

"""Issue 31, item 18: one int8 recipe gives one file, whatever was built or converted before it in the process."""

from __future__ import annotations

import hashlib

import pytest

from edgepareto.convert.tflite import export_variant
from edgepareto.models import ModelConfig, build_model

CONFIG = ModelConfig("mobilenet_v1", 0.25, 32, 10)


def _sha(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.mark.e2e  # three TensorFlow conversions: make test-all
def test_int8_alone_equals_int8_after_fp32_in_one_call(tmp_path):
    alone = export_variant(CONFIG, ["int8"], tmp_path / "alone", calibration_samples=2)[-1]
    build_model(ModelConfig("mobilenet_v1", 0.5, 32, 10))  # more auto-named Keras layers in this process
    both = export_variant(CONFIG, ["fp32", "int8"], tmp_path / "both", calibration_samples=2)[-1]
    assert (both.bytes, _sha(both.path)) == (alone.bytes, _sha(alone.path))
    assert both.sha256 == alone.sha256

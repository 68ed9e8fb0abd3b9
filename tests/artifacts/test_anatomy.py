from __future__ import annotations

import hashlib
import os

import pytest

from edgepareto.artifacts import inspect_tflite
from edgepareto.errors import ModelFileError
from tests.conftest import FLOAT_MODEL, QUANT_MODEL


def test_quant_fixture_reports_real_input_quantization(fixtures_dir):
    a = inspect_tflite(QUANT_MODEL)
    assert a.bytes == os.path.getsize(QUANT_MODEL) == 497264
    assert a.sha256 == hashlib.sha256(QUANT_MODEL.read_bytes()).hexdigest()
    (inp,) = a.inputs
    assert inp.dtype == "uint8" and inp.shape == [1, 128, 128, 3]
    assert inp.scale == 0.0078125 and inp.zero_point == 128
    (out,) = a.outputs
    assert out.dtype == "uint8" and out.shape == [1, 1001]
    assert a.operators["CONV_2D"] == 15 and a.operators["DEPTHWISE_CONV_2D"] == 13
    assert a.weight_bytes + a.metadata_bytes + a.quantization_param_bytes + a.other_bytes == a.bytes
    assert a.weight_dtypes["UINT8"] > 0.9 * a.weight_bytes


def test_float_fixture(fixtures_dir):
    a = inspect_tflite(FLOAT_MODEL)
    assert a.bytes == 1883272
    (inp,) = a.inputs
    assert inp.dtype == "float32" and inp.scale is None
    assert a.weight_dtypes["FLOAT32"] > 0.99 * a.weight_bytes
    # float weights are ~4x the uint8 ones of the same architecture
    q = inspect_tflite(QUANT_MODEL)
    assert 3.8 < a.weight_dtypes["FLOAT32"] / q.weight_dtypes["UINT8"] < 4.1


def _expect_clean_failure(path, needle):
    with pytest.raises(ModelFileError) as info:
        inspect_tflite(path)
    msg = str(info.value)
    assert "\n" not in msg
    assert str(path) in msg
    assert needle in msg


def test_empty_random_truncated_and_missing_files(tmp_path, fixtures_dir):
    empty = tmp_path / "empty.tflite"
    empty.write_bytes(b"")
    _expect_clean_failure(empty, "empty")

    rnd = tmp_path / "random.tflite"
    rnd.write_bytes(os.urandom(4096))
    _expect_clean_failure(rnd, "not a TFLite model")

    data = QUANT_MODEL.read_bytes()
    for cut in (12, 200, len(data) // 2, len(data) - 1000):
        trunc = tmp_path / f"trunc{cut}.tflite"
        trunc.write_bytes(data[:cut])
        _expect_clean_failure(trunc, "truncated or corrupt")

    _expect_clean_failure(tmp_path / "nope.tflite", "not found")


def test_random_bytes_behind_a_valid_identifier_fail_cleanly(tmp_path):
    bad = tmp_path / "fake.tflite"
    bad.write_bytes(b"\x1c\x00\x00\x00TFL3" + os.urandom(512))
    with pytest.raises(ModelFileError, match="truncated or corrupt"):
        inspect_tflite(bad)

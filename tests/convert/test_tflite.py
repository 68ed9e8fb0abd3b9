from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from edgepareto.artifacts import inspect_tflite
from edgepareto.convert import SCHEMES, export_variant
from edgepareto.engines import open_runner, run_once
from edgepareto.errors import ConfigError
from edgepareto.models import ModelConfig

PUBLISHED_FP32_MB = {0.25: 1.9, 0.5: 5.3, 0.75: 10.3, 1.0: 16.9}


def _check_fp32_size(alpha: float, tmp_path) -> None:
    config = ModelConfig("mobilenet_v1", alpha, 224)
    (art,) = export_variant(config, ["fp32"], tmp_path)
    assert art.bytes / (PUBLISHED_FP32_MB[alpha] * 1e6) == pytest.approx(1.0, abs=0.02)
    assert art.sha256 == hashlib.sha256(Path(art.path).read_bytes()).hexdigest()


@pytest.mark.e2e
def test_fp32_size_alpha_025_within_2_percent(tmp_path):
    _check_fp32_size(0.25, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("alpha", [0.5, 0.75, 1.0])
def test_fp32_size_within_2_percent(alpha, tmp_path):
    _check_fp32_size(alpha, tmp_path)


@pytest.mark.e2e
def test_all_precisions_export_name_and_run(tmp_path):
    config = ModelConfig("mobilenet_v1", 0.25, 128, 10)
    arts = export_variant(config, ["fp32", "fp16", "int8-dynamic", "int8"], tmp_path, calibration_samples=8)
    by = {a.precision: a for a in arts}
    assert [p.split(".")[-2] for p in (a.path for a in arts)] == ["fp32", "fp16", "int8-dynamic", "int8"]
    assert all(a.path.endswith(f"mobilenet_v1_025_128_c10.{a.precision}.tflite") for a in arts)
    # fp16 halves the weights, int8 quarters them (less than 4x overall: the graph does not shrink)
    assert 1.8 < by["fp32"].bytes / by["fp16"].bytes < 2.05
    assert 2.5 < by["fp32"].bytes / by["int8"].bytes < 4.0
    assert "synthetic" in by["int8"].scheme and "per-channel" in by["int8"].scheme
    assert by["int8-dynamic"].scheme.startswith(SCHEMES["int8-dynamic"]) and "batch 1" in by["fp32"].scheme
    anatomy = inspect_tflite(by["int8"].path)
    assert anatomy.inputs[0].dtype == "int8" and anatomy.outputs[0].dtype == "int8"
    assert anatomy.weight_dtypes.get("INT8", 0) > anatomy.weight_dtypes.get("INT32", 0)
    rng = np.random.default_rng(0)
    for art in arts:
        runner = open_runner(art.path, "litert", threads=1)
        (out,) = run_once(runner, [spec.random(rng) for spec in runner.inputs])
        assert out.shape == (1, 10)
        # regression: a dynamic batch left SHAPE/STRIDED_SLICE/PACK/RESHAPE (and int8 SOFTMAX) off XNNPACK
        # (dynamic-range int8 keeps its hybrid depthwise convolutions on the built-in kernels)
        kernel = runner.info.kernel
        assert kernel.full or (art.precision == "int8-dynamic" and set(kernel.leftover) == {"DEPTHWISE_CONV_2D"})
    json.dumps([a.to_json() for a in arts])


def test_unknown_precision_is_rejected(tmp_path):
    with pytest.raises(ConfigError, match="unknown precision int4"):
        export_variant(ModelConfig("mobilenet_v1", 0.25, 128), ["int4"], tmp_path)

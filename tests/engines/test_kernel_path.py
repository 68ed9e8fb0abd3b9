"""How the graph ran: XNNPACK partitions and ops left on built-in kernels; QLinear kernels vs float in ORT."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from edgepareto.engines import KernelPath, open_runner
from edgepareto.engines.litert import delegated_nodes
from tests.conftest import FLOAT_MODEL, QUANT_MODEL


def test_google_uint8_model_is_only_partly_taken_by_xnnpack(fixtures_dir):
    k = open_runner(QUANT_MODEL, "litert").info.kernel
    assert k is not None and not k.full
    assert (k.nodes, k.taken, k.partitions) == (31, 29, 2)
    assert k.leftover == {"AVERAGE_POOL_2D": 1, "SOFTMAX": 1} and k.leftover_on == "built-in kernels"
    r = open_runner(QUANT_MODEL, "litert")
    assert r.info.kernel_path.startswith("XNNPACK delegate (partial: 29 of 31 nodes")


def test_google_float_model_is_fully_delegated_and_no_xnnpack_does_not_apply(fixtures_dir):
    on = open_runner(FLOAT_MODEL, "litert").info
    assert on.kernel.full and (on.kernel.nodes, on.kernel.taken, on.kernel.partitions) == (31, 31, 1)
    assert on.kernel_path == "XNNPACK delegate" and on.kernel.leftover == {}
    off = open_runner(QUANT_MODEL, "litert", xnnpack=False).info.kernel
    assert not off.applies and off.full and off.summary().startswith("built-in kernels")


def test_partition_walk_stops_at_partition_inputs():
    """Two partitions around one op XNNPACK refused: only the refused op is left over."""
    ops = [
        {"index": 0, "op_name": "CONV_2D", "inputs": [10, 20], "outputs": [11]},
        {"index": 1, "op_name": "SOFTMAX", "inputs": [11], "outputs": [12]},
        {"index": 2, "op_name": "CONV_2D", "inputs": [12, 21, -1], "outputs": [13]},
        {"index": 3, "op_name": "DELEGATE", "inputs": [10, 20], "outputs": [11]},
        {"index": 4, "op_name": "DELEGATE", "inputs": [12, 21], "outputs": [13]},
    ]
    assert delegated_nodes(ops) == ({0, 2}, 2)


def test_kernel_path_is_validated_and_round_trips():
    k = KernelPath("litert", "XNNPACK delegate", 5, 3, {"SOFTMAX": 2}, partitions=1)
    assert KernelPath.from_json(json.loads(json.dumps(k.to_json()))) == k and k.to_json()["full"] is False
    with pytest.raises(ValueError, match="add up"):
        KernelPath("litert", "XNNPACK delegate", 5, 3, {"SOFTMAX": 1})
    with pytest.raises(ValueError, match="taken"):
        KernelPath("litert", "XNNPACK delegate", 2, 3)


@pytest.fixture(scope="module")
def onnx_int8(tmp_path_factory):
    from edgepareto.convert.onnx import export_onnx
    from edgepareto.models import ModelConfig

    out = tmp_path_factory.mktemp("onnx")
    config = ModelConfig("mobilenet_v1", alpha=0.25, resolution=32, num_classes=10)
    return {a.precision: a.path for a in export_onnx(config, ["fp32", "int8"], out, calibration_samples=4)}


def test_onnxruntime_reports_qlinear_kernels_or_the_float_fallback(onnx_int8):
    full = open_runner(onnx_int8["int8"], "onnxruntime").info.kernel
    assert full.full and full.applies and full.path == "CPUExecutionProvider"
    assert full.kernels.get("QLinearConv") == 28 and full.taken == full.nodes
    fallback = open_runner(onnx_int8["int8"], "onnxruntime", optimization="disable").info
    assert not fallback.kernel.full and fallback.kernel.leftover == {"Conv": 28} and fallback.kernel.taken == 0
    assert "float kernels (quantized model): 28 Conv" in fallback.kernel_path
    fp32 = open_runner(onnx_int8["fp32"], "onnxruntime").info.kernel
    assert not fp32.applies and fp32.full


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edgepareto", "bench", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=dict(os.environ),
    )


def test_bench_warns_on_partial_delegation_and_the_record_carries_it(fixtures_dir):
    r = _bench(str(QUANT_MODEL), "--runs", "3", "--warmup", "1", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["delegation"]["full"] is False and doc["delegation"]["leftover"] == {"AVERAGE_POOL_2D": 1, "SOFTMAX": 1}
    assert any(w.startswith("partly delegated: XNNPACK delegate took 29 of 31") for w in doc["warnings"])
    warned = [ln for ln in r.stderr.splitlines() if "partly delegated" in ln]
    assert len(warned) == 1 and "1 AVERAGE_POOL_2D, 1 SOFTMAX" in warned[0]


@pytest.mark.e2e
def test_require_full_delegation_fails_in_one_line(fixtures_dir):
    r = _bench(str(QUANT_MODEL), "--runs", "3", "--require-full-delegation", "--json")
    assert r.returncode != 0 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "--require-full-delegation refuses it" in lines[0] and "SOFTMAX" in lines[0]
    ok = _bench(str(FLOAT_MODEL), "--runs", "3", "--warmup", "1", "--require-full-delegation", "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["delegation"]["full"] is True


def test_onnxruntime_float_fallback_warning_names_the_float_ops(onnx_int8):
    from edgepareto.bench._child import delegation_warning

    kernel = open_runner(onnx_int8["int8"], "onnxruntime", optimization="disable").info.kernel
    assert delegation_warning(kernel.to_json()) == (
        "partly delegated: CPUExecutionProvider ran 0 of 28 compute nodes as integer kernels; "
        "on float kernels (quantized model): 28 Conv"
    )
    assert delegation_warning(open_runner(onnx_int8["int8"], "onnxruntime").info.kernel.to_json()) is None

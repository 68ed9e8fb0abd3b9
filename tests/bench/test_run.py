"""measure(): a real child process per measurement; crashes, hangs and bad models become failed records."""

from __future__ import annotations

import sys

import pytest

from edgepareto.bench import Measurement, Protocol, measure, run_child
from edgepareto.errors import DeviceError, EngineError
from tests.conftest import QUANT_MODEL

QUICK = Protocol(name="test", warmup=1, runs=8)


def test_measure_pins_and_reports_everything(fixtures_dir):
    seen = []
    m = measure(QUANT_MODEL, cpus=[0], protocol=QUICK, progress=lambda *a: seen.append(a))
    assert m.ok, m.error
    assert m.runs == 8 and m.cpus == [0] and m.threads == 1
    assert m.pinning["status"] == "verified" and m.pinning["threads"] >= 1
    assert m.ci95_median_ms[0] <= m.median_ms <= m.ci95_median_ms[1]
    assert m.min_ms <= m.median_ms <= m.p90_ms <= m.p99_ms <= m.max_ms
    assert m.peak_rss_bytes > 0 and m.device_id and m.protocol["runs"] == 8
    assert m.inputs[0]["dtype"] == "uint8"
    assert ("warmup", 1, 1) in seen and seen[-1] == ("runs", 8, 8)
    assert Measurement.from_json(m.to_json()) == m


def test_measure_by_cluster_name(float_model):
    from edgepareto.bench import discover_host

    name = discover_host().clusters[0].name
    m = measure(float_model, cluster=name, protocol=QUICK, xnnpack=False)
    assert m.ok and m.cluster == name and m.kernel_path.startswith("builtin kernels")


def test_setting_errors_raise_one_line(float_model):
    with pytest.raises(DeviceError, match="does not exist on this host"):
        measure(float_model, cluster="no-such-cluster", protocol=QUICK)
    with pytest.raises(DeviceError, match="offline or absent"):
        measure(float_model, cpus=[4095], protocol=QUICK)
    with pytest.raises(EngineError, match="unknown engine"):
        measure(float_model, engine="nope", protocol=QUICK)


def test_model_problems_are_failed_records_not_exceptions(tmp_path):
    missing = measure(tmp_path / "gone.tflite", protocol=QUICK)
    assert missing.status == "failed" and missing.error_kind == "model" and "not found" in missing.error
    corrupt = tmp_path / "corrupt.tflite"
    corrupt.write_bytes(b"\x1c\x00\x00\x00TFL3" + b"\x00" * 64)
    m = measure(corrupt, protocol=QUICK)
    assert m.status == "failed" and m.error_kind == "model" and "\n" not in m.error


def test_dynamic_input_is_refused_with_the_fix(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "height", "width", 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "height", "width", 3])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "dyn", [x], [y])
    path = tmp_path / "dynamic.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    m = measure(path, engine="onnxruntime", protocol=QUICK)
    assert m.status == "failed" and m.error_kind == "model"
    assert "dynamic shape" in m.error and "fixed input shape" in m.error


def _script(tmp_path, body: str) -> str:
    """A stand-in interpreter that runs ``body`` instead of the child: a real process that crashes or hangs."""
    exe = tmp_path / "python-under-test"
    exe.write_text(f"#!{sys.executable}\nimport os, signal, sys, time\n{body}\n")
    exe.chmod(0o755)
    return str(exe)


def test_a_crashing_engine_becomes_a_one_line_failure(tmp_path):
    py = _script(tmp_path, "print('loading model', file=sys.stderr); os.kill(os.getpid(), signal.SIGSEGV)")
    m = run_child({"model": "m.tflite", "engine": "litert", "threads": 1}, timeout_s=30, python=py)
    assert m.status == "failed" and m.error_kind == "crash"
    assert m.error == "the engine crashed while measuring (signal 11 (SIGSEGV)): loading model"


def test_a_hanging_engine_is_killed_at_the_timeout(tmp_path):
    py = _script(tmp_path, "time.sleep(60)")
    m = run_child({"model": "m.tflite", "engine": "litert", "threads": 1}, timeout_s=1.0, python=py)
    assert m.status == "failed" and m.error_kind == "timeout" and "within 1 s" in m.error


def test_peak_memory_is_the_childs_not_the_callers(float_model):
    import numpy as np

    ballast = np.ones(400_000_000 // 8)  # the caller holds 400 MB; the child must not report it
    m = measure(float_model, protocol=QUICK)
    assert ballast.sum() > 0
    assert m.ok and 0 < m.rss_before_load_bytes < m.peak_rss_bytes < 300_000_000

"""Both engines behind one Runner: real LiteRT and real ONNX Runtime on real files."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from edgepareto.engines import engine_names, open_runner, run_once
from edgepareto.errors import EngineError, ModelFileError
from tests.conftest import FLOAT_MODEL, QUANT_MODEL


@pytest.fixture(scope="module")
def onnx_pair(tmp_path_factory):
    """fp32 and static QDQ int8 ONNX files of MobileNet v1 0.25 @ 96 converted from Keras with tf2onnx."""
    from edgepareto.convert.onnx import export_onnx
    from edgepareto.models import ModelConfig

    out = tmp_path_factory.mktemp("onnx")
    arts = export_onnx(
        ModelConfig("mobilenet_v1", alpha=0.25, resolution=96, num_classes=10),
        ["fp32", "int8"],
        out,
        calibration_samples=8,
    )
    return {a.precision: a for a in arts}


def test_both_engines_are_registered():
    assert {"litert", "onnxruntime"} <= set(engine_names())


def test_litert_records_kernel_path_and_xnnpack_switch_gives_same_outputs(fixtures_dir):
    x = np.random.default_rng(0).uniform(-1, 1, (1, 128, 128, 3)).astype(np.float32)
    on = open_runner(FLOAT_MODEL, "litert", threads=1)
    off = open_runner(FLOAT_MODEL, "litert", threads=1, xnnpack=False)
    assert on.info.kernel_path == "XNNPACK delegate" and off.info.kernel_path.startswith("builtin kernels")
    assert on.info.threads == 1 and on.info.version.startswith("ai-edge-litert")
    np.testing.assert_allclose(run_once(on, [x])[0], run_once(off, [x])[0], atol=1e-4)
    q = open_runner(QUANT_MODEL, "litert")
    assert q.inputs[0].dtype == "uint8" and q.inputs[0].signature == (1, 128, 128, 3)
    assert not q.inputs[0].dynamic_beyond_batch


def test_litert_info_chatter_is_dropped_and_other_native_output_kept(float_model):
    """A fresh process: the runtime logs its INFO line once per process, at the first allocation."""
    code = textwrap.dedent(f"""
        import os
        from edgepareto.engines import open_runner
        from edgepareto.engines.litert import _native_info_dropped
        open_runner({str(float_model)!r}, "litert", threads=1)
        with _native_info_dropped():
            os.write(2, b"INFO: noise\\nWARNING: kept\\n")
        os.write(2, b"after\\n")
    """)
    err = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stderr
    assert "INFO:" not in err and "XNNPACK" not in err
    assert err.endswith("WARNING: kept\nafter\n")


def test_onnx_files_run_in_onnxruntime_and_int8_is_qdq_per_channel(onnx_pair):
    from edgepareto.convert.onnx import describe

    fp32, int8 = onnx_pair["fp32"], onnx_pair["int8"]
    assert fp32.format == "onnx" and fp32.path.endswith("mobilenet_v1_025_96_c10.fp32.onnx")
    assert int8.bytes < fp32.bytes / 2
    ops = describe(int8.path)["ops"]
    assert ops.get("QuantizeLinear", 0) > 10 and ops.get("DequantizeLinear", 0) > 10
    import onnx

    m = onnx.load(int8.path)
    inits = {i.name: i for i in m.graph.initializer}
    per_channel = [
        n
        for n in m.graph.node
        if n.op_type == "DequantizeLinear"
        and len(n.input) > 1
        and len(inits[n.input[1]].dims) == 1
        and inits[n.input[1]].dims[0] > 1
    ]
    assert per_channel, "weights should carry one scale per output channel"
    x = np.random.default_rng(1).uniform(-1, 1, (1, 96, 96, 3)).astype(np.float32)
    outs = {}
    for art in (fp32, int8):
        r = open_runner(art.path, "onnxruntime", threads=1)
        assert r.inputs[0].shape == (1, 96, 96, 3) and r.inputs[0].dtype == "float32"
        assert r.info.engine == "onnxruntime" and "MLAS" in r.info.kernel_path
        outs[art.precision] = run_once(r, [x])[0]
        assert outs[art.precision].shape == (1, 10)
    np.testing.assert_allclose(outs["fp32"].sum(), 1.0, rtol=1e-4)  # softmax


def test_onnx_matches_the_tflite_of_the_same_keras_model(tmp_path):
    from edgepareto.convert import export_variant
    from edgepareto.convert.onnx import export_onnx
    from edgepareto.models import ModelConfig, build_model

    config = ModelConfig("mobilenet_v1", alpha=0.25, resolution=64, num_classes=10)
    model = build_model(config, seed=3)
    (tfl,) = export_variant(config, ["fp32"], tmp_path, model=model)
    (onx,) = export_onnx(config, ["fp32"], tmp_path, model=model)
    x = np.random.default_rng(2).uniform(-1, 1, (1, 64, 64, 3)).astype(np.float32)
    a = run_once(open_runner(tfl.path, "litert"), [x])[0]
    b = run_once(open_runner(onx.path, "onnxruntime"), [x])[0]
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_bad_input_is_one_line(tmp_path, float_model):
    with pytest.raises(EngineError, match="unknown engine 'tvm'; choose from"):
        open_runner(float_model, "tvm")
    with pytest.raises(ModelFileError, match="model file not found"):
        open_runner(tmp_path / "none.onnx", "onnxruntime")
    with pytest.raises(ModelFileError, match=r"runs \.onnx files"):
        open_runner(float_model, "onnxruntime")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07garbage")
    with pytest.raises(EngineError, match="ONNX Runtime cannot load this model") as exc:
        open_runner(bad, "onnxruntime")
    assert "\n" not in str(exc.value)

"""The cost read from a file's graph equals the analytic model for every built v1 file, and the
published figures for Google's hosted files."""

from __future__ import annotations

import json

import pytest

from edgepareto.artifacts import graph_cost
from edgepareto.errors import ModelFileError
from edgepareto.models import ModelConfig, cost_of
from tests.cli_support import cli
from tests.conftest import FLOAT_MODEL, QUANT_MODEL

from .conftest import V1_GRID


@pytest.mark.e2e  # builds and converts Keras models in its fixture (tens of seconds): make test-all
@pytest.mark.parametrize(("alpha", "res"), V1_GRID)
def test_every_built_v1_file_costs_what_the_analytic_model_says(v1_files, alpha, res):
    analytic = cost_of(ModelConfig("mobilenet_v1", alpha, res))
    files = v1_files[(alpha, res)]
    assert {f.suffix for f in files} >= {".tflite"} and len(files) >= 2
    for path in files:
        g = graph_cost(path)
        assert (g.macs, g.params) == (analytic.macs, analytic.params_folded), path.name
        # layer by layer: the same kinds, shapes and strides as the hand-written list, in order
        read = g.cost_report().layers
        assert [(x.kind, x.kernel, x.in_channels, x.out_channels, x.out_side, x.stride) for x in read] == [
            (x.kind, x.kernel, x.in_channels, x.out_channels, x.out_side, x.stride) for x in analytic.layers
        ], path.name


@pytest.mark.e2e  # builds and converts Keras models in its fixture (tens of seconds): make test-all
def test_precisions_differ_in_activation_bytes_not_in_cost(v1_files):
    by_name = {p.name: graph_cost(p) for p in v1_files[V1_GRID[0]]}
    fp32, int8 = by_name["mobilenet_v1_025_96.fp32.tflite"], by_name["mobilenet_v1_025_96.int8.tflite"]
    fp16 = by_name["mobilenet_v1_025_96.fp16.tflite"]
    assert fp32.macs == int8.macs == fp16.macs
    # fp16's weight DEQUANTIZEs run once: it moves the same activations as fp32; int8 a quarter or so
    assert fp16.activation_bytes == fp32.activation_bytes
    assert 0.2 < int8.activation_bytes / fp32.activation_bytes < 0.3
    assert any(op.op_type == "DEQUANTIZE" and op.activation_bytes == 0 for op in fp16.ops)


@pytest.mark.e2e  # builds and converts Keras models in its fixture (tens of seconds): make test-all
def test_onnx_graph_reads_the_same_layers_as_tflite(v1_files):
    files = {p.name: p for p in v1_files[(0.5, 128)]}
    t, o = graph_cost(files["mobilenet_v1_050_128.fp32.tflite"]), graph_cost(files["mobilenet_v1_050_128.fp32.onnx"])
    assert o.source == "onnx" and t.source == "tflite"
    assert [op.macs for op in o.compute_ops] == [op.macs for op in t.compute_ops]
    q = graph_cost(files["mobilenet_v1_050_128.int8.onnx"])  # QDQ: weights behind DequantizeLinear
    assert (q.macs, q.params) == (t.macs, t.params)


# TF-slim's MobileNet v1 table (tensorflow/models, research/slim/nets/mobilenet_v1.md): the hosted
# MobileNet_v1_0.25_128 and its _quant twin, 14 million MACs and 0.47 million parameters (given to
# two significant digits: 13.5 to 14.5 and 0.465 to 0.475 round to them).
@pytest.mark.parametrize("path", [FLOAT_MODEL, QUANT_MODEL], ids=["float", "quant"])
def test_hosted_files_match_the_published_table(fixtures_dir, path):
    g = graph_cost(path)
    assert round(g.macs / 1e6) == 14 and round(g.params / 1e6, 2) == 0.47
    # and exactly the analytic model of the same variant (1001 outputs: background first)
    analytic = cost_of(ModelConfig("mobilenet_v1", 0.25, 128, 1001))
    assert (g.macs, g.params) == (analytic.macs, analytic.params_folded) == (13_570_304, 467_593)
    assert [op.kind for op in g.ops][-4:] == ["pooling", "fully_connected", "data", "data"]


def test_cost_file_cli_shows_the_graph_and_the_analytic_check(fixtures_dir, capsys):
    rc, out, _ = cli(capsys, "cost", str(QUANT_MODEL), "--json")
    doc = json.loads(out)
    assert rc == 0 and doc["source"] == "tflite" and doc["macs"] == 13_570_304
    assert doc["analytic"] == {"model": "mobilenet_v1_025_128_c1001", "macs": 13_570_304, "params_folded": 467_593}
    assert sum(op["macs"] for op in doc["ops"]) == doc["macs"] and doc["by_kind"]["depthwise"]["ops"] == 13
    rc, out, _ = cli(capsys, "cost", str(FLOAT_MODEL))
    assert rc == 0 and "DEPTHWISE_CONV_2D" in out and "13.57 M multiply-adds" in out


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("x.tflite", b"", "empty"),
        ("x.tflite", b"12345678not a model", "TFL3"),
        ("x.onnx", b"\x00\x01garbage", "not a readable ONNX model"),
        ("x.txt", b"hello", "pass a .tflite or .onnx"),
    ],
)
def test_bad_files_are_one_line_errors(tmp_path, capsys, name, content, needle):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=needle):
        graph_cost(path)
    rc, out, err = cli(capsys, "cost", str(path))
    assert rc == 2 and out == "" and needle in err and err.strip().count("\n") == 0


@pytest.mark.e2e  # builds and converts Keras models in its fixture (tens of seconds): make test-all
def test_a_v3_file_costs_what_its_keras_model_says(v3_small_files):
    """Every precision and format of a built v3-Small file: the family's cost (read from the Keras model) exactly."""
    family = cost_of(ModelConfig("mobilenet_v3_small", 0.75, 96))
    assert {p.name.split(".", 1)[1] for p in v3_small_files} == {
        "fp32.tflite",
        "fp16.tflite",
        "int8-dynamic.tflite",
        "int8.tflite",
        "fp32.onnx",
        "int8.onnx",
    }
    for path in v3_small_files:
        g = graph_cost(path)
        assert (g.macs, g.params) == (family.macs, family.params_folded), path.name
        assert g.by_kind()["elementwise"]["other_ops"] > 0  # hard-swish, the SE blocks' MUL, residual ADDs
        assert max(op.spec.kernel for op in g.compute_ops if op.spec) == 5
        if path.suffix == ".tflite":
            assert {op.op_type for op in g.ops} >= {"HARD_SWISH", "MUL", "ADD", "DEPTHWISE_CONV_2D"}


@pytest.mark.e2e  # builds and converts Keras models in its fixture (tens of seconds): make test-all
def test_profile_maps_a_v3_file_onto_its_layers(v3_small_files):
    """profile's layer map works for a Keras-read family: every compute operator lands on a layer of its kind."""
    from edgepareto.profile import profile_file

    path = next(p for p in v3_small_files if p.name.endswith(".int8.tflite"))
    doc = profile_file(path, engine="litert", bench=False)
    g = graph_cost(path)
    assert len(doc["layers"]) == len(g.compute_ops) and doc["variant"] == "mobilenet_v3_small_075_96.int8"
    assert sum(row["macs"] for row in doc["layers"]) == g.macs
    assert [row["kind"] for row in doc["layers"]] == [op.kind for op in g.compute_ops]


@pytest.mark.e2e  # builds and converts Keras models in its fixture (tens of seconds): make test-all
def test_profile_maps_a_file_of_an_unknown_family_onto_its_graph(v3_small_files, tmp_path):
    """A family this tool does not know: the layer map comes from the file's own graph."""
    import shutil

    from edgepareto.profile import profile_file

    src = next(p for p in v3_small_files if p.name.endswith(".int8.tflite"))
    path = tmp_path / "their_net_100_96.int8.tflite"
    shutil.copyfile(src, path)
    doc = profile_file(path, engine="litert", bench=False)
    g = graph_cost(path)
    assert [row["layer"] for row in doc["layers"]] == [op.name for op in g.compute_ops]
    assert sum(row["macs"] for row in doc["layers"]) == g.macs


@pytest.mark.e2e  # builds and converts Keras models in its fixture (tens of seconds): make test-all
def test_predict_features_from_a_files_graph_equal_the_familys(v3_small_files):
    """predict's features for a v3 variant: from the family (Keras-read) or from any file's graph, the same."""
    from edgepareto.models import Variant
    from edgepareto.predict import features_of

    for path in v3_small_files:
        variant = Variant.parse(path.name)
        from_graph = features_of(variant, graph_cost(path).cost_report())
        assert from_graph.to_json() == features_of(variant).to_json()
        assert from_graph.macs == cost_of(variant.config).macs and dict(from_graph.macs_by_kind)["depthwise"] > 0


def _tiny_onnx(path, *, batch):
    """A PyTorch-style graph: a grouped 3x3 conv, HardSigmoid/Mul, global pooling, Flatten, Gemm (transB)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.zeros((16, 4, 3, 3), np.float32), "w")  # 16 out, 16 in, 4 groups
    fc = numpy_helper.from_array(np.zeros((10, 16), np.float32), "fc")  # [N, K], transB=1
    fcb = numpy_helper.from_array(np.zeros((10,), np.float32), "fcb")
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], group=4, strides=[2, 2], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
        helper.make_node("HardSigmoid", ["c"], ["h"]),
        helper.make_node("Mul", ["c", "h"], ["m"]),
        helper.make_node("GlobalAveragePool", ["m"], ["p"]),
        helper.make_node("Flatten", ["p"], ["f"]),
        helper.make_node("Gemm", ["f", "fc", "fcb"], ["y"], transB=1),
    ]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 16, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 10])
    graph = helper.make_graph(nodes, "tiny", [x], [y], initializer=[w, fc, fcb])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))


@pytest.mark.parametrize("batch", [1, "N"], ids=["batch1", "dynamic-batch"])
def test_an_onnx_graph_of_another_origin(tmp_path, batch):
    path = tmp_path / "tiny.onnx"
    _tiny_onnx(path, batch=batch)
    g = graph_cost(path)
    conv, fc = g.compute_ops
    assert (conv.kind, conv.macs, conv.params) == ("grouped", 4 * 4 * 16 * 9 * 4, 16 * 4 * 9 + 16)
    assert (fc.kind, fc.macs, fc.params) == ("fully_connected", 16 * 10, 16 * 10 + 10)
    assert [op.kind for op in g.ops] == ["grouped", "elementwise", "elementwise", "pooling", "data", "fully_connected"]
    assert g.other_ops == 2 * 16 * 4 * 4 + 16 * 4 * 4
    with pytest.raises(ValueError, match="outside formulas"):
        g.cost_report()  # a grouped convolution is none of the seed's kinds

"""The general operator formulas and their special cases, the seed's equations (1)-(3)."""

from __future__ import annotations

import pytest

from edgepareto.models import LayerSpec
from edgepareto.models.graph import Conv, GraphCost, GraphOp, conv_op, dense_op, other_op


def _conv(out_side, out_c, k, in_c, groups, in_side):
    return Conv(out_side, out_side, out_c, k, k, in_c, groups, in_side, in_side)


@pytest.mark.parametrize(
    ("conv", "kind", "macs"),
    [
        (_conv(112, 32, 3, 3, 1, 224), "standard", 3 * 3 * 3 * 32 * 112**2),  # (1) D_K^2 M N D_F^2
        (_conv(56, 64, 3, 64, 64, 112), "depthwise", 3 * 3 * 64 * 56**2),  # (2) D_K^2 M D_F^2
        (_conv(56, 128, 1, 64, 1, 56), "pointwise", 64 * 128 * 56**2),  # (3) M N D_F^2
        (_conv(1, 1000, 1, 1024, 1, 1), "fully_connected", 1024 * 1000),  # M N
    ],
)
def test_the_general_convolution_is_the_seeds_formulas(conv, kind, macs):
    assert conv.kind == kind and conv.macs == macs
    spec = conv.spec("x")
    assert spec is not None and spec.kind == kind and spec.macs == macs and spec.params_folded == conv.params


def test_grouped_and_non_square_convolutions_are_priced_without_a_layer_spec():
    grouped = _conv(28, 64, 3, 64, 4, 28)
    assert grouped.kind == "grouped" and grouped.macs == 28 * 28 * 64 * 9 * 16 and grouped.spec("g") is None
    wide = Conv(10, 20, 8, 1, 7, 8, 1, 10, 20)
    assert wide.kind == "standard" and wide.macs == 10 * 20 * 8 * 7 * 8 and wide.spec("w") is None
    with pytest.raises(ValueError, match="groups do not divide"):
        _conv(8, 10, 3, 12, 4, 8)


def test_other_operators_cost_no_macs():
    add = other_op(0, "ADD", "a", in_elements=200, out_elements=100, activation_bytes=1200, out_shape=(1, 100))
    pool = other_op(1, "MEAN", "p", in_elements=49 * 8, out_elements=8, activation_bytes=0, out_shape=(1, 8))
    reshape = other_op(2, "RESHAPE", "r", in_elements=8, out_elements=8, activation_bytes=64, out_shape=(1, 8))
    assert [(o.kind, o.macs, o.other_ops) for o in (add, pool, reshape)] == [
        ("elementwise", 0, 100),
        ("pooling", 0, 392),
        ("data", 0, 0),
    ]


def test_graph_cost_totals_and_its_cost_report():
    ops = (
        conv_op(0, "CONV_2D", "c", _conv(4, 8, 3, 3, 1, 8), activation_bytes=10, out_shape=(1, 4, 4, 8)),
        dense_op(
            1, "FULLY_CONNECTED", "fc", rows=1, in_features=8, out_features=10, activation_bytes=5, out_shape=(1, 10)
        ),
    )
    g = GraphCost("m", "tflite", ops)
    assert g.macs == 4 * 4 * 8 * 27 + 80 and g.params == (27 * 8 + 8) + (80 + 10)
    report = g.cost_report()
    assert report.macs == g.macs and report.params_folded == g.params == report.params
    assert g.to_json()["by_kind"]["fully_connected"] == {"ops": 1, "macs": 80, "params": 90, "other_ops": 0}
    grouped = conv_op(2, "Conv", "g", _conv(4, 8, 3, 8, 2, 4), activation_bytes=0, out_shape=())
    with pytest.raises(ValueError, match="outside formulas"):
        GraphCost("m", "onnx", (*ops, grouped)).cost_report()


def test_an_op_whose_spec_disagrees_with_its_shapes_is_refused():
    spec = LayerSpec("x", "pointwise", 1, 4, 4, 2, batchnorm=False)
    with pytest.raises(ValueError, match="prices it differently"):
        GraphOp(0, "CONV_2D", "x", "pointwise", macs=1, params=spec.params_folded, spec=spec)

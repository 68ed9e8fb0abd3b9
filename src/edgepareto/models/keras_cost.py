"""The cost of a built Keras model, read from its layers: what a family without a hand-written
layer list (MobileNet v2, v3) uses as its cost function.

Each ``Conv2D``, ``DepthwiseConv2D`` and ``Dense`` layer is priced by ``models.graph`` from its
input and output shapes, as the file readers price a converted graph; a convolution without a
bias is followed by BatchNorm in the Keras applications, so its :class:`LayerSpec` counts
BatchNorm's scale and offset as learned parameters (``params``), exactly as Keras does.
"""

from __future__ import annotations

from typing import Any

from edgepareto.models.cost import CostReport
from edgepareto.models.graph import Conv, GraphCost, GraphOp, conv_op, dense_op


def keras_graph_cost(model: Any) -> GraphCost:
    """Every convolution and fully connected layer of ``model`` (batch 1, float32 activations)."""
    import keras

    ops: list[GraphOp] = []
    for layer in model.layers:
        if isinstance(layer, (keras.layers.DepthwiseConv2D, keras.layers.Conv2D)):
            ops.append(_conv(len(ops), layer, depthwise=isinstance(layer, keras.layers.DepthwiseConv2D)))
        elif isinstance(layer, keras.layers.Dense):
            (_, n_in), (_, n_out) = layer.input.shape, layer.output.shape
            ops.append(
                dense_op(
                    len(ops),
                    "Dense",
                    layer.name,
                    rows=1,
                    in_features=n_in,
                    out_features=n_out,
                    activation_bytes=4 * (n_in + n_out),
                    out_shape=(1, n_out),
                )
            )
    return GraphCost(model.name, "keras", tuple(ops))


def _conv(index: int, layer: Any, *, depthwise: bool) -> GraphOp:
    (_, in_h, in_w, in_c), (_, out_h, out_w, out_c) = layer.input.shape, layer.output.shape
    kh, kw = layer.kernel_size
    groups = in_c if depthwise else layer.groups
    conv = Conv(out_h, out_w, out_c, kh, kw, in_c, groups, in_h, in_w, stride=layer.strides[0])
    act = 4 * (in_h * in_w * in_c + out_h * out_w * out_c)
    shape = (1, out_h, out_w, out_c)
    op = conv_op(index, type(layer).__name__, layer.name, conv, activation_bytes=act, out_shape=shape)
    if op.spec is not None and not layer.use_bias:  # Keras applications: Conv2D(use_bias=False) + BatchNorm
        return GraphOp(
            op.index,
            op.op_type,
            op.name,
            op.kind,
            macs=op.macs,
            params=op.params,
            activation_bytes=op.activation_bytes,
            out_shape=op.out_shape,
            spec=conv.spec(layer.name, batchnorm=True),
        )
    return op


def keras_cost_report(model: Any, name: str) -> CostReport:
    """The model's layers as the analytic model's :class:`CostReport` (formulas 1-5)."""
    report = keras_graph_cost(model).cost_report()
    return CostReport(name, report.layers)

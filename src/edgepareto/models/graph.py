"""The cost of any graph: per-operator multiply-adds, parameters and activation bytes.

Pure, no file I/O: a reader (``artifacts.graph_cost`` for ``.tflite`` and ``.onnx`` files)
describes each operator by its tensor shapes and this module prices it. The seed's formulas
are the special cases: a convolution costs ``out_positions * out_channels * k_h * k_w *
in_channels / groups`` multiply-adds, which is (1) standard for ``groups = 1``, (2) depthwise
for ``groups = channels`` and (3) pointwise for a 1x1 kernel; a fully connected layer ``M * N``
per row. Such an operator also carries the :class:`LayerSpec` the analytic model would write
for it, so a file's cost and the hand-written model are compared layer by layer.

Only convolutions and fully connected layers have multiply-adds (what the published tables
count). Element-wise operators (ADD, MUL, HARD_SWISH, ...) and pooling count their
arithmetic separately as ``other_ops`` (one per output element, or per input element for a
pooling); data movement (RESHAPE, PAD, SOFTMAX, QUANTIZE, DEQUANTIZE, ...) costs neither.
Parameters are what a deployed layer holds with BatchNorm folded in: its weights plus one bias
per output channel (the analytic model's ``params_folded``), whether or not the file stores the
bias (tf2onnx drops an all-zero bias, which a randomly initialised model has) and whether or not
the converter left BatchNorm's per-channel scale beside the convolution as a MUL (it folds into
the same weights, so it is not counted again).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, cast

from edgepareto.models.cost import KINDS, CostReport, LayerKind, LayerSpec

OP_KINDS: tuple[str, ...] = (*KINDS, "grouped", "elementwise", "pooling", "data")
ELEMENTWISE: frozenset[str] = frozenset(
    {"ADD", "SUB", "MUL", "DIV", "HARD_SWISH", "LOGISTIC", "RELU", "RELU6", "RELU_N1_TO_1", "TANH", "PRELU",
     "LEAKY_RELU", "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE", "RSQRT", "SQRT", "EXP",
     "Add", "Sub", "Mul", "Div", "HardSwish", "HardSigmoid", "Sigmoid", "Relu", "Clip", "Tanh", "PRelu",
     "LeakyRelu", "Max", "Min", "Sqrt", "Exp", "QLinearAdd", "QLinearMul", "QLinearSigmoid", "QLinearLeakyRelu"}
)  # fmt: skip
POOLING: frozenset[str] = frozenset(
    {"AVERAGE_POOL_2D", "MAX_POOL_2D", "L2_POOL_2D", "MEAN", "SUM", "REDUCE_MAX",
     "AveragePool", "MaxPool", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceSum", "ReduceMax",
     "QLinearAveragePool", "QLinearGlobalAveragePool"}
)  # fmt: skip


@dataclass(frozen=True)
class GraphOp:
    """One operator of a model file, in execution order, with what it costs per inference (batch 1)."""

    index: int
    op_type: str  # as the file names it: CONV_2D, DEPTHWISE_CONV_2D, Conv, Gemm, ADD, ...
    name: str  # its (first) output tensor
    kind: str  # a cost-model kind (standard, depthwise, pointwise, fully_connected) or grouped/elementwise/...
    macs: int = 0
    other_ops: int = 0
    params: int = 0
    activation_bytes: int = 0  # non-constant inputs read plus outputs written, at the file's dtypes
    out_shape: tuple[int, ...] = ()  # as the file states it (NHWC for TFLite, NCHW for ONNX)
    spec: LayerSpec | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in OP_KINDS:
            raise ValueError(f"operator kind must be one of {OP_KINDS}, got {self.kind!r}")
        for f in ("index", "macs", "other_ops", "params", "activation_bytes"):
            if getattr(self, f) < 0:
                raise ValueError(f"{f} must be >= 0, got {getattr(self, f)}")
        if self.spec is not None and (self.spec.macs, self.spec.params_folded) != (self.macs, self.params):
            raise ValueError(f"{self.name}: its layer spec prices it differently from its shapes")

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index, "op_type": self.op_type, "name": self.name, "kind": self.kind,
            "macs": self.macs, "other_ops": self.other_ops, "params": self.params,
            "activation_bytes": self.activation_bytes, "out_shape": list(self.out_shape),
        }  # fmt: skip


@dataclass(frozen=True)
class Conv:
    """A convolution as a reader sees it: output positions and channels, kernel, input channels, groups.

    A convolution whose input and output are 1x1 maps is a fully connected layer written as one.
    """

    out_h: int
    out_w: int
    out_channels: int
    kernel_h: int
    kernel_w: int
    in_channels: int  # of the input map (not per group)
    groups: int
    in_h: int
    in_w: int
    stride: int = 0  # as the file states it; 0: inferred from the input and output sides

    def __post_init__(self) -> None:
        for f in ("out_h", "out_w", "out_channels", "kernel_h", "kernel_w", "in_channels", "groups", "in_h", "in_w"):
            if getattr(self, f) < 1:
                raise ValueError(f"convolution {f} must be >= 1, got {getattr(self, f)}")
        if self.stride < 0:
            raise ValueError(f"convolution stride must be >= 0 (0: inferred), got {self.stride}")
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(f"{self.groups} groups do not divide {self.in_channels} -> {self.out_channels} channels")

    @property
    def macs(self) -> int:
        per_position = self.kernel_h * self.kernel_w * (self.in_channels // self.groups)
        return self.out_h * self.out_w * self.out_channels * per_position

    @property
    def params(self) -> int:
        """Weights plus one bias per output channel (BatchNorm folded)."""
        weights = self.kernel_h * self.kernel_w * (self.in_channels // self.groups) * self.out_channels
        return weights + self.out_channels

    @property
    def kind(self) -> str:
        if self.groups == self.in_channels == self.out_channels and self.groups > 1:
            return "depthwise"
        if self.groups > 1:
            return "grouped"
        if (self.kernel_h, self.kernel_w) == (1, 1):
            return "fully_connected" if self.in_h * self.in_w == 1 == self.out_h * self.out_w else "pointwise"
        return "standard"

    def spec(self, name: str, *, batchnorm: bool = False) -> LayerSpec | None:
        """The analytic model's layer (formula 1, 2 or 3), where the shapes are square and the kind is one."""
        square = self.out_h == self.out_w and self.kernel_h == self.kernel_w and self.in_h == self.in_w
        if not square or self.kind not in KINDS:
            return None
        stride = self.stride or max(1, round(self.in_h / self.out_h))
        kind = cast(LayerKind, self.kind)  # one of KINDS: checked above
        return LayerSpec(
            name, kind, self.kernel_h, self.in_channels, self.out_channels, self.out_h, stride, batchnorm=batchnorm
        )


def conv_op(
    index: int, op_type: str, name: str, conv: Conv, *, activation_bytes: int, out_shape: tuple[int, ...]
) -> GraphOp:
    """A convolution priced by the general formula; its :class:`LayerSpec` where the seed's formulas apply."""
    return GraphOp(
        index,
        op_type,
        name,
        conv.kind,
        macs=conv.macs,
        params=conv.params,
        activation_bytes=activation_bytes,
        out_shape=out_shape,
        spec=conv.spec(name),
    )


def dense_op(
    index: int,
    op_type: str,
    name: str,
    *,
    rows: int,
    in_features: int,
    out_features: int,
    activation_bytes: int,
    out_shape: tuple[int, ...],
) -> GraphOp:
    """A fully connected layer (MatMul/Gemm/FULLY_CONNECTED): ``rows * M * N`` multiply-adds, ``M * N + N`` params."""
    params = in_features * out_features + out_features
    spec = None
    if rows == 1:
        spec = LayerSpec(name, "fully_connected", 1, in_features, out_features, 1, batchnorm=False)
    return GraphOp(
        index,
        op_type,
        name,
        "fully_connected",
        macs=rows * in_features * out_features,
        params=params,
        activation_bytes=activation_bytes,
        out_shape=out_shape,
        spec=spec,
    )


def other_op(
    index: int,
    op_type: str,
    name: str,
    *,
    in_elements: int,
    out_elements: int,
    activation_bytes: int,
    out_shape: tuple[int, ...],
) -> GraphOp:
    """Any operator that is not a convolution or FC layer: element-wise, pooling, or data movement."""
    if op_type in ELEMENTWISE:
        kind, ops = "elementwise", out_elements
    elif op_type in POOLING:
        kind, ops = "pooling", in_elements
    else:
        kind, ops = "data", 0
    return GraphOp(index, op_type, name, kind, other_ops=ops, activation_bytes=activation_bytes, out_shape=out_shape)


def elements(shape: tuple[int, ...] | list[int]) -> int:
    """Elements of a tensor of ``shape`` (a scalar has one); unknown (negative) dimensions count as 1."""
    return math.prod(max(int(d), 1) for d in shape)


@dataclass(frozen=True)
class GraphCost:
    """Every operator of one graph with its cost, and the totals; ``source`` says what was read."""

    model: str
    source: str  # "tflite", "onnx" or "keras"
    ops: tuple[GraphOp, ...]

    @property
    def macs(self) -> int:
        return sum(op.macs for op in self.ops)

    @property
    def params(self) -> int:
        """Parameters as deployed: weights and biases (BatchNorm folded), the analytic ``params_folded``."""
        return sum(op.params for op in self.ops)

    @property
    def other_ops(self) -> int:
        return sum(op.other_ops for op in self.ops)

    @property
    def activation_bytes(self) -> int:
        return sum(op.activation_bytes for op in self.ops)

    @property
    def compute_ops(self) -> tuple[GraphOp, ...]:
        """The operators with multiply-adds (convolutions and FC layers), in execution order."""
        return tuple(op for op in self.ops if op.macs)

    def cost_report(self) -> CostReport:
        """The compute operators as the analytic model's layers (formulas 1-5), where every one is such a layer."""
        specs = [op.spec for op in self.compute_ops]
        missing = [op.name for op, s in zip(self.compute_ops, specs, strict=True) if s is None]
        if missing:
            raise ValueError(f"{self.model}: {len(missing)} layers are outside formulas (1)-(3), first {missing[0]}")
        return CostReport(self.model, tuple(s for s in specs if s is not None))

    def by_kind(self) -> dict[str, dict[str, int]]:
        """Operators, multiply-adds and parameters per kind."""
        out: dict[str, dict[str, int]] = {}
        for op in self.ops:
            row = out.setdefault(op.kind, {"ops": 0, "macs": 0, "params": 0, "other_ops": 0})
            row["ops"] += 1
            row["macs"] += op.macs
            row["params"] += op.params
            row["other_ops"] += op.other_ops
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "source": self.source,
            "macs": self.macs,
            "params": self.params,
            "other_ops": self.other_ops,
            "activation_bytes": self.activation_bytes,
            "param_convention": (
                "params = weights + one bias per output channel of each convolution and FC layer "
                "(BatchNorm folded: the analytic params_folded)"
            ),
            "mac_convention": (
                "multiply-adds of convolutions and fully connected layers (formulas 1-3 and M*N); element-wise "
                "and pooling arithmetic is other_ops; reshape, pad, softmax, (de)quantize cost nothing"
            ),
            "by_kind": self.by_kind(),
            "ops": [op.to_json() for op in self.ops],
        }

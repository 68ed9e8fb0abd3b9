"""Per-operator times mapped onto the cost model's layers: MACs, parameters, activation bytes, GMAC/s per layer.

The mapping is by execution order: the i-th compute operator (a convolution, depthwise
convolution or fully connected/GEMM node) is the cost model's i-th layer, and the kind must
agree (a depthwise layer is a depthwise node). Every other operator (pooling, reshape,
softmax, quantize...) is kept as an ``other`` row. A count or kind mismatch is an error that
names the first disagreement, so a profile never silently lands on the wrong layers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from edgepareto.errors import ModelFileError
from edgepareto.models import KINDS, CostReport, LayerSpec
from edgepareto.predict import layer_bytes

# operator type -> the cost-model kinds it can be (None: not a compute layer)
COMPUTE_OPS: dict[str, tuple[str, ...]] = {
    "CONV_2D": ("standard", "pointwise", "fully_connected"),
    "DEPTHWISE_CONV_2D": ("depthwise",),
    "FULLY_CONNECTED": ("fully_connected",),
    "Conv": ("standard", "depthwise", "pointwise", "fully_connected"),
    "FusedConv": ("standard", "depthwise", "pointwise", "fully_connected"),
    "NhwcFusedConv": ("standard", "depthwise", "pointwise", "fully_connected"),
    "QLinearConv": ("standard", "depthwise", "pointwise", "fully_connected"),
    "ConvInteger": ("standard", "depthwise", "pointwise", "fully_connected"),
    "Gemm": ("fully_connected",),
    "MatMul": ("fully_connected",),
    "QGemm": ("fully_connected",),
    "QLinearMatMul": ("fully_connected",),
    "FusedGemm": ("fully_connected",),
}
BAR_KINDS: tuple[str, ...] = (*KINDS, "other")


@dataclass(frozen=True)
class OpTime:
    """One operator as a profiler reports it: type, name, time per inference (ms)."""

    op_type: str
    name: str
    ms: float | None  # None: the runtime exposes the operator but not its time
    out_shape: tuple[int, ...] | None = None  # NHWC output shape, where the runtime states it

    def __post_init__(self) -> None:
        if not self.op_type:
            raise ModelFileError(f"operator {self.name!r} has no type")
        if self.ms is not None and self.ms < 0:
            raise ModelFileError(f"operator {self.name!r}: negative time {self.ms} ms")


@dataclass(frozen=True)
class LayerTime:
    """A cost-model layer with the operator that ran it."""

    layer: LayerSpec
    op: OpTime
    precision: str

    def to_json(self) -> dict[str, Any]:
        act, wt = layer_bytes(self.layer, self.precision)
        ms = self.op.ms
        return {
            "layer": self.layer.name,
            "kind": self.layer.kind,
            "op_type": self.op.op_type,
            "op_name": self.op.name,
            "ms": ms,
            "macs": self.layer.macs,
            "params": self.layer.params_folded,
            "activation_bytes": act,
            "weight_bytes": wt,
            "gmacs_per_s": self.layer.macs / (ms * 1e6) if ms else None,
        }


@dataclass(frozen=True)
class LayerProfile:
    """Every layer with its time, the other operators, and the totals by kind."""

    model: str
    precision: str
    layers: tuple[LayerTime, ...]
    other: tuple[OpTime, ...]

    @property
    def timed(self) -> bool:
        return all(lt.op.ms is not None for lt in self.layers)

    def by_kind(self) -> dict[str, float | None]:
        """ms per layer kind and ``other``: the stacked bar of where the time goes."""
        if not self.timed:
            return {k: None for k in BAR_KINDS}
        out = {k: 0.0 for k in BAR_KINDS}
        for lt in self.layers:
            out[lt.layer.kind] += lt.op.ms or 0.0
        out["other"] = sum(o.ms or 0.0 for o in self.other)
        return {**out}

    @property
    def total_ms(self) -> float | None:
        return sum(v or 0.0 for v in self.by_kind().values()) if self.timed else None

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "precision": self.precision,
            "layers": [lt.to_json() for lt in self.layers],
            "other": [{"op_type": o.op_type, "op_name": o.name, "ms": o.ms} for o in self.other],
            "by_kind_ms": self.by_kind(),
            "total_ms": self.total_ms,
        }


def map_ops(ops: Sequence[OpTime], report: CostReport, precision: str) -> LayerProfile:
    """Map operators (in execution order) onto ``report``'s layers; raises naming the first mismatch."""
    compute = [o for o in ops if o.op_type in COMPUTE_OPS]
    if len(compute) != len(report.layers):
        raise ModelFileError(
            f"{len(compute)} compute operators but {len(report.layers)} layers in {report.model}'s cost model; "
            "profile a file of this architecture (check alpha, resolution and family)"
        )
    for i, (op, layer) in enumerate(zip(compute, report.layers, strict=True)):
        if layer.kind not in COMPUTE_OPS[op.op_type]:
            raise ModelFileError(
                f"operator {i} ({op.op_type} {op.name!r}) cannot be layer {layer.name} ({layer.kind}); "
                "the file's layers are not in the cost model's order"
            )
        if op.out_shape is not None and not _shape_fits(op.out_shape, layer):
            raise ModelFileError(
                f"operator {i} ({op.op_type} {op.name!r}) outputs {list(op.out_shape)}, but layer {layer.name} "
                f"outputs {layer.out_side}x{layer.out_side}x{layer.out_channels}; "
                "profile a file of this alpha and resolution"
            )
    layers = tuple(LayerTime(layer, op, precision) for op, layer in zip(compute, report.layers, strict=True))
    return LayerProfile(report.model, precision, layers, tuple(o for o in ops if o.op_type not in COMPUTE_OPS))


def _channels_fit(channels: int, wanted: int) -> bool:
    """The layer's channels, or (ONNX Runtime's blocked NCHWc layout) them padded up to a multiple of 8 or 16."""
    return channels == wanted or (channels > wanted and channels % 8 == 0 and channels - wanted < 16)


def _shape_fits(shape: tuple[int, ...], layer: LayerSpec) -> bool:
    """An NHWC (or flattened) output shape agrees with the layer's side and channels (classes may add one)."""
    channels = shape[-1]
    if layer.kind == "fully_connected":
        return _channels_fit(channels, layer.out_channels) or channels == layer.out_channels + 1
    return _channels_fit(channels, layer.out_channels) and tuple(shape[1:3]) == (layer.out_side, layer.out_side)

"""The seed's analytic cost model, formulas (1)-(5): multiply-adds and parameters per layer.

Pure functions, no Keras: a family describes its layers as :class:`LayerSpec` and this
module prices them. ``params`` counts what is learned, as the published tables (TF-slim)
do: convolution weights, BatchNorm scale and offset (2 per channel), FC weights and bias.
Two exact relations hold:

* Keras ``count_params()`` adds BatchNorm's moving mean and variance:
  ``keras_params = params + 2 * batchnorm_channels`` (:func:`keras_param_count`);
* the deployed (folded) model keeps one bias per channel instead of gamma/beta/mean/variance:
  ``params_folded = params - batchnorm_channels``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

LayerKind = Literal["standard", "depthwise", "pointwise", "fully_connected"]
KINDS: tuple[str, ...] = ("standard", "depthwise", "pointwise", "fully_connected")


@dataclass(frozen=True)
class LayerSpec:
    """One layer as the formulas see it. ``out_side`` is D_F, the side of the output map."""

    name: str
    kind: LayerKind
    kernel: int  # D_K
    in_channels: int  # M
    out_channels: int  # N (equals M for depthwise)
    out_side: int  # D_F
    stride: int = 1
    batchnorm: bool = True  # followed by BatchNorm (folded into a bias when deployed)
    block: int | None = None  # index of the depthwise-separable block it belongs to

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"layer kind must be one of {KINDS}, got {self.kind!r}")
        for f in ("kernel", "in_channels", "out_channels", "out_side", "stride"):
            if getattr(self, f) < 1:
                raise ValueError(f"{f} must be >= 1, got {getattr(self, f)}")
        if self.kind == "depthwise" and self.in_channels != self.out_channels:
            raise ValueError("a depthwise layer has as many output channels as input channels")

    @property
    def macs(self) -> int:
        """Multiply-adds: (1) standard, (2) depthwise, (3) pointwise; FC is M*N."""
        k2, m, n, f2 = self.kernel**2, self.in_channels, self.out_channels, self.out_side**2
        if self.kind == "standard":
            return k2 * m * n * f2
        if self.kind == "depthwise":
            return k2 * m * f2
        if self.kind == "pointwise":
            return m * n * f2
        return m * n

    @property
    def weights(self) -> int:
        k2, m, n = self.kernel**2, self.in_channels, self.out_channels
        return {"standard": k2 * m * n, "depthwise": k2 * m, "pointwise": m * n, "fully_connected": m * n}[self.kind]

    @property
    def params(self) -> int:
        """Learned parameters: weights + BN scale/offset (2 per channel), or a bias without BN."""
        return self.weights + (2 if self.batchnorm else 1) * self.out_channels

    @property
    def params_folded(self) -> int:
        """Deployed parameters: weights plus one bias per output channel (BN folded in)."""
        return self.weights + self.out_channels

    @property
    def in_elements(self) -> int:
        """Elements of the input map (side ``out_side * stride``); an FC layer reads a vector."""
        if self.kind == "fully_connected":
            return self.in_channels
        return self.in_channels * (self.out_side * self.stride) ** 2

    @property
    def out_elements(self) -> int:
        return self.out_channels * self.out_side**2

    @property
    def activation_elements(self) -> int:
        """Activations read and written (input + output map), the traffic that is not weights."""
        return self.in_elements + self.out_elements


@dataclass(frozen=True)
class CostReport:
    """Totals and per-layer rows; ``reduction`` holds the seed's sigma per separable block."""

    model: str
    layers: tuple[LayerSpec, ...]

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def params_folded(self) -> int:
        return sum(layer.params_folded for layer in self.layers)

    @property
    def batchnorm_channels(self) -> int:
        return sum(layer.out_channels for layer in self.layers if layer.batchnorm)

    def block_reductions(self) -> dict[int, dict[str, float]]:
        """Per separable block: measured P_dws/P_std against the seed's 1/N + 1/D_K^2 (formula 4)."""
        out: dict[int, dict[str, float]] = {}
        blocks = sorted({layer.block for layer in self.layers if layer.block is not None})
        for b in blocks:
            dw = next(x for x in self.layers if x.block == b and x.kind == "depthwise")
            pw = next(x for x in self.layers if x.block == b and x.kind == "pointwise")
            # The standard convolution it replaces: same kernel, M->N, same output map.
            p_std = dw.kernel**2 * dw.in_channels * pw.out_channels * pw.out_side**2
            out[b] = {
                "ratio": (dw.macs + pw.macs) / p_std,
                "formula": 1 / pw.out_channels + 1 / dw.kernel**2,
            }
        return out

    def to_json(self) -> dict[str, Any]:
        reductions = self.block_reductions()
        rows = []
        for layer in self.layers:
            row = asdict(layer)
            row.update(macs=layer.macs, params=layer.params, params_folded=layer.params_folded)
            if layer.block is not None and layer.kind == "pointwise":
                row["reduction_ratio"] = reductions[layer.block]["ratio"]
                row["reduction_formula"] = reductions[layer.block]["formula"]
            rows.append(row)
        return {
            "model": self.model,
            "macs": self.macs,
            "params": self.params,
            "params_folded": self.params_folded,
            "batchnorm_channels": self.batchnorm_channels,
            "keras_params": keras_param_count(self),
            "param_convention": (
                "params = weights + BatchNorm gamma/beta (+ FC bias); "
                "keras_params = params + 2*batchnorm_channels (moving mean/variance); "
                "params_folded = params - batchnorm_channels (BN folded into one bias per channel)"
            ),
            "layers": rows,
        }


def keras_param_count(report: CostReport) -> int:
    """What Keras's ``count_params()`` reports: BN's moving mean and variance on top of ``params``."""
    return report.params + 2 * report.batchnorm_channels

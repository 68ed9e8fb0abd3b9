"""What the latency model sees of a variant: the cost model's multiply-adds and bytes, by layer kind.

Pure arithmetic on :func:`edgepareto.models.cost_of`: no model is built and no file is read,
so any variant of a registered family can be priced, measured or not. Bytes are elements
times the precision's element size (fp32 4, fp16 2, int8/uint8 1; int8-dynamic keeps float
activations and int8 weights).
"""

from __future__ import annotations

from dataclasses import dataclass

from edgepareto.errors import ConfigError
from edgepareto.models import KINDS, CostReport, LayerSpec, Variant, cost_of

# (activation bytes, weight bytes) per element, by precision
ELEMENT_BYTES: dict[str, tuple[int, int]] = {
    "fp32": (4, 4),
    "fp16": (4, 2),  # fp16 weights are dequantized to float32 at load; activations stay float32
    "int8-dynamic": (4, 1),
    "int8": (1, 1),
    "uint8": (1, 1),
}
FEATURES: tuple[str, ...] = (
    "intercept",
    "macs",
    "activation_bytes",
    "weight_bytes",
    "positions",
    "channel_tiles",
    *(f"macs_{k}" for k in KINDS),
)
# Channels one kernel call works on at a time: XNNPACK's AVX-512 int8 depthwise kernels take 32
# (``qs8_dwconv ... up32x9__avx512skx``); a layer pays whole tiles at every output position.
CHANNEL_TILE = 32


@dataclass(frozen=True)
class Features:
    """One variant as numbers: MACs by layer kind, activation and weight bytes, output positions, layer count.

    ``positions`` sums each layer's output positions (side squared): work a kernel does per output
    pixel whatever the channel count (indirection, requantisation, channel tiles padded for narrow layers).
    ``channel_tiles`` counts per-position work per tile of ``CHANNEL_TILE`` output channels: the same
    fixed cost paid once per tile, so a narrow layer pays one tile and a wide one many.
    """

    variant: Variant
    macs_by_kind: tuple[tuple[str, int], ...]
    activation_bytes: int
    weight_bytes: int
    layers: int
    positions: int = 0
    channel_tiles: int = 0

    def __post_init__(self) -> None:
        if self.layers < 1:
            raise ConfigError(f"a variant has at least one layer, got {self.layers}")
        if min(self.activation_bytes, self.weight_bytes, self.positions, self.channel_tiles) < 0:
            raise ConfigError("byte, position and tile counts must be >= 0")

    @property
    def macs(self) -> int:
        return sum(m for _, m in self.macs_by_kind)

    def value(self, name: str) -> float:
        """One named feature (see ``FEATURES``), in millions (MACs, bytes) so fits are well scaled."""
        if name == "intercept":
            return 1.0
        if name == "macs":
            return self.macs / 1e6
        if name in ("activation_bytes", "weight_bytes", "positions", "channel_tiles"):
            return getattr(self, name) / 1e6
        kinds = dict(self.macs_by_kind)
        if name.startswith("macs_") and name[5:] in kinds:
            return kinds[name[5:]] / 1e6
        raise ConfigError(f"unknown feature {name!r}; use one of {', '.join(FEATURES)}")

    def to_json(self) -> dict[str, object]:
        return {
            "variant": self.variant.name,
            "macs": self.macs,
            "macs_by_kind": dict(self.macs_by_kind),
            "activation_bytes": self.activation_bytes,
            "weight_bytes": self.weight_bytes,
            "positions": self.positions,
            "channel_tiles": self.channel_tiles,
            "layers": self.layers,
        }


def element_bytes(precision: str) -> tuple[int, int]:
    """(activation, weight) bytes per element of ``precision``."""
    if precision not in ELEMENT_BYTES:
        raise ConfigError(f"no element size for precision {precision!r}; use one of {', '.join(ELEMENT_BYTES)}")
    return ELEMENT_BYTES[precision]


def layer_bytes(layer: LayerSpec, precision: str) -> tuple[int, int]:
    """(activation bytes, weight bytes) of one layer at ``precision``."""
    act, wt = element_bytes(precision)
    return layer.activation_elements * act, layer.params_folded * wt


def features_of(variant: Variant, report: CostReport | None = None) -> Features:
    """The features of ``variant`` from its family's cost model, or from ``report``: the layers a file's graph
    holds (``GraphCost.cost_report``), which prices a file of any family, known or not."""
    report = report or cost_of(variant.config)
    per_kind = {k: 0 for k in KINDS}
    act = wt = 0
    for layer in report.layers:
        per_kind[layer.kind] += layer.macs
        a, w = layer_bytes(layer, str(variant.precision))
        act, wt = act + a, wt + w
    positions = sum(layer.out_side**2 for layer in report.layers)
    tiles = sum(layer.out_side**2 * -(-layer.out_channels // CHANNEL_TILE) for layer in report.layers)
    return Features(variant, tuple(per_kind.items()), act, wt, len(report.layers), positions, tiles)

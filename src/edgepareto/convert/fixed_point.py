"""The seed's n-bit asymmetric fixed-point quantizer (its Section III, equations 6 and 7).

    q = round(S * r + Z),   S = (2^n - 1) / (r_max - r_min),   q in [0, 2^n - 1]

The range is widened to include 0 (``r_min <= 0 <= r_max``) and ``Z = round(-S * r_min)``,
so the real value 0.0 maps exactly onto the integer Z, as the seed requires for sparse
weights. One (S, Z) per output channel (the seed's choice) or one per tensor; any n from 2 to 16.
Dequantization ``r' = (q - Z) / S`` is off by at most ``1 / (2 S)`` per element.

:func:`fake_quantize_model` applies it to a Keras model's convolution and dense kernels
(quantize, then dequantize), after folding each following BatchNorm into the kernel, because
that folded kernel is what a deployed model stores and quantizes. Per-channel results do not
depend on the folding (a per-channel scale cancels); per-tensor results do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from edgepareto.errors import ConfigError

if TYPE_CHECKING:
    import keras

MIN_BITS, MAX_BITS = 2, 16
GRANULARITIES = ("per-channel", "per-tensor")


@dataclass(frozen=True)
class FixedPointParams:
    """Scale(s) S and zero point(s) Z; arrays broadcast against the quantized tensor."""

    bits: int
    scale: np.ndarray
    zero_point: np.ndarray

    def __post_init__(self) -> None:
        check_bits(self.bits)

    @property
    def qmax(self) -> int:
        return (1 << self.bits) - 1


def check_bits(bits: int) -> None:
    if not isinstance(bits, (int, np.integer)) or not MIN_BITS <= bits <= MAX_BITS:
        raise ConfigError(f"bits must be an integer from {MIN_BITS} to {MAX_BITS}, got {bits!r}")


def fixed_point_params(r: np.ndarray, bits: int, channel_axis: int | None = None) -> FixedPointParams:
    """(S, Z) of ``r``: one pair per index of ``channel_axis``, or one for the whole tensor if None."""
    check_bits(bits)
    r = np.asarray(r, dtype=np.float64)
    if channel_axis is None:
        r_min, r_max = np.min(r, initial=0.0), np.max(r, initial=0.0)
    else:
        axes = tuple(a for a in range(r.ndim) if a != channel_axis % r.ndim)
        r_min = np.min(r, axis=axes, keepdims=True, initial=0.0)
        r_max = np.max(r, axis=axes, keepdims=True, initial=0.0)
    r_min, r_max = np.minimum(r_min, 0.0), np.maximum(r_max, 0.0)  # 0 must be representable
    qmax = (1 << bits) - 1
    span = r_max - r_min
    scale = np.where(span > 0, qmax / np.where(span > 0, span, 1.0), 1.0)  # all-zero channel: any S works
    zero_point = np.clip(np.round(-scale * r_min), 0, qmax)
    return FixedPointParams(bits, np.asarray(scale), np.asarray(zero_point))


def quantize(r: np.ndarray, params: FixedPointParams) -> np.ndarray:
    """q = round(S r + Z), clipped to [0, 2^n - 1]; integers as int32."""
    q = np.round(np.asarray(r, np.float64) * params.scale + params.zero_point)
    return np.clip(q, 0, params.qmax).astype(np.int32)


def dequantize(q: np.ndarray, params: FixedPointParams) -> np.ndarray:
    """r' = (q - Z) / S."""
    return (np.asarray(q, np.float64) - params.zero_point) / params.scale


def fake_quantize(r: np.ndarray, bits: int, channel_axis: int | None = None) -> np.ndarray:
    """Quantize then dequantize ``r`` (same dtype back): what the network sees at ``bits`` bits."""
    params = fixed_point_params(r, bits, channel_axis)
    return dequantize(quantize(r, params), params).astype(np.asarray(r).dtype)


# --- Keras models ----------------------------------------------------------------------------
def _following_batchnorm(model: Any) -> dict[str, Any]:
    """Conv layer name -> the BatchNormalization layer fed only by it (MobileNet's conv -> BN pairs)."""
    import keras

    pairs = {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            inbound = layer._inbound_nodes[0].parent_nodes if layer._inbound_nodes else []
            if len(inbound) == 1:
                pairs[inbound[0].operation.name] = layer
    return pairs


def _bn_factor(bn: Any) -> np.ndarray:
    """gamma / sqrt(var + eps): the per-channel factor that BatchNorm folds into the kernel."""
    gamma = np.asarray(bn.gamma.numpy()) if bn.gamma is not None else 1.0
    var = np.asarray(bn.moving_variance.numpy())
    return gamma / np.sqrt(var + bn.epsilon)


def fake_quantize_model(model: keras.Model, bits: int, granularity: str = "per-channel") -> dict[str, Any]:
    """Replace every Conv2D/DepthwiseConv2D/Dense kernel of ``model`` by its n-bit fake-quantized copy.

    Works in place (clone the model first to keep the float one). Biases and BatchNorm stay
    float (deployed as int32/folded). Returns a summary: layers quantized, weights, bits.
    """
    import keras

    check_bits(bits)
    if granularity not in GRANULARITIES:
        raise ConfigError(f"granularity must be one of {', '.join(GRANULARITIES)}, got {granularity!r}")
    bns = _following_batchnorm(model)
    n_layers = n_weights = 0
    for layer in model.layers:
        if not isinstance(layer, (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.Dense)):
            continue
        kernel = layer.kernel
        w = np.asarray(kernel.numpy(), dtype=np.float64)
        shape = w.shape
        # output channels on the last axis; depthwise (H, W, C, M) has C*M of them
        w2 = w.reshape(*shape[:-2], shape[-2] * shape[-1]) if isinstance(layer, keras.layers.DepthwiseConv2D) else w
        factor = np.ones(w2.shape[-1])
        bn = bns.get(layer.name)
        if bn is not None and np.asarray(bn.moving_variance.numpy()).shape[-1] == w2.shape[-1]:
            factor = _bn_factor(bn)
            factor = np.where(np.abs(factor) > 1e-12, factor, 1e-12)
        folded = w2 * factor
        axis = -1 if granularity == "per-channel" else None
        q = fake_quantize(folded, bits, axis) / factor
        kernel.assign(q.reshape(shape).astype(np.float32))
        n_layers += 1
        n_weights += w.size
    return {"bits": bits, "granularity": granularity, "layers": n_layers, "weights": n_weights,
            "scheme": describe(bits, granularity)}  # fmt: skip


def describe(bits: int, granularity: str) -> str:
    """Exact scheme name, so it is never confused with TFLite's symmetric int8."""
    return (
        f"seed fixed point: {bits}-bit asymmetric (q = round(S r + Z), zero exact), {granularity} "
        "weights (BatchNorm folded), float activations (fake quantization)"
    )

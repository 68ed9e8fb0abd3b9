"""The seed's n-bit asymmetric quantizer: the properties its Section III states, checked exactly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from edgepareto.convert.fixed_point import (
    dequantize,
    fake_quantize,
    fake_quantize_model,
    fixed_point_params,
    quantize,
)
from edgepareto.errors import ConfigError

BITS = range(2, 17)


def uneven_weights(seed: int = 0) -> np.ndarray:
    """A conv kernel (3, 3, 16, 32) whose output channels have very different ranges, as real filters do."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(3, 3, 16, 32))
    w *= np.exp(rng.uniform(-4, 1, size=32))  # channel scales over ~2 decades
    w[..., 5] = np.abs(w[..., 5])  # one all-positive channel, one all-negative
    w[..., 6] = -np.abs(w[..., 6])
    return w


@pytest.mark.parametrize("bits", BITS)
@pytest.mark.parametrize("axis", [None, -1])
def test_zero_is_exact_and_range_maps_onto_full_grid(bits, axis):
    w = uneven_weights(bits)
    p = fixed_point_params(w, bits, axis)
    # zero maps exactly onto the integer Z and back to 0.0
    zeros = np.zeros_like(w)
    q0 = quantize(zeros, p)
    np.testing.assert_array_equal(q0, np.broadcast_to(p.zero_point, w.shape))
    assert np.all(dequantize(q0, p) == 0.0)
    q = quantize(w, p)
    assert q.min() >= 0 and q.max() <= (1 << bits) - 1
    # the range, widened to include 0, maps onto the whole grid: r_min -> 0 and r_max -> 2^n - 1
    red = (0, 1, 2) if axis is not None else None
    lo = np.minimum(w.min(axis=red, keepdims=True), 0)
    hi = np.maximum(w.max(axis=red, keepdims=True), 0)
    assert np.all(quantize(lo, p) == 0) and np.all(quantize(hi, p) == (1 << bits) - 1)
    # S = (2^n - 1) / (r_max - r_min)
    np.testing.assert_allclose(p.scale, ((1 << bits) - 1) / (hi - lo), rtol=1e-12)


@pytest.mark.parametrize("bits", BITS)
@pytest.mark.parametrize("axis", [None, -1])
def test_dequantization_error_at_most_half_a_step(bits, axis):
    w = uneven_weights(100 + bits)
    p = fixed_point_params(w, bits, axis)
    err = np.abs(dequantize(quantize(w, p), p) - w)
    bound = 0.5 / np.broadcast_to(p.scale, w.shape)
    assert np.all(err <= bound * (1 + 1e-9) + 1e-15)


@pytest.mark.parametrize("bits", BITS)
def test_per_channel_never_worse_than_per_tensor(bits):
    w = uneven_weights(200 + bits)
    pc = fixed_point_params(w, bits, -1)
    pt = fixed_point_params(w, bits, None)
    # the guaranteed bound: every channel's step is at most the tensor's step
    assert np.all(np.squeeze(pc.scale) >= float(pt.scale) * (1 - 1e-12))
    # realised: no per-channel error exceeds the per-tensor worst case, and the total error is smaller
    e_pc = np.abs(fake_quantize(w, bits, -1) - w)
    e_pt = np.abs(fake_quantize(w, bits, None) - w)
    assert e_pc.max() <= 0.5 / float(pt.scale) * (1 + 1e-9)
    assert (e_pc**2).mean() < (e_pt**2).mean()


def test_error_shrinks_with_bits():
    w = uneven_weights(7)
    errs = [np.abs(fake_quantize(w, b, -1) - w).max() for b in BITS]
    assert all(b < a for a, b in itertools.pairwise(errs))


def test_all_zero_channel_and_sparse_weights_stay_exact():
    w = uneven_weights(3)
    w[..., 0] = 0.0
    w[w < np.quantile(w, 0.3)] = 0.0  # sparse: zeros must stay zeros
    for b in (2, 4, 8):
        fq = fake_quantize(w, b, -1)
        assert np.all(fq[w == 0.0] == 0.0)


@pytest.mark.parametrize("bits", [1, 17, 8.0])
def test_bad_bitwidth_names_the_range(bits):
    with pytest.raises(ConfigError, match="bits must be an integer from 2 to 16"):
        fixed_point_params(np.ones(3), bits)


def test_fake_quantize_model_changes_only_kernels_and_per_channel_beats_per_tensor():
    keras = pytest.importorskip("keras")
    from edgepareto.models import ModelConfig, build_model

    cfg = ModelConfig("mobilenet_v1", 0.25, 32, 10)
    ref = build_model(cfg, seed=1)
    x = np.random.default_rng(0).uniform(-1, 1, size=(8, 32, 32, 3)).astype(np.float32)
    # random Keras init fades to zero through 27 layers: use He-scaled kernels and uneven BatchNorm
    # statistics, as training leaves them, so signal reaches the logits and folding matters
    rng = np.random.default_rng(1)
    for layer in ref.layers:
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.DepthwiseConv2D)):
            k = layer.kernel
            fan_in = int(np.prod(k.shape[:-1])) if not isinstance(layer, keras.layers.DepthwiseConv2D) else 9
            k.assign((rng.normal(size=k.shape) * np.sqrt(2.0 / fan_in)).astype("float32"))
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_variance.assign(rng.uniform(0.25, 4.0, size=layer.moving_variance.shape).astype("float32"))
            layer.gamma.assign(rng.uniform(0.2, 2.0, size=layer.gamma.shape).astype("float32"))

    def logits(m):
        return keras.Model(m.inputs, m.get_layer("conv_preds").output)(x, training=False).numpy()

    y_ref = logits(ref)
    assert np.abs(y_ref).max() > 1e-3  # the comparison below is not between two zeros
    errors = {}
    for gran in ("per-channel", "per-tensor"):
        m = keras.models.clone_model(ref)
        m.set_weights(ref.get_weights())
        summary = fake_quantize_model(m, 4, gran)
        assert summary["layers"] == 28  # conv1 + 13 depthwise + 13 pointwise + classifier
        for a, b in zip(ref.layers, m.layers, strict=True):
            if isinstance(a, keras.layers.BatchNormalization):
                for va, vb in zip(a.get_weights(), b.get_weights(), strict=True):
                    np.testing.assert_array_equal(va, vb)
        dw = m.get_layer("conv_dw_1").kernel.numpy()
        assert not np.array_equal(dw, ref.get_layer("conv_dw_1").kernel.numpy())
        errors[gran] = float(np.abs(logits(m) - y_ref).mean())
    assert errors["per-channel"] < errors["per-tensor"]

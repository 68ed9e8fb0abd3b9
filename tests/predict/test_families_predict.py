"""predict works for every registered family: features from each family's cost (v2/v3 read from Keras)."""

from __future__ import annotations

import pytest

from edgepareto.models import ModelConfig, Variant, cost_of
from edgepareto.predict import ModelKey, features_of, fit


def test_a_model_fitted_across_families_predicts_another_family():
    def truth(var: Variant) -> float:
        f = features_of(var)
        return 0.004 * f.value("macs") + 15 * f.value("channel_tiles") + 0.2 * f.value("weight_bytes")

    fitted = [
        Variant.of(ModelConfig(fam, a, r), "int8")
        for fam, a in (("mobilenet_v1", 0.25), ("mobilenet_v1", 1.0), ("mobilenet_v2", 0.35), ("mobilenet_v2", 1.4))
        for r in (96, 128)
    ]
    model = fit(ModelKey("host", "int8"), [(v, truth(v)) for v in fitted])
    assert model.coefficients == pytest.approx((0.004, 15, 0.2), rel=1e-6)
    v3 = Variant.of(ModelConfig("mobilenet_v3_small", 0.75, 96), "int8")
    assert model.predict(v3).latency_ms == pytest.approx(truth(v3), rel=1e-6)
    f = features_of(v3)
    assert f.macs == cost_of(v3.config).macs and f.layers == len(cost_of(v3.config).layers)

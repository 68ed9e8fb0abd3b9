"""MobileNet v2 and v3 as registry entries: names, Keras builds, and their cost against the published tables."""

from __future__ import annotations

import math

import pytest

from edgepareto.analysis.published_families import published_family_rows
from edgepareto.errors import ConfigError
from edgepareto.models import ModelConfig, Precision, Variant, build_model, cost_of, keras_param_count, list_families

NEW_FAMILIES = (
    "mobilenet_v2", "mobilenet_v3_large", "mobilenet_v3_large_minimalistic", "mobilenet_v3_small",
    "mobilenet_v3_small_minimalistic",
)  # fmt: skip


def test_the_registry_lists_every_family():
    assert set(NEW_FAMILIES) | {"mobilenet_v1"} <= set(list_families("mobilenet_v*"))
    assert list_families("mobilenet_v3_small*") == ["mobilenet_v3_small", "mobilenet_v3_small_minimalistic"]


@pytest.mark.parametrize(
    ("name", "family", "alpha", "res", "precision"),
    [
        ("mobilenet_v2_1.0_224_quant.tflite", "mobilenet_v2", 1.0, 224, "uint8"),
        ("mobilenet_v2_0.35_96.tflite", "mobilenet_v2", 0.35, 96, "fp32"),
        ("mobilenet_v2_1.4_224", "mobilenet_v2", 1.4, 224, "fp32"),
        ("mobilenet_v3-small_224_1.0_uint8.tflite", "mobilenet_v3_small", 1.0, 224, "uint8"),
        ("v3-large_224_0.75_float.tflite", "mobilenet_v3_large", 0.75, 224, "fp32"),
        ("v3-small-minimalistic_224_1.0_float", "mobilenet_v3_small_minimalistic", 1.0, 224, "fp32"),
    ],
)
def test_googles_hosted_v2_v3_names_are_read(name, family, alpha, res, precision):
    v = Variant.parse(name)
    assert (v.family, v.alpha, v.resolution, v.precision, v.background) == (family, alpha, res, precision, True)
    assert v.outputs == 1001 and Variant.parse(v.name) == v


def test_this_tools_names_round_trip_for_the_new_families():
    for family in NEW_FAMILIES:
        v = Variant.of(ModelConfig(family, 0.35 if family == "mobilenet_v2" else 0.75, 96), Precision.INT8)
        assert Variant.parse(v.name) == v and Variant.parse(f"{v.name}.tflite") == v
    assert Variant.parse("mobilenet_v2_035_96.int8").name == "mobilenet_v2_035_96.int8"
    assert Variant.parse("mobilenet_v2_140_224.fp32").alpha == 1.4


def test_alpha_above_one_is_for_v2_not_v1():
    assert ModelConfig("mobilenet_v2", 1.4, 224).name == "mobilenet_v2_140_224"
    with pytest.raises(ConfigError, match=r"alpha must be in \(0, 1\] for mobilenet_v1"):
        cost_of(ModelConfig("mobilenet_v1", 1.3, 224))
    with pytest.raises(ConfigError, match=r"alpha must be in \(0, 1\.4\]"):
        ModelConfig("mobilenet_v2", 1.5, 224)


@pytest.mark.parametrize(
    "config",
    [
        ModelConfig("mobilenet_v2", 0.35, 96, 10),
        ModelConfig("mobilenet_v3_small", 0.75, 96),
        ModelConfig("mobilenet_v3_large_minimalistic", 1.0, 64, 7),
    ],
    ids=lambda c: c.name,
)
def test_keras_cost_relates_exactly_to_keras_count(config):
    """The cost read from the built model counts what Keras counts: weights, BN (4 per channel), biases."""
    report = cost_of(config)
    model = build_model(config, seed=0)
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    assert model.count_params() == keras_param_count(report) and trainable == report.params
    assert report.params_folded == report.params - report.batchnorm_channels
    squeeze_excite = any(x.kind == "fully_connected" for x in report.layers[:-2])  # SE blocks: FC on the 1x1 map
    assert squeeze_excite == (config.family == "mobilenet_v3_small")


def _published(r):
    """The cost of a published row's variant: TF-slim's checkpoints have 1001 outputs, the reimplementation 1000."""
    classes = 1000 if r.source.startswith("d-li14") else 1001
    return cost_of(ModelConfig(r.family, r.alpha, r.resolution, classes))


ROWS = [r for r in published_family_rows() if r.macs_millions is not None]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.family}_{r.alpha}_{r.resolution}_{r.precision}_{r.source[:6]}")
def test_built_v2_v3_cost_matches_every_published_entry(row):
    report = _published(row)
    macs, params = report.macs / 1e6, report.params_folded / 1e6
    if row.keras_differs:  # TF-slim's v3-Small checkpoints: an architecture Keras does not build (see notes)
        assert macs < row.macs_millions and abs(params / row.params_millions - 1) < 0.2
        return
    assert abs(params / row.params_millions - 1) < 0.02
    if row.family == "mobilenet_v2":  # TF-slim truncates its v2 MACs to whole millions
        assert math.floor(macs) == row.macs_millions
    else:
        assert abs(macs / row.macs_millions - 1) < 0.02


def test_every_published_row_names_its_source_and_covers_the_v2_grid():
    rows = published_family_rows()
    assert all(r.source for r in rows)
    v2 = {(r.alpha, r.resolution) for r in rows if r.family == "mobilenet_v2" and r.macs_millions is not None}
    assert v2 == {(a, s) for a in (0.35, 0.5, 0.75, 1.0) for s in (96, 128, 160, 192, 224)} | {(1.3, 224), (1.4, 224)}
    hosted = [r for r in rows if r.size_mb is not None]
    assert {r.precision for r in hosted} == {Precision.FP32, Precision.UINT8}

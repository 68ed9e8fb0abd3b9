from __future__ import annotations

import pytest

from edgepareto.errors import ConfigError
from edgepareto.models import ModelConfig, format_alpha, get_family, list_families, parse_variant_name


def test_family_registered_and_listed():
    assert "mobilenet_v1" in list_families()
    assert list_families("mobile*") == ["mobilenet_v1"]
    assert list_families("resnet*") == []
    fam = get_family("mobilenet_v1")
    assert [v.alpha for v in fam.named_variants] == [0.25, 0.5, 0.75, 1.0]
    assert all(v.resolution == 224 for v in fam.named_variants)


@pytest.mark.parametrize(
    ("alpha", "text"), [(0.25, "025"), (0.5, "050"), (0.75, "075"), (1.0, "100"), (0.125, "012p5")]
)
def test_alpha_names_round_trip(alpha, text):
    assert format_alpha(alpha) == text
    config = ModelConfig("mobilenet_v1", alpha, 160, 10)
    parsed, precision = parse_variant_name(config.name + ".int8")
    assert parsed == config
    assert precision == "int8"


@pytest.mark.parametrize("alpha", [0.0, -0.5, 1.01, 2])
def test_alpha_out_of_range_is_rejected(alpha):
    with pytest.raises(ConfigError, match=r"alpha must be in \(0, 1\]"):
        ModelConfig("mobilenet_v1", alpha)


@pytest.mark.parametrize("res", [0, 100, 225, 16])
def test_bad_resolution_is_rejected(res):
    with pytest.raises(ConfigError, match="multiple of 32"):
        ModelConfig("mobilenet_v1", 1.0, res)


def test_unknown_family_and_bad_names():
    with pytest.raises(ConfigError, match="unknown model family 'vgg'"):
        get_family("vgg")
    with pytest.raises(ConfigError, match="cannot parse"):
        parse_variant_name("mobilenet")
    with pytest.raises(ConfigError, match="unknown precision"):
        parse_variant_name("mobilenet_v1_050_224.int4")

"""Model zoo: a registry of families (one file each), variant names, and the analytic cost model."""

from __future__ import annotations

from edgepareto.models._registry import (
    PRECISIONS,
    ModelConfig,
    ModelFamily,
    format_alpha,
    get_family,
    list_families,
    parse_variant_name,
    register_family,
)
from edgepareto.models.cost import CostReport, LayerSpec, keras_param_count

__all__ = [
    "PRECISIONS",
    "CostReport",
    "LayerSpec",
    "ModelConfig",
    "ModelFamily",
    "build_model",
    "cost_of",
    "format_alpha",
    "get_family",
    "keras_param_count",
    "list_families",
    "parse_variant_name",
    "register_family",
]


def build_model(config: ModelConfig, **kwargs):  # -> keras.Model
    """Build a Keras model for ``config`` with its family's builder (seed/weights/bn_momentum)."""
    return get_family(config.family).build(config, **kwargs)


def cost_of(config: ModelConfig) -> CostReport:
    """Analytic multiply-adds and parameters of ``config`` (the seed's formulas)."""
    return get_family(config.family).cost(config)

"""Model zoo and vocabulary: Precision and Variant (parsed once), a registry of families, the cost model."""

from __future__ import annotations

from typing import Any

from edgepareto._plugins import import_package
from edgepareto.models._registry import ModelFamily, get_family, list_families, register_family
from edgepareto.models.cost import KINDS, CostReport, LayerSpec, keras_param_count
from edgepareto.models.graph import GraphCost, GraphOp
from edgepareto.models.variant import (
    BUILDABLE,
    FILE_FAMILY,
    PRECISIONS,
    ModelConfig,
    PlotStyle,
    Precision,
    Variant,
    format_alpha,
)

__all__ = [
    "BUILDABLE",
    "FILE_FAMILY",
    "KINDS",
    "PRECISIONS",
    "CostReport",
    "GraphCost",
    "GraphOp",
    "LayerSpec",
    "ModelConfig",
    "ModelFamily",
    "PlotStyle",
    "Precision",
    "Variant",
    "build_model",
    "cost_of",
    "format_alpha",
    "get_family",
    "keras_param_count",
    "list_families",
    "register_family",
]


def build_model(config: ModelConfig, **kwargs: Any) -> Any:  # -> keras.Model
    """Build a Keras model for ``config`` with its family's builder (seed/weights/bn_momentum)."""
    return get_family(config.family).build(config, **kwargs)


def cost_of(config: ModelConfig) -> CostReport:
    """Analytic multiply-adds and parameters of ``config`` (the seed's formulas)."""
    return get_family(config.family).cost(config)


import_package("edgepareto.models.families")  # each family registers itself; last, so they see the names above

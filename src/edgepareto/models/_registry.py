"""The model-family registry: a new family is one file that calls :func:`register_family`.

The registry imports none of its members: ``edgepareto.models`` imports every module of
``models/families`` (each registers itself), and other distributions' families come through the
``edgepareto.model_families`` entry points, loaded on the first lookup (:mod:`edgepareto._plugins`).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from edgepareto._plugins import load_entry_points
from edgepareto.errors import ConfigError
from edgepareto.models.variant import MAX_ALPHA, ModelConfig

if TYPE_CHECKING:  # Keras is imported lazily: `edgepareto --help` must not pay for TensorFlow.
    import keras

    from edgepareto.models.cost import CostReport


@dataclass(frozen=True)
class ModelFamily:
    """What a family file registers: how to build it in Keras and what it costs analytically."""

    name: str
    description: str
    build: Callable[..., keras.Model]
    cost: Callable[[ModelConfig], CostReport]
    named_variants: tuple[ModelConfig, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())
    alphas: tuple[float, ...] = (1.0,)  # the published widths: a plan's default for the family
    resolutions: tuple[int, ...] = (224,)  # the published input sides
    max_alpha: float = MAX_ALPHA  # the widest this family builds (v1: 1.0)

    def __post_init__(self) -> None:
        if not self.alphas or not self.resolutions or not 0 < self.max_alpha <= MAX_ALPHA:
            raise ValueError(f"family {self.name}: published alphas and resolutions, and max_alpha in (0, {MAX_ALPHA}]")
        for a in self.alphas:
            self.config(a, self.resolutions[0])
        for r in self.resolutions:
            self.config(self.alphas[0], r)

    def config(self, alpha: float, resolution: int, num_classes: int = 1000) -> ModelConfig:
        """A configuration of this family, its width checked against the family's own bound (one-line error)."""
        config = ModelConfig(self.name, alpha, resolution, num_classes)
        if config.alpha > self.max_alpha:
            raise ConfigError(f"alpha must be in (0, {self.max_alpha:g}] for {self.name}, got {alpha!r}")
        return config

    def options(self) -> dict[str, Any]:
        """What a plan's ``[study.families.NAME]`` may set, with the defaults it takes."""
        return {
            "alphas": list(self.alphas),
            "resolutions": list(self.resolutions),
            "max_alpha": self.max_alpha,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "options": self.options(),
            "variants": [
                {"name": v.name, "alpha": v.alpha, "resolution": v.resolution, "num_classes": v.num_classes}
                for v in self.named_variants
            ],
            "notes": list(self.notes),
        }


_FAMILIES: dict[str, ModelFamily] = {}


def register_family(family: ModelFamily) -> ModelFamily:
    """Add a family; the CLI, the sweep and the tests find it without being edited."""
    if family.name in _FAMILIES:
        raise ValueError(f"model family {family.name!r} registered twice")
    _FAMILIES[family.name] = family
    return family


def get_family(name: str) -> ModelFamily:
    _load_plugins()
    try:
        return _FAMILIES[name]
    except KeyError:
        known = ", ".join(sorted(_FAMILIES))
        raise ConfigError(f"unknown model family {name!r}; known families: {known}") from None


def list_families(pattern: str = "*") -> list[str]:
    """Family names matching a shell wildcard, as timm's ``list_models('mobilenet*')``."""
    _load_plugins()
    return sorted(n for n in _FAMILIES if fnmatch.fnmatch(n, pattern))


def _load_plugins() -> None:
    load_entry_points("edgepareto.model_families")

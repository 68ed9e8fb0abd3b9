"""The model-family registry: a new family is one file that calls :func:`register_family`."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from edgepareto.errors import ConfigError

if TYPE_CHECKING:  # Keras is imported lazily: `edgepareto --help` must not pay for TensorFlow.
    import keras

    from edgepareto.models.cost import CostReport

PRECISIONS: tuple[str, ...] = ("fp32", "fp16", "int8-dynamic", "int8")
MIN_ALPHA = 0.03125  # 1/32: Keras's int(32 * alpha) first-layer channels reach 0 below it
MAX_CLASSES = 100_000  # ImageNet-21k has 21,841
MAX_RESOLUTION = 1024  # 4.7x the largest published input (224); larger builds exhaust memory and time


@dataclass(frozen=True)
class ModelConfig:
    """One architecture instance: family, width multiplier, input side and class count."""

    family: str
    alpha: float = 1.0
    resolution: int = 224
    num_classes: int = 1000

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", str(self.family)):
            raise ConfigError(f"model family must be a lower-case identifier, got {self.family!r}")
        if (
            isinstance(self.alpha, bool)
            or not isinstance(self.alpha, (int, float))
            or not (0.0 < float(self.alpha) <= 1.0)
        ):
            raise ConfigError(f"alpha must be in (0, 1], got {self.alpha!r}")
        if int(32 * float(self.alpha)) < 1:  # Keras: int(c * alpha) channels, no floor; conv1 has c = 32
            raise ConfigError(
                f"alpha must be at least {MIN_ALPHA} (1/32: below it the first layer gets 0 channels), "
                f"got {self.alpha!r}"
            )
        object.__setattr__(self, "alpha", float(self.alpha))
        if (
            isinstance(self.resolution, bool)
            or not isinstance(self.resolution, int)
            or not 32 <= self.resolution <= MAX_RESOLUTION
            or self.resolution % 32
        ):
            raise ConfigError(
                f"resolution must be a multiple of 32 in [32, {MAX_RESOLUTION}] (e.g. 128, 160, 192, 224), "
                f"got {self.resolution!r}"
            )
        if (
            isinstance(self.num_classes, bool)
            or not isinstance(self.num_classes, int)
            or not 1 <= self.num_classes <= MAX_CLASSES
        ):
            raise ConfigError(f"num_classes must be an integer in [1, {MAX_CLASSES}], got {self.num_classes!r}")

    @property
    def name(self) -> str:
        """timm-style name that carries the variant: ``mobilenet_v1_050_224`` (+ ``_c10`` if not 1000)."""
        suffix = "" if self.num_classes == 1000 else f"_c{self.num_classes}"
        return f"{self.family}_{format_alpha(self.alpha)}_{self.resolution}{suffix}"

    def __str__(self) -> str:
        return f"{self.family} alpha={self.alpha:g} {self.resolution}x{self.resolution} {self.num_classes} classes"


def format_alpha(alpha: float) -> str:
    """0.25 -> '025', 1.0 -> '100', 0.125 -> '012p5': sortable and unambiguous."""
    hundredths = round(alpha * 100, 6)
    if hundredths == int(hundredths):
        return f"{int(hundredths):03d}"
    whole, frac = f"{hundredths:.6f}".rstrip("0").split(".")
    return f"{int(whole):03d}p{frac}"


_NAME_RE = re.compile(
    r"^(?P<family>[a-z][a-z0-9_]*?)_(?P<alpha>\d{3}(?:p\d+)?)_(?P<res>\d+)(?:_c(?P<classes>\d+))?"
    r"(?:\.(?P<precision>[a-z0-9-]+))?$"
)


def parse_variant_name(name: str) -> tuple[ModelConfig, str | None]:
    """Parse ``mobilenet_v1_050_224[_c10][.int8]`` into a config and an optional precision."""
    m = _NAME_RE.match(name)
    if not m:
        raise ConfigError(
            f"cannot parse variant name {name!r}; expected FAMILY_AAA_RES[.PRECISION], e.g. mobilenet_v1_050_224.int8"
        )
    alpha = float(m["alpha"].replace("p", ".")) / 100
    precision = m["precision"]
    if precision is not None and precision not in PRECISIONS:
        raise ConfigError(f"unknown precision {precision!r}; choose from {', '.join(PRECISIONS)}")
    classes = int(m["classes"]) if m["classes"] else 1000
    return ModelConfig(m["family"], alpha, int(m["res"]), classes), precision


@dataclass(frozen=True)
class ModelFamily:
    """What a family file registers: how to build it in Keras and what it costs analytically."""

    name: str
    description: str
    build: Callable[..., keras.Model]
    cost: Callable[[ModelConfig], CostReport]
    named_variants: tuple[ModelConfig, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
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
    _load_builtin_families()
    try:
        return _FAMILIES[name]
    except KeyError:
        known = ", ".join(sorted(_FAMILIES))
        raise ConfigError(f"unknown model family {name!r}; known families: {known}") from None


def list_families(pattern: str = "*") -> list[str]:
    """Family names matching a shell wildcard, as timm's ``list_models('mobilenet*')``."""
    _load_builtin_families()
    return sorted(n for n in _FAMILIES if fnmatch.fnmatch(n, pattern))


def _load_builtin_families() -> None:
    from edgepareto.models import mobilenet_v1  # noqa: F401  (registers on import)

"""The vocabulary every module speaks: a :class:`Precision` and a :class:`Variant`, each parsed once.

A variant is what gets deployed: an architecture instance (family, width multiplier alpha,
input resolution, classes) in one precision. :meth:`Variant.parse` reads this tool's names
(``mobilenet_v1_050_224.int8``), the names under which Google published its MobileNet files
(``mobilenet_v1_0.75_224_quant``) and, given what the file says of itself, any other stem.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from edgepareto.errors import ConfigError


@dataclass(frozen=True)
class PlotStyle:
    """How a precision looks in every plot (the seed: FP32 blue dots, INT8 orange crosses)."""

    color: str
    marker: str
    label: str


class Precision(StrEnum):
    """Numeric format of a deployed model; each value knows its file formats and its plot style."""

    FP32 = "fp32"
    FP16 = "fp16"
    INT8_DYNAMIC = "int8-dynamic"
    INT8 = "int8"  # full-integer PTQ built here: symmetric per-channel weights
    UINT8 = "uint8"  # asymmetric per-tensor, quantization-aware trained: Google's `_quant` files, the seed's INT8

    @classmethod
    def parse(cls, value: Any) -> Precision:
        """The one place a precision is validated."""
        if isinstance(value, cls):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            raise ConfigError(f"unknown precision {value}; choose from {', '.join(PRECISIONS)}") from None

    @classmethod
    def parse_list(cls, text: str | Any) -> tuple[Precision, ...]:
        """``"fp32,int8"`` or a list of names -> unique precisions in order; empty is an error."""
        items = [p for p in (text.split(",") if isinstance(text, str) else text) if str(p).strip()]
        if not items:
            raise ConfigError(f"no precision given; choose from {', '.join(PRECISIONS)}")
        return tuple(dict.fromkeys(cls.parse(p) for p in items))

    @property
    def formats(self) -> tuple[str, ...]:
        """File formats this tool can build in this precision (uint8 files are only ever given)."""
        return _FORMATS[self]

    @property
    def integer(self) -> bool:
        """Integer activations (the seed's INT8 column): int8 and uint8."""
        return self in (Precision.INT8, Precision.UINT8)

    @property
    def style(self) -> PlotStyle:
        return _STYLES[self]


_FORMATS: dict[Precision, tuple[str, ...]] = {
    Precision.FP32: ("tflite", "onnx"),
    Precision.FP16: ("tflite",),
    Precision.INT8_DYNAMIC: ("tflite",),
    Precision.INT8: ("tflite", "onnx"),
    Precision.UINT8: (),
}
_STYLES: dict[Precision, PlotStyle] = {
    Precision.FP32: PlotStyle("#1f77b4", "o", "FP32"),
    Precision.FP16: PlotStyle("#2ca02c", "^", "FP16"),
    Precision.INT8_DYNAMIC: PlotStyle("#9467bd", "D", "INT8 dynamic"),
    Precision.INT8: PlotStyle("#ff7f0e", "x", "INT8"),
    Precision.UINT8: PlotStyle("#ff7f0e", "+", "INT8 (uint8 QAT)"),  # the seed's INT8, told apart in the legend
}
PRECISIONS: tuple[str, ...] = tuple(p.value for p in Precision)
MIN_ALPHA = 0.03125  # 1/32: Keras's int(32 * alpha) first-layer channels reach 0 below it
MAX_ALPHA = 1.4  # the widest published MobileNet (v2 1.4); a family may allow less (v1: 1.0)
MAX_CLASSES = 100_000  # ImageNet-21k has 21,841
MAX_RESOLUTION = 1024  # 4.7x the largest published input (224); larger builds exhaust memory and time
BUILDABLE: tuple[str, ...] = tuple(p.value for p in Precision if p.formats)


def format_alpha(alpha: float) -> str:
    """0.25 -> '025', 1.0 -> '100', 0.125 -> '012p5': sortable and unambiguous."""
    hundredths = round(alpha * 100, 6)
    if hundredths == int(hundredths):
        return f"{int(hundredths):03d}"
    whole, frac = f"{hundredths:.6f}".rstrip("0").split(".")
    return f"{int(whole):03d}p{frac}"


@dataclass(frozen=True)
class ModelConfig:
    """One buildable architecture instance: family, width multiplier, input side and class count."""

    family: str
    alpha: float = 1.0
    resolution: int = 224
    num_classes: int = 1000

    def __post_init__(self) -> None:
        _check_family(self.family)
        object.__setattr__(self, "alpha", _check_alpha(self.alpha))
        if int(32 * self.alpha) < 1:  # Keras: int(c * alpha) channels, no floor; conv1 has c = 32
            raise ConfigError(
                f"alpha must be at least {MIN_ALPHA} (1/32: below it the first layer gets 0 channels), "
                f"got {self.alpha!r}"
            )
        if not _is_int(self.resolution) or not 32 <= self.resolution <= MAX_RESOLUTION or self.resolution % 32:
            raise ConfigError(
                f"resolution must be a multiple of 32 in [32, {MAX_RESOLUTION}] (e.g. 128, 160, 192, 224), "
                f"got {self.resolution!r}"
            )
        _check_classes(self.num_classes)

    @property
    def name(self) -> str:
        """timm-style name that carries the variant: ``mobilenet_v1_050_224`` (+ ``_c10`` if not 1000)."""
        suffix = "" if self.num_classes == 1000 else f"_c{self.num_classes}"
        return f"{self.family}_{format_alpha(self.alpha)}_{self.resolution}{suffix}"

    def __str__(self) -> str:
        return f"{self.family} alpha={self.alpha:g} {self.resolution}x{self.resolution} {self.num_classes} classes"


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _check_family(family: Any) -> None:
    if not isinstance(family, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", family):
        raise ConfigError(f"model family must be a lower-case identifier, got {family!r}")


def _check_alpha(alpha: Any) -> float:
    ok = isinstance(alpha, (int, float)) and not isinstance(alpha, bool) and math.isfinite(alpha)
    if not ok or not 0.0 < float(alpha) <= MAX_ALPHA:
        raise ConfigError(f"alpha must be in (0, {MAX_ALPHA:g}] (mobilenet_v1: (0, 1]), got {alpha!r}")
    return float(alpha)


def _check_classes(n: Any) -> None:
    if not _is_int(n) or not 1 <= n <= MAX_CLASSES:
        raise ConfigError(f"num_classes must be an integer in [1, {MAX_CLASSES}], got {n!r}")


# This tool's names: FAMILY[_AAA]_RES[_cN][_bg][.PRECISION][+TAG]
_NAME_RE = re.compile(
    r"^(?P<family>[a-z][a-z0-9_]*?)(?:_(?P<alpha>\d{3}(?:p\d+)?))?_(?P<res>\d+)(?:_c(?P<classes>\d+))?"
    r"(?P<bg>_bg)?(?:\.(?P<precision>[a-z0-9-]+))?(?:\+(?P<tag>[A-Za-z0-9_.-]+))?$"
)
# Google's hosted MobileNet v1 files: mobilenet_v1_0.75_224[_quant]; 1001 outputs (background first).
_HOSTED_RE = re.compile(r"^(?P<family>mobilenet_v1)_(?P<alpha>[01]\.\d+)_(?P<res>\d+)(?P<quant>_quant)?$")
FILE_FAMILY = "file"  # the family of a given file whose name says nothing this tool can read


@dataclass(frozen=True)
class Variant:
    """What is deployed: architecture instance plus precision (the engine belongs to a measurement).

    ``background`` marks models with one extra output in front of the classes (Google's
    1001-output ImageNet files). ``alpha`` is None only for given files of unknown family,
    which then carry their file stem as ``tag``.
    """

    family: str
    alpha: float | None
    resolution: int
    num_classes: int
    precision: Precision
    background: bool = False
    tag: str | None = None

    def __post_init__(self) -> None:
        _check_family(self.family)
        if self.alpha is None:
            if not self.tag:
                raise ConfigError(f"a {self.family} variant without alpha needs a tag (its file stem)")
        else:
            object.__setattr__(self, "alpha", _check_alpha(self.alpha))
        if not _is_int(self.resolution) or not 1 <= self.resolution <= 8192:
            raise ConfigError(f"resolution must be an integer in [1, 8192], got {self.resolution!r}")
        _check_classes(self.num_classes)
        object.__setattr__(self, "precision", Precision.parse(self.precision))
        if self.tag is not None and not re.fullmatch(r"[A-Za-z0-9_.-]+", self.tag):
            raise ConfigError(f"variant tag must be letters, digits, '_', '.' or '-', got {self.tag!r}")

    @classmethod
    def of(cls, config: ModelConfig, precision: Precision | str, **kwargs: Any) -> Variant:
        return cls(
            config.family, config.alpha, config.resolution, config.num_classes, Precision.parse(precision), **kwargs
        )

    @classmethod
    def parse(cls, name: str, **hints: Any) -> Variant:
        """A variant from a name or file stem: this tool's names, Google's hosted names, or any stem.

        ``hints`` (precision, resolution, num_classes, background) fill what the name does not
        say, from what the file declares (``inspect``); a plain stem needs precision and resolution.
        """
        stem = _stem(name)
        for parser in (_parse_tool_name, _parse_hosted_name, _parse_hosted_v2_v3_name):
            found = parser(stem)
            if found is not None:
                return cls._complete(found, stem, hints)
        if hints.get("precision") is None or hints.get("resolution") is None:
            raise ConfigError(
                f"cannot parse variant name {name!r}; expected FAMILY_AAA_RES[.PRECISION] "
                f"(e.g. mobilenet_v1_050_224.int8) or Google's mobilenet_v1_0.5_224[_quant]"
            )
        tag = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-") or "model"
        return cls._complete({"family": FILE_FAMILY, "alpha": None, "tag": tag}, stem, hints)

    @classmethod
    def _complete(cls, found: dict[str, Any], stem: str, hints: dict[str, Any]) -> Variant:
        """What the name says, with what it leaves open taken from ``hints``."""
        fields = ("family", "alpha", "resolution", "num_classes", "precision", "background", "tag")
        merged: dict[str, Any] = {k: found.get(k) if found.get(k) is not None else hints.get(k) for k in fields}
        if merged["precision"] is None:
            raise ConfigError(f"variant name {stem!r} lacks a precision; e.g. mobilenet_v1_050_224.int8")
        merged["num_classes"] = merged["num_classes"] or 1000
        merged["background"] = bool(merged["background"])
        return cls(**merged)

    @property
    def config(self) -> ModelConfig:
        """The buildable architecture (raises for given files of unknown family)."""
        if self.alpha is None:
            raise ConfigError(f"{self.name} is a given file, not an architecture this tool can build")
        return ModelConfig(self.family, self.alpha, self.resolution, self.num_classes)

    @property
    def outputs(self) -> int:
        return self.num_classes + int(self.background)

    @property
    def name(self) -> str:
        """The one name: parses back to this variant (``Variant.parse(v.name) == v``)."""
        alpha = "" if self.alpha is None else f"_{format_alpha(self.alpha)}"
        classes = "" if self.num_classes == 1000 else f"_c{self.num_classes}"
        bg = "_bg" if self.background else ""
        tag = f"+{self.tag}" if self.tag else ""
        return f"{self.family}{alpha}_{self.resolution}{classes}{bg}.{self.precision.value}{tag}"

    @property
    def label(self) -> str:
        """The seed's way of naming a point: ``alpha=0.5-FP32`` (a given file: its tag)."""
        if self.alpha is None:
            return f"{self.tag}-{self.precision.value.upper()}"
        a = f"{self.alpha:g}"
        seed = f"alpha={a if '.' in a else a + '.0'}-{self.precision.value.upper()}"
        return seed if self.family == "mobilenet_v1" else f"{self.family} {seed}"  # v1 keeps the seed's labels

    def __str__(self) -> str:
        return self.name


def _stem(name: str) -> str:
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    for ext in (".tflite", ".onnx"):
        if base.lower().endswith(ext):
            return base[: -len(ext)]
    return base


def _parse_tool_name(stem: str) -> dict[str, Any] | None:
    m = _NAME_RE.match(stem)
    if not m or (m["alpha"] is None and m["tag"] is None):
        return None
    alpha = float(m["alpha"].replace("p", ".")) / 100 if m["alpha"] else None
    return {
        "family": m["family"],
        "alpha": alpha,
        "resolution": int(m["res"]),
        "num_classes": int(m["classes"]) if m["classes"] else None,
        "background": True if m["bg"] else None,
        "precision": Precision.parse(m["precision"]) if m["precision"] else None,
        "tag": m["tag"],
    }


def _parse_hosted_name(stem: str) -> dict[str, Any] | None:
    m = _HOSTED_RE.match(stem)
    if not m:
        return None
    return {
        "family": m["family"],
        "alpha": float(m["alpha"]),
        "resolution": int(m["res"]),
        "num_classes": 1000,
        "background": True,
        "precision": Precision.UINT8 if m["quant"] else Precision.FP32,
    }


# Google's hosted MobileNet v2/v3 files: mobilenet_v2_1.0_224[_quant] (TF-slim / TFLite hosted models) and
# [mobilenet_]v3-small[-minimalistic]_224_1.0_float|uint8 (TF-slim's v3 checkpoints); 1001 outputs.
_HOSTED_V2_RE = re.compile(r"^mobilenet_v2_(?P<alpha>[01]\.\d+)_(?P<res>\d+)(?P<quant>_quant)?$")
_HOSTED_V3_RE = re.compile(
    r"^(?:mobilenet_)?v3-(?P<size>small|large)(?P<mini>-minimalistic)?_(?P<res>\d+)_(?P<alpha>[01]\.\d+)"
    r"_(?P<precision>float|uint8)$"
)


def _parse_hosted_v2_v3_name(stem: str) -> dict[str, Any] | None:
    """Google's names for its MobileNet v2 and v3 files (v1's are :func:`_parse_hosted_name`)."""
    m2, m3 = _HOSTED_V2_RE.match(stem), _HOSTED_V3_RE.match(stem)
    if m2:
        family, quant = "mobilenet_v2", bool(m2["quant"])
        m = m2
    elif m3:
        family = f"mobilenet_v3_{m3['size']}" + ("_minimalistic" if m3["mini"] else "")
        quant, m = m3["precision"] == "uint8", m3
    else:
        return None
    return {
        "family": family,
        "alpha": float(m["alpha"]),
        "resolution": int(m["res"]),
        "num_classes": 1000,
        "background": True,
        "precision": Precision.UINT8 if quant else Precision.FP32,
    }

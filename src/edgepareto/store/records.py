"""What the store holds, as frozen dataclasses validated on construction.

A :class:`MeasurementRecord` is DESIGN.md's Measurement: (variant, device or dataset,
metric, value, CI, n, protocol, source). Records from the latency and accuracy producers,
published tables and predictions all take this one shape, so analysis never asks where a
number came from except to show it.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from edgepareto.errors import ConfigError
from edgepareto.models import PRECISIONS, ModelConfig, parse_variant_name

SOURCES: tuple[str, ...] = ("measured", "published", "predicted")
STATUSES: tuple[str, ...] = ("ok", "failed")
DEVICE_KINDS: tuple[str, ...] = ("host", "board", "published")

# metric -> (unit, needs a device, needs a dataset)
METRICS: dict[str, tuple[str, bool, bool]] = {
    "size_bytes": ("bytes", False, False),
    "latency_ms": ("ms", True, False),
    "peak_rss_bytes": ("bytes", True, False),
    "top1": ("%", False, True),
    "top5": ("%", False, True),
}


@dataclass(frozen=True)
class Variant:
    """What is deployed: architecture instance plus precision (the engine belongs to a measurement)."""

    family: str
    alpha: float
    resolution: int
    num_classes: int
    precision: str

    def __post_init__(self) -> None:
        ModelConfig(self.family, self.alpha, self.resolution, self.num_classes)  # validates the architecture
        object.__setattr__(self, "alpha", float(self.alpha))
        if self.precision not in PRECISIONS:
            raise ConfigError(f"variant precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")

    @classmethod
    def of(cls, config: ModelConfig, precision: str) -> Variant:
        return cls(config.family, config.alpha, config.resolution, config.num_classes, precision)

    @classmethod
    def from_name(cls, name: str) -> Variant:
        config, precision = parse_variant_name(name)
        if precision is None:
            raise ConfigError(f"variant name {name!r} lacks a precision; e.g. mobilenet_v1_050_224.int8")
        return cls.of(config, precision)

    @property
    def config(self) -> ModelConfig:
        return ModelConfig(self.family, self.alpha, self.resolution, self.num_classes)

    @property
    def name(self) -> str:
        return f"{self.config.name}.{self.precision}"

    @property
    def label(self) -> str:
        """The seed's way of naming a point: ``alpha=0.5-FP32``."""
        a = f"{self.alpha:g}"
        return f"alpha={a if '.' in a else a + '.0'}-{self.precision.upper()}"

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Device:
    """Where latency was taken; ``fingerprint`` says enough to recognise the same device again."""

    name: str
    kind: str
    fingerprint: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ConfigError("device name must not be empty")
        if self.kind not in DEVICE_KINDS:
            raise ConfigError(f"device kind must be one of {', '.join(DEVICE_KINDS)}, got {self.kind!r}")


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    size: int | None = None
    citation: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ConfigError("dataset name must not be empty")
        if self.size is not None and self.size < 1:
            raise ConfigError(f"dataset size must be >= 1, got {self.size}")


@dataclass(frozen=True)
class ArtifactRecord:
    """A model file known to the store; ``recipe_key`` identifies what built it (the conversion cache)."""

    sha256: str
    variant: Variant
    format: str
    path: str
    bytes: int
    scheme: str
    weight_bytes: int | None = None
    recipe_key: str | None = None
    anatomy: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if len(self.sha256) != 64:
            raise ConfigError(f"artifact sha256 must be 64 hex digits, got {self.sha256!r}")
        if self.bytes <= 0:
            raise ConfigError(f"artifact bytes must be positive, got {self.bytes}")
        if self.format not in ("tflite", "onnx"):
            raise ConfigError(f"artifact format must be tflite or onnx, got {self.format!r}")


@dataclass(frozen=True)
class MeasurementRecord:
    """One number with its provenance. ``key`` makes inserts idempotent (one record per task)."""

    variant: Variant
    metric: str
    value: float | None
    source: str
    device: str | None = None
    dataset: str | None = None
    artifact_sha256: str | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    status: str = "ok"
    error: str | None = None
    engine: str | None = None
    engine_version: str | None = None
    threads: int | None = None
    protocol: dict[str, Any] | None = None
    citation: str | None = None
    notes: str | None = None
    tool_versions: dict[str, str] | None = None
    record: dict[str, Any] | None = None
    started_at: str | None = None
    key: str = ""
    # Filled when read back from a store.
    id: int | None = None
    created_at: str | None = None
    run_id: int | None = None

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ConfigError(f"metric must be one of {', '.join(METRICS)}, got {self.metric!r}")
        if self.source not in SOURCES:
            raise ConfigError(f"source must be one of {', '.join(SOURCES)}, got {self.source!r}")
        if self.status not in STATUSES:
            raise ConfigError(f"status must be ok or failed, got {self.status!r}")
        _, needs_device, needs_dataset = METRICS[self.metric]
        if needs_device and not self.device:
            raise ConfigError(f"a {self.metric} measurement needs a device")
        if needs_dataset and not self.dataset:
            raise ConfigError(f"a {self.metric} measurement needs a dataset")
        if self.status == "ok":
            if self.value is None or not math.isfinite(self.value):
                raise ConfigError(f"value of an ok {self.metric} measurement must be a finite number, got {self.value}")
            lo = self.value if self.ci_low is None else self.ci_low
            hi = self.value if self.ci_high is None else self.ci_high
            if not lo <= self.value <= hi:
                raise ConfigError(
                    f"confidence interval [{self.ci_low}, {self.ci_high}] must contain the value {self.value}"
                )
        elif not self.error:
            raise ConfigError("a failed measurement must say why in `error`")
        if self.n is not None and self.n < 1:
            raise ConfigError(f"n must be >= 1, got {self.n}")
        if self.threads is not None and self.threads < 1:
            raise ConfigError(f"threads must be >= 1, got {self.threads}")
        if not self.key:
            object.__setattr__(self, "key", self.default_key())

    @property
    def unit(self) -> str:
        return METRICS[self.metric][0]

    def default_key(self) -> str:
        """Identity of the task that produced this number, independent of the number itself."""
        ident = {
            "variant": self.variant.name,
            "metric": self.metric,
            "source": self.source,
            "device": self.device,
            "dataset": self.dataset,
            "artifact": self.artifact_sha256,
            "engine": self.engine,
            "threads": self.threads,
            "citation": self.citation,
        }
        return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:32]

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["variant"] = self.variant.name
        doc["unit"] = self.unit
        return doc

"""What the store holds, as frozen dataclasses validated on construction.

A :class:`MeasurementRecord` is the design's Measurement (``../shared/DESIGN.md``): (variant, device or dataset,
metric, value, CI, n, protocol, source). Records from the latency and accuracy producers,
published tables and predictions all take this one shape, so analysis never asks where a
number came from except to show it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from edgepareto.errors import ConfigError
from edgepareto.models import Variant

if TYPE_CHECKING:
    from edgepareto.artifacts import Artifact

SOURCES: tuple[str, ...] = ("measured", "published", "predicted")
STATUSES: tuple[str, ...] = ("ok", "noisy", "failed")
#: A latency whose 95% CI reaches further than this fraction of its value on either side is stored ``noisy``:
#: kept and shown (marked), but left out of fits, fronts and recommendations unless asked (``--accept-noisy``).
#: This host's speed states alone put process medians up to ~17% apart (0.36 vs 0.42 ms, README "Interference"),
#: so a CI reaching that far is the host; past 25% it is not (issue 25's 16.86 ms [6.66, 508] reached +2,900%).
NOISY_CI = 0.25
DEVICE_KINDS: tuple[str, ...] = ("host", "board", "published")

# metric -> (unit, needs a device, needs a dataset)
METRICS: dict[str, tuple[str, bool, bool]] = {
    "size_bytes": ("bytes", False, False),
    "latency_ms": ("ms", True, False),
    "peak_rss_bytes": ("bytes", True, False),
    "energy_mj": ("mJ", True, False),
    "first_inference_ms": ("ms", True, False),  # the first invoke() after loading (an app's start-up)
    "load_ms": ("ms", True, False),  # open + delegate + allocate the model (an app's start-up)
    "e2e_latency_ms": ("ms", True, False),  # JPEG decode + the preset's preprocessing + invoke() + top-k
    "top1": ("%", False, True),
    "top5": ("%", False, True),
}


class Accuracy(Protocol):
    """What an accuracy producer reports (``eval``'s EvalResult, ``train``'s StudyRecord): fractions in [0, 1]."""

    @property
    def top1(self) -> float: ...
    @property
    def top5(self) -> float: ...
    @property
    def ci95_top1(self) -> tuple[float, float]: ...
    @property
    def ci95_top5(self) -> tuple[float, float]: ...
    @property
    def n(self) -> int: ...


class Latency(Protocol):
    """What the latency producer reports (``bench``'s Measurement), read by attribute: the store depends on no
    producer, and no consumer guesses which key or type holds a figure. ``to_json`` is the whole document,
    kept beside the figures as the record's ``record``."""

    status: str
    error: str | None
    engine: str
    engine_version: str | None
    threads: int  # 0: not stated (an imported log)
    protocol: dict[str, Any]
    runs: int | None
    median_ms: float | None
    ci95_median_ms: list[float] | None
    peak_rss_bytes: int | None
    first_inference_ms: float | None
    load_ms: float | None
    end_to_end: dict[str, Any] | None
    processes: list[dict[str, Any]] | None

    def to_json(self) -> dict[str, Any]: ...


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
            raise ConfigError(f"status must be ok, noisy or failed, got {self.status!r}")
        _, needs_device, needs_dataset = METRICS[self.metric]
        if needs_device and not self.device:
            raise ConfigError(f"a {self.metric} measurement needs a device")
        if needs_dataset and not self.dataset:
            raise ConfigError(f"a {self.metric} measurement needs a dataset")
        if self.status in ("ok", "noisy"):
            if self.value is None or not math.isfinite(self.value):
                raise ConfigError(
                    f"value of an {self.status} {self.metric} measurement must be a finite number, got {self.value}"
                )
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

    def with_artifact(self, sha256: str) -> MeasurementRecord:
        return replace(self, artifact_sha256=sha256)

    @classmethod
    def from_latency(
        cls, m: Latency, *, device: str, artifact: Artifact, key: str, protocol_name: str
    ) -> list[MeasurementRecord]:
        """The latency record (and peak memory, when measured) of one ``Measurement``; failed runs stay failed."""
        doc = m.to_json()
        proto = {**m.protocol, "name": m.protocol.get("name") or protocol_name}
        common: dict[str, Any] = {
            "variant": artifact.variant,
            "source": "measured",
            "device": device,
            "artifact_sha256": artifact.sha256,
            "engine": m.engine,
            "engine_version": m.engine_version,
            "threads": m.threads if m.threads >= 1 else None,
            "protocol": proto,
            "record": doc,
        }
        if m.status != "ok" or m.median_ms is None:
            err = m.error or "measurement failed without an error message"
            return [cls(metric="latency_ms", value=None, status="failed", error=err, key=key, **common)]
        value = float(m.median_ms)
        lo, hi = _interval(m.ci95_median_ms, value)
        status, notes = noisy_status(value, lo, hi)
        out = [
            cls(
                metric="latency_ms",
                value=value,
                ci_low=lo,
                ci_high=hi,
                n=m.runs or None,
                key=key,
                status=status,
                notes=notes,
                **common,
            )
        ]
        if m.peak_rss_bytes:
            rss = cls.memory_key(key)
            out.append(cls(metric="peak_rss_bytes", value=float(m.peak_rss_bytes), n=1, key=rss, **common))
        energy = energy_record(doc, cls.energy_key(key), common)
        out = out + cls._start_up(m, key, common) + cls._end_to_end(m, key, common)
        return [*out, energy] if energy is not None else out

    @classmethod
    def _end_to_end(cls, m: Latency, key: str, common: dict[str, Any]) -> list[MeasurementRecord]:
        """Image file -> top-k (``bench --end-to-end``) as its own metric, its preset in the protocol."""
        e2e = m.end_to_end
        if e2e is None or not isinstance(e2e.get("median_ms"), (int, float)):  # a failed run times no image
            return []
        value = float(e2e["median_ms"])
        lo, hi = _interval(e2e.get("ci95_median_ms"), value)
        proto = {**common["protocol"], "preset": e2e.get("preset"), "preprocessing": e2e.get("preprocessing"),
                 "images": e2e.get("images"), "top_k": e2e.get("top_k")}  # fmt: skip
        what = f"decode + {e2e.get('preset')} preprocessing + invoke + top-{e2e.get('top_k')} per image"
        e2e_key = cls.derived_key(key, "e2e_latency_ms")
        return [
            cls(
                metric="e2e_latency_ms",
                value=value,
                ci_low=lo,
                ci_high=hi,
                n=e2e.get("runs") or None,
                key=e2e_key,
                notes=what,
                **{**common, "protocol": proto},
            )
        ]

    @classmethod
    def _start_up(cls, m: Latency, key: str, common: dict[str, Any]) -> list[MeasurementRecord]:
        """The first inference and the load time, each its own metric (never mixed into the latency)."""
        out = []
        procs = m.processes or []
        for metric, value in (("first_inference_ms", m.first_inference_ms), ("load_ms", m.load_ms)):
            if value is None or not math.isfinite(value) or value <= 0:
                continue
            per = [float(p[metric]) for p in procs if isinstance(p.get(metric), (int, float))]
            lo, hi = (min(per), max(per)) if len(per) > 1 else (None, None)
            out.append(
                cls(
                    metric=metric,
                    value=float(value),
                    ci_low=lo,
                    ci_high=hi,
                    n=len(per) or 1,
                    key=cls.derived_key(key, metric),
                    notes="median over the measuring processes (interval: their range)" if per else None,
                    **common,
                )
            )
        return out

    @staticmethod
    def derived_key(latency_key: str, metric: str) -> str:
        """The key of a record a latency measurement writes beside its latency (first inference, load, e2e)."""
        return hashlib.sha256(json.dumps([latency_key, metric], sort_keys=True).encode()).hexdigest()[:24]

    @staticmethod
    def memory_key(latency_key: str) -> str:
        """The key of the peak-memory record a successful latency measurement writes beside its latency."""
        return hashlib.sha256(json.dumps([latency_key, "rss"], sort_keys=True).encode()).hexdigest()[:24]

    @staticmethod
    def energy_key(latency_key: str) -> str:
        """The key of the energy-per-inference record a measurement writes beside its latency, when measured."""
        return hashlib.sha256(json.dumps([latency_key, "energy"], sort_keys=True).encode()).hexdigest()[:24]

    @classmethod
    def from_accuracy(
        cls,
        result: Accuracy,
        *,
        variant: Variant,
        dataset: str,
        key: Callable[[str], str],
        artifact_sha256: str | None = None,
        **extra: Any,
    ) -> list[MeasurementRecord]:
        """top-1 and top-5 as percentages with their Wilson intervals; ``key(metric)`` names each record."""
        out = []
        for metric in ("top1", "top5"):
            value = 100.0 * getattr(result, metric)
            lo, hi = _interval([None if c is None else 100.0 * c for c in getattr(result, f"ci95_{metric}")], value)
            out.append(
                cls(
                    variant=variant,
                    metric=metric,
                    value=value,
                    source="measured",
                    dataset=dataset,
                    ci_low=lo,
                    ci_high=hi,
                    n=result.n,
                    artifact_sha256=artifact_sha256,
                    key=key(metric),
                    **extra,
                )
            )
        return out


def noisy_status(value: float, lo: float | None, hi: float | None) -> tuple[str, str | None]:
    """(``noisy``, why) when the CI reaches further than :data:`NOISY_CI` of the value on either side, else ok."""
    if lo is None or hi is None or value <= 0:
        return "ok", None
    reach = max(value - lo, hi - value) / value
    if reach <= NOISY_CI:
        return "ok", None
    why = f"noisy: the 95% CI [{lo:.3f}, {hi:.3f}] ms reaches ±{reach:.0%} of the median, more than ±{NOISY_CI:.0%}"
    return "noisy", f"{why}; left out of fits, fronts and recommendations unless --accept-noisy"


def _interval(ci: Any, value: float) -> tuple[float | None, float | None]:
    """A CI that contains its value (rounding may put a bound a hair inside it)."""
    lo, hi = [*list(ci), None, None][:2] if ci else (None, None)
    return (None if lo is None else min(float(lo), value), None if hi is None else max(float(hi), value))


def energy_record(doc: dict[str, Any], key: str, common: dict[str, Any]) -> MeasurementRecord | None:
    """``energy_mj`` (per inference, with its interval) where the measuring process's sensor measured it.

    Only a measured figure becomes a record; "unavailable" (no sensor, too slow a sensor, no permission) stays
    as the one line in the latency record's ``telemetry.energy``, never an estimate.
    """
    energy = (doc.get("telemetry") or {}).get("energy") or {}
    if energy.get("status") != "measured" or energy.get("mj_per_inference") is None:
        return None
    value = float(energy["mj_per_inference"])
    lo, hi = _interval(energy.get("ci_mj"), value)
    sensor = energy.get("sensor") or {}
    where = "+".join(sensor.get("zones") or sensor.get("rails") or sensor.get("chips") or []) or sensor.get("log", "")
    notes = f"sensor {energy.get('source')}{f' ({where})' if where else ''}, {energy.get('updates', 0):.0f} updates"
    proto = {
        **(common.get("protocol") or {}),
        "energy": {
            k: energy.get(k)
            for k in ("source", "update_interval_s", "updates", "min_updates", "idle_w", "window_s", "ci", "ci_level")
        },
    }
    return MeasurementRecord(
        metric="energy_mj",
        value=value,
        ci_low=lo,
        ci_high=hi,
        n=int(energy.get("runs") or 1),
        key=key,
        notes=notes,
        **{**common, "protocol": proto},
    )

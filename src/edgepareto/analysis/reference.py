"""Reference data shipped with the package, with citations: the seed's Table II and Google's hosted models.

Read as plain tables (for the pure paper reproduction) and as store records with source
``published`` (so they sit in the store beside what this host measured).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from edgepareto.models import Precision, Variant
from edgepareto.store import DEFAULT_PATH, Dataset, Device, MeasurementRecord, Store

FAMILY = "mobilenet_v1"
A15 = "ODROID-XU4 Cortex-A15"
A7 = "ODROID-XU4 Cortex-A7"
SEED_DEVICES: tuple[str, ...] = (A15, A7)
IMAGENET = "imagenet-val"
IMAGENET_DATASET = Dataset(
    IMAGENET,
    "ILSVRC2012 validation set (50,000 images, 1000 classes)",
    50000,
    "Russakovsky et al., ImageNet Large Scale Visual Recognition Challenge, IJCV 2015",
)
SEED_PROTOCOL: dict[str, Any] = {
    "name": "paper",
    "warmup_runs": 1,
    "runs": 100,
    "pause_s": 2.0,
    "threads": 1,
    "statistic": "mean",
    "engine": "TensorFlow Lite 1.14 benchmark_model (NEON kernels)",
    "inputs": "random",
}


def _data(name: str) -> str:
    return resources.files("edgepareto.analysis").joinpath("data", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def citations() -> dict[str, Any]:
    return json.loads(_data("citations.json"))


@dataclass(frozen=True)
class TableIIRow:
    alpha: float
    cluster: str  # "Cortex-A15" or "Cortex-A7"
    precision: str  # "fp32" or "int8"
    fps: float

    @property
    def device(self) -> str:
        return f"ODROID-XU4 {self.cluster}"

    @property
    def latency_ms(self) -> float:
        return 1000.0 / self.fps


@dataclass(frozen=True)
class HostedModel:
    """One row of Google's hosted-models page: ``precision`` is the page's column ("int8" = the ``_quant`` file)."""

    alpha: float
    resolution: int
    precision: str
    size_mb: float
    top1: float
    top5: float

    @property
    def variant(self) -> Variant:
        return seed_variant(self.alpha, self.precision, self.resolution)

    @property
    def file_name(self) -> str:
        """The file's name on Google's page: ``mobilenet_v1_0.75_224_quant.tflite``."""
        alpha = "1.0" if self.alpha == 1 else f"{self.alpha:g}"
        return f"{FAMILY}_{alpha}_{self.resolution}{'_quant' if self.precision == 'int8' else ''}.tflite"


@lru_cache(maxsize=1)
def seed_table2() -> tuple[TableIIRow, ...]:
    """The 16 FPS figures of the seed's Table II."""
    rows = csv.DictReader(_data("seed_table2.csv").splitlines())
    return tuple(TableIIRow(float(r["alpha"]), r["cluster"], r["precision"], float(r["fps"])) for r in rows)


@lru_cache(maxsize=1)
def hosted_models() -> tuple[HostedModel, ...]:
    """Google's 16 hosted MobileNet v1 files, float and quantized: size (MB), ImageNet top-1 and top-5 (%)."""
    rows = csv.DictReader(_data("hosted_models.csv").splitlines())
    num = ("size_mb", "top1", "top5")
    return tuple(
        HostedModel(float(r["alpha"]), int(r["resolution"]), r["precision"], *(float(r[k]) for k in num)) for r in rows
    )


def seed_fps() -> dict[tuple[str, float, str], float]:
    """(device, alpha, precision) -> FPS."""
    return {(r.device, r.alpha, r.precision): r.fps for r in seed_table2()}


def published_top1(resolution: int = 224) -> dict[tuple[float, str], float]:
    """(alpha, precision) -> ImageNet top-1 % of Google's hosted file at ``resolution`` (the seed's: 224)."""
    return {(m.alpha, m.precision): m.top1 for m in hosted_models() if m.resolution == resolution}


def published_size_mb(resolution: int = 224) -> dict[tuple[float, str], float]:
    return {(m.alpha, m.precision): m.size_mb for m in hosted_models() if m.resolution == resolution}


def hosted_row(variant: Variant) -> HostedModel | None:
    """The published row of Google's file whose variant this is (``mobilenet_v1_075_224_bg.uint8``), or None."""
    return next((m for m in hosted_models() if m.variant == variant), None)


def seed_devices() -> list[Device]:
    return [Device(name, "published", fp) for name, fp in citations()["devices"].items()]


def seed_variant(alpha: float, precision: str, resolution: int = 224) -> Variant:
    """The one identity of the files the seed and Google's page publish: Google's hosted file, as
    ``Variant.parse`` reads its name (1001 outputs; the seed's and the page's "int8" is the uint8 QAT file)."""
    prec = Precision.UINT8 if precision == "int8" else Precision.parse(precision)
    return Variant(FAMILY, alpha, resolution, 1000, prec, background=True)


def reference_records() -> list[MeasurementRecord]:
    """Every published figure as a store record (latency per ODROID cluster, size and top-1 per model)."""
    cites = citations()
    t2, hm = cites["seed_table2"], cites["hosted_models"]
    recs = [
        MeasurementRecord(
            variant=seed_variant(r.alpha, r.precision),
            metric="latency_ms",
            value=r.latency_ms,
            source="published",
            device=r.device,
            n=100,
            engine="tflite",
            engine_version="1.14",
            threads=1,
            protocol=SEED_PROTOCOL,
            citation=t2["citation"],
            notes=f"{r.fps} FPS in the table; " + t2["notes"],
            record={"fps": r.fps, "alpha": r.alpha, "cluster": r.cluster, "precision": r.precision},
            tool_versions={},
        )
        for r in seed_table2()
    ]
    for m in hosted_models():
        common = {
            "variant": m.variant,
            "source": "published",
            "citation": hm["citation"],
            "notes": f"{m.file_name}: {hm['notes']}",
            "record": {"size_mb": m.size_mb, "top1": m.top1, "top5": m.top5, "file": m.file_name},
            "tool_versions": {},
        }
        recs.append(MeasurementRecord(metric="size_bytes", value=m.size_mb * 1e6, **common))
        recs.append(MeasurementRecord(metric="top1", value=m.top1, dataset=IMAGENET, n=50000, **common))
        recs.append(MeasurementRecord(metric="top5", value=m.top5, dataset=IMAGENET, n=50000, **common))
    return recs


def load_reference(store: Any, families: Iterable[str] = ()) -> int:
    """Put the reference data into ``store`` (idempotent); returns how many records were new. ``families``: the
    v2/v3 families whose published top-1 rows join v1's (those a built study of the plan holds)."""
    from edgepareto.analysis.published_families import published_family_records  # v2/v3 top-1, cited per row

    for device in seed_devices():
        store.add_device(device)
    store.add_dataset(IMAGENET_DATASET)
    return store.add_many(reference_records() + published_family_records(families))


def open_results(path: str | Path = DEFAULT_PATH) -> Store:
    """The results store at ``path`` (created and migrated if needed) with the shipped reference rows in it."""
    store = Store(Path(path))
    load_reference(store)
    return store

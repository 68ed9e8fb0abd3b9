"""Published MACs, parameters and accuracy of MobileNet v2 and v3, each row naming its source.

``data/published_families.csv`` holds TF-slim's MobileNet v2 table (every width x resolution
checkpoint: MACs, parameters, top-1, top-5), its v3 table (float and 8-bit checkpoints at 224:
MACs, parameters, top-1), the TensorFlow Lite hosted-models table's v2 files (size, top-1,
top-5) and, for v3, a reimplementation's table of the paper's architectures. ``keras_differs``
marks the rows whose architecture the Keras build does not reproduce (TF-slim's v3-Small
checkpoints); v1's published rows stay in ``reference.py``.

TF-slim's v2 MACs are truncated to whole millions (every entry is the floor of the layer-exact
count: 0.35/96 is 11.93 M, listed as 11), so at small sizes they sit up to 8% below the model.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from edgepareto.models import Precision, Variant
from edgepareto.store import MeasurementRecord

IMAGENET = "imagenet-val"  # every row's top-1 is on all 50,000 ILSVRC2012 validation images


@dataclass(frozen=True)
class PublishedRow:
    """One published entry: a variant of a family and what its source says about it (None: not given)."""

    family: str
    alpha: float
    resolution: int
    precision: Precision
    macs_millions: float | None
    params_millions: float | None
    top1: float | None
    top5: float | None
    size_mb: float | None
    keras_differs: bool
    source: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "precision", Precision.parse(self.precision))
        if not self.source:
            raise ValueError(f"published row {self.family} {self.alpha} {self.resolution} names no source")
        for f in ("macs_millions", "params_millions", "top1", "top5", "size_mb"):
            x = getattr(self, f)
            if x is not None and not (math.isfinite(x) and x > 0):
                raise ValueError(f"published {f} must be a positive number, got {x!r}")
        if any(x is not None and x > 100 for x in (self.top1, self.top5)):
            raise ValueError(f"published accuracy is a percentage, got {self.top1}/{self.top5}")


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


@lru_cache(maxsize=1)
def published_family_rows() -> tuple[PublishedRow, ...]:
    """Every published v2/v3 row, in the file's order."""
    text = resources.files("edgepareto.analysis").joinpath("data", "published_families.csv").read_text("utf-8")
    return tuple(_row(r) for r in csv.DictReader(text.splitlines()))


def _row(r: dict[str, str]) -> PublishedRow:
    numbers = {f: _number(r[f]) for f in ("macs_millions", "params_millions", "top1", "top5", "size_mb")}
    return PublishedRow(
        family=r["family"],
        alpha=float(r["alpha"]),
        resolution=int(r["resolution"]),
        precision=Precision.parse(r["precision"]),
        keras_differs=r["keras_differs"] == "1",
        source=r["source"],
        **numbers,
    )


def published_for(family: str) -> tuple[PublishedRow, ...]:
    return tuple(r for r in published_family_rows() if r.family == family)


def published_variant(row: PublishedRow) -> Variant:
    """The identity of the published checkpoint or file: 1001 outputs (background first), as Google's names read."""
    return Variant(row.family, row.alpha, row.resolution, 1000, row.precision, background=True)


def top1_rows() -> dict[Variant, PublishedRow]:
    """The first row with a top-1 per published variant, leaving out rows whose architecture the Keras build does
    not reproduce (TF-slim's v3-Small) and reimplementations' tables (not Google's checkpoint or file)."""
    out: dict[Variant, PublishedRow] = {}
    for row in published_family_rows():
        if row.top1 is not None and not row.keras_differs and not row.source.startswith("d-li14"):
            out.setdefault(published_variant(row), row)
    return out


def published_family_records(families: Iterable[str]) -> list[MeasurementRecord]:
    """Each published top-1 (and top-5) of ``families`` as a store record citing its row's source: the accuracy
    a built file of the same architecture stands in with (``analysis.points.published_twin``), labelled so."""
    recs = []
    for variant, row in top1_rows().items():
        if variant.family not in families:
            continue
        notes = f"{row.family} {row.alpha:g}/{row.resolution} {row.precision}: {row.source}"
        record = {"top1": row.top1, "top5": row.top5, "macs_millions": row.macs_millions}
        common: dict[str, Any] = dict(
            variant=variant,
            source="published",
            citation=row.source,
            dataset=IMAGENET,
            n=50000,
            notes=notes,
            record=record,
            tool_versions={},
        )
        recs.append(MeasurementRecord(metric="top1", value=row.top1, **common))
        if row.top5 is not None:
            recs.append(MeasurementRecord(metric="top5", value=row.top5, **common))
    return recs


def published_families() -> frozenset[str]:
    """The families with a published top-1 a built file can stand in with."""
    return frozenset(v.family for v in top1_rows())

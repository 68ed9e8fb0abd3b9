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
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from edgepareto.models import Precision


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

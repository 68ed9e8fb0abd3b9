"""One accuracy measurement (:class:`EvalResult`) and its per-image CSV: what ``evaluate`` returns, as
pyperf's ``Run`` is what a benchmark returns: immutable, with everything needed to trust and reproduce it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from edgepareto.artifacts import write_atomic
from edgepareto.eval.pool import TOPK
from edgepareto.validation import csv_cell


@dataclass(frozen=True)
class EvalResult:
    """One accuracy measurement with everything needed to trust and reproduce it."""

    model: str
    engine: str
    engine_version: str
    dataset: str
    source: str
    n: int
    top1: float
    top5: float
    ci95_top1: tuple[float, float]
    ci95_top5: tuple[float, float]
    preprocessing: dict[str, Any]
    input_encoding: str
    skipped: tuple[dict[str, str], ...]
    requested: int
    workers: int
    seconds: float
    cache: dict[str, int]
    steady_images_per_s: float = 0.0  # after every worker's first chunk: excludes worker start-up
    subset: str = "all"  # "all", "first N" or "balanced N" (--limit, --balanced)
    classes: int = 0  # distinct labels among the evaluated images
    dataset_classes: int = 0  # classes the data set has
    # per evaluated image, dataset order: file, label, top-k class indices (-1 = background)
    files: tuple[str, ...] = field(repr=False, default=())
    labels: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, np.int64))
    topk: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, TOPK), np.int64))

    @property
    def images_per_s(self) -> float:
        return self.n / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "engine": self.engine,
            "engine_version": self.engine_version,
            "dataset": self.dataset,
            "source": self.source,
            "top1": self.top1,
            "top5": self.top5,
            "n": self.n,
            "ci95_top1": list(self.ci95_top1),
            "ci95_top5": list(self.ci95_top5),
            "preprocessing_preset": self.preprocessing.get("preset", "custom"),
            "preprocessing": self.preprocessing,
            "input_encoding": self.input_encoding,
            "requested": self.requested,
            "subset": self.subset,
            "classes": self.classes,
            "dataset_classes": self.dataset_classes,
            "skipped_count": len(self.skipped),
            "skipped": list(self.skipped),
            "workers": self.workers,
            "seconds": round(self.seconds, 3),
            "images_per_s": round(self.images_per_s, 2),
            "steady_images_per_s": round(self.steady_images_per_s, 2),
            "cache": self.cache,
        }

    @property
    def top1_predictions(self) -> np.ndarray:
        return self.topk[:, 0]


def write_predictions(
    result: EvalResult,
    path: Path,
    output_names: list[str] | None,
    class_names: tuple[str, ...],
    offset: int,
) -> None:
    """``file,label,top1,top5,label_name,top1_name`` per image (top5: space-separated class indices)."""

    def name(c: int) -> str:
        if output_names is not None:
            return output_names[c + offset]
        return class_names[c] if 0 <= c < len(class_names) else "background"

    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["file", "label", "top1", "top5", "label_name", "top1_name"])
    for file, label, row in zip(result.files, result.labels, result.topk, strict=True):
        w.writerow(
            [
                csv_cell(file),
                int(label),
                int(row[0]),
                " ".join(str(int(c)) for c in row),
                csv_cell(name(int(label))),
                csv_cell(name(int(row[0]))),
            ]
        )
    write_atomic(path, buf.getvalue())

"""Store keys of the sweep's tasks: every key is known before anything runs, so a rerun skips finished work.

An artifact is identified by its *recipe* (what built it: variant, seed, calibration, converter
version), a size by its recipe, a latency by (recipe, engine, threads, device, protocol), an
accuracy by (study, variant, dataset, metric, training schedule). Changing how a key is
derived re-measures everything: these functions are the store's compatibility contract.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from edgepareto.models import ModelConfig, Precision, Variant
from edgepareto.store import MeasurementRecord
from edgepareto.sweep.plan import StudyPlan


def digest(obj: Any, n: int = 24) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:n]


@lru_cache(maxsize=1)
def converter_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("tensorflow-cpu")
    except metadata.PackageNotFoundError:
        return "unknown"


def recipe_of(study: StudyPlan, config: ModelConfig, precision: Precision | str, fmt: str) -> str:
    precision = Precision.parse(precision)
    ident = {
        "kind": "convert",
        "variant": Variant.of(config, precision).name,
        "format": fmt,
        "seed": study.seed,
        "calibration": [study.calibration_samples, calibration_dir(study)] if precision == "int8" else None,
        "converter": converter_version(),
    }
    if study.weights is not None:  # only then: the recipes of random-weight studies stay as they were
        from edgepareto.sweep.weights import weights_identity

        ident["weights"] = weights_identity(study.weights)
    return digest(ident)


def calibration_dir(study: StudyPlan) -> str | None:
    """Where int8 is calibrated: ``calibration_dir``, else a weighted study's own labelled images."""
    return study.calibration_dir or (study.data_dir if study.weights is not None else None)


def size_key(recipe: str) -> str:
    return digest({"size_of": recipe})


def protocol_id(name: str, overrides: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> str:
    """The protocol as a latency key sees it: the preset's name plus a digest of any overrides (a plan's
    ``options.protocol``, ``bench``'s flags), so another setting is another figure. The one protocol id."""
    return name + (f"+{digest(dict(overrides), 8)}" if overrides else "")


def latency_key(recipe: str, engine: str, threads: int, device: str, protocol: str) -> str:
    return digest({"latency_of": recipe, "engine": engine, "threads": threads, "device": device, "protocol": protocol})


def rss_key(latency: str) -> str:
    """The peak-memory record a successful latency measurement writes beside its latency."""
    return MeasurementRecord.memory_key(latency)


def accuracy_key(study: str, alpha: float, precision: str, dataset: str, metric: str, schedule: str = "") -> str:
    ident = {"study": study, "alpha": alpha, "precision": str(precision), "dataset": dataset, "metric": metric}
    if schedule:
        ident["schedule"] = schedule
    return digest(ident)


def schedule_key() -> str:
    """The training schedule's cache key (changes when the schedule or the training code does)."""
    from edgepareto.train import SWEEP_SCHEDULE

    return str(SWEEP_SCHEDULE.key)


def fashion_recipe(study: StudyPlan, alpha: float, precision: str) -> str:
    return digest({"kind": "fashion-mnist", "alpha": alpha, "precision": str(precision), "seed": study.seed,
                   "schedule": schedule_key(), "options": study.options})  # fmt: skip


def measured_accuracy_key(recipe: str, study: StudyPlan, metric: str) -> str:
    """An accuracy measured here on a study's images: the artifact's recipe, the data and how it was read."""
    data = {"dataset": study.dataset, "limit": study.limit, "preprocessing": study.preprocessing}
    return digest({"accuracy_of": recipe, "study": study.name, **data, "metric": metric})

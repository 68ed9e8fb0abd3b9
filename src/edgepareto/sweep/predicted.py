"""The predicted half of a study with ``measure = "corners" | N``: after the measured variants, predict the rest.

For every device, engine, thread count and precision the study measured, a latency model
(``edgepareto.predict``) is fitted on what the store holds there and the study's unmeasured
variants enter the store with ``source = "predicted"``. A device where too little was
measured is noted and skipped, never filled with a guess.
"""

from __future__ import annotations

import logging

from edgepareto.errors import EdgeParetoError, first_line
from edgepareto.models import Variant
from edgepareto.predict import ModelKey, drop_superseded, fit_from_store, replace_predictions, to_measure
from edgepareto.store import Store
from edgepareto.sweep.plan import Plan, StudyPlan

log = logging.getLogger(__name__)


def unmeasured(study: StudyPlan) -> list[Variant]:
    """The study's variants that it predicts instead of measuring."""
    configs = study.configs()
    measured = set(to_measure(configs, study.measure))
    return [Variant.of(c, p) for c in configs if c not in measured for p in study.precisions]


def predict_study(store: Store, study: StudyPlan, devices: list[str]) -> tuple[int, list[str]]:
    """Predict ``study``'s unmeasured variants on each device; (records written, notes on what was skipped)."""
    todo = unmeasured(study)
    grid = [Variant.of(c, p) for c in study.configs() for p in study.precisions]
    written, notes = 0, []
    for device in devices:
        for engine in study.engines:
            for threads in study.threads:
                for p in study.precisions:
                    variants = [v for v in todo if v.precision == p]
                    key = ModelKey(device, str(p), engine, threads)
                    try:
                        model = fit_from_store(store, key)
                        written += replace_predictions(store, model, variants, scope=grid)  # new rows only
                    except EdgeParetoError as exc:
                        notes.append(f"{study.name}: no {p} prediction on {device} ({first_line(exc, 160)})")
                        log.warning("%s", notes[-1])
    return written, notes


def predict_plan(store: Store, plan: Plan, devices: list[str]) -> tuple[int, list[str]]:
    """Predictions for every study of ``plan`` that measures less than all of its grid; first, on every device,
    the predictions of variants measured since are dropped (whatever study measured them)."""
    written, notes = 0, list[str]()
    for device in devices:
        drop_superseded(store, device)
    for study in plan.studies:
        if study.measure != "all" and study.kind != "fashion-mnist":
            n, more = predict_study(store, study, devices)
            written, notes = written + n, notes + more
    return written, notes

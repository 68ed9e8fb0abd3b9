"""The latency model and the store: fit on what was measured (or published) there, write predictions back.

Predicted records are never fitted on (a model of a model). A prediction enters the store as
``source = "predicted"`` with the model's version, form, training points and interval in its
``protocol`` and ``record``; its key names the model version and the training set, so a refit
on other points writes a new record instead of silently keeping an old one.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Protocol

from edgepareto.errors import ConfigError
from edgepareto.models import Variant, list_families
from edgepareto.predict.model import DEFAULT_FORM, LatencyModel, ModelKey, Prediction, fit
from edgepareto.store import MeasurementRecord

FIT_SOURCES: tuple[str, ...] = ("measured", "published")


class Records(Protocol):
    def measurements(self, *, metric: str | None = None, device: str | None = None) -> list[MeasurementRecord]: ...


class AcceptingNoisy:
    """A store whose reads include ``noisy`` latencies (``predict --accept-noisy``); by default a fit leaves
    them out, as the store's reads do. Everything else (writing the prediction back) goes to the store."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def measurements(self, **kwargs: Any) -> list[MeasurementRecord]:
        return self._store.measurements(include_noisy=True, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def _matches(rec: MeasurementRecord, key: ModelKey) -> bool:
    return (
        rec.source in FIT_SOURCES
        and str(rec.variant.precision) == key.precision
        and rec.variant.alpha is not None
        and rec.variant.family in list_families()  # a buildable architecture: its features from its family's cost
        and (key.engine is None or rec.engine == key.engine)
        and (key.threads is None or rec.threads == key.threads)
    )


def _one(values: set[Any], what: str, flag: str, key: ModelKey) -> None:
    if len(values) > 1:
        listed = ", ".join(sorted(str(v) for v in values))
        raise ConfigError(f"{key.device} has {key.precision} latencies for several {what} ({listed}); pass {flag}")


def _records(store: Records, key: ModelKey) -> list[MeasurementRecord]:
    recs = [r for r in store.measurements(metric="latency_ms", device=key.device) if _matches(r, key)]
    _one({r.engine for r in recs}, "engines", "--engine", key)
    _one({r.threads for r in recs}, "thread counts", "--threads", key)
    return recs


def _points(recs: list[MeasurementRecord]) -> list[tuple[Variant, float]]:
    by_variant: dict[Variant, list[float]] = defaultdict(list)
    for r in recs:
        if r.value is not None:  # a failed record carries no value
            by_variant[r.variant].append(float(r.value))
    return [(v, statistics.median(ms)) for v, ms in sorted(by_variant.items(), key=lambda kv: kv[0].name)]


def training_points(store: Records, key: ModelKey) -> list[tuple[Variant, float]]:
    """Measured (or published) latencies of ``key``: one point per variant (the median of repeats)."""
    return _points(_records(store, key))


def fit_from_store(store: Records, key: ModelKey, form: str = DEFAULT_FORM) -> LatencyModel:
    """The latency model of ``key`` fitted on every measured (or published) variant there."""
    recs = _records(store, key)
    if not recs:
        raise ConfigError(f"no measured {_what(key)}; {_elsewhere(store, key)}sweep or bench a variant there first")
    resolved = ModelKey(key.device, key.precision, recs[0].engine, recs[0].threads)
    return fit(resolved, _points(recs), form)


def _what(key: ModelKey) -> str:
    """The latency a key asks for, every part of it named (``--threads 2`` included)."""
    engine = f" with {key.engine}" if key.engine else ""
    threads = "" if key.threads is None else f" at {key.threads} thread{'s' if key.threads != 1 else ''}"
    return f"{key.precision} latency on {key.device}{engine}{threads}"


def _elsewhere(store: Records, key: ModelKey) -> str:
    """The thread counts measured there when the one asked for was not (else nothing)."""
    if key.threads is None:
        return ""
    wider = ModelKey(key.device, key.precision, key.engine, None)
    counts = sorted(
        {
            r.threads
            for r in store.measurements(metric="latency_ms", device=key.device)
            if _matches(r, wider) and r.threads is not None
        }
    )
    return f"it has {', '.join(map(str, counts))} thread(s): pass --threads {counts[0]}, or " if counts else ""


def prediction_record(pred: Prediction) -> MeasurementRecord:
    """A prediction as a store record: source ``predicted``, the model's version and interval, never an artifact."""
    model = pred.model
    summary = model.summary()
    ident = json.dumps([pred.variant.name, model.key.to_json(), model.version, model.form, model.fit_on])
    q = model.interval_fraction
    note = (
        f"predicted by {model.version} ({model.form}) from the measured or published latency of "
        f"{len(model.fit_on)} variants; "
        + (f"interval ±{100 * q:.1f}% (largest leave-one-out error)" if q is not None else summary["interval_note"])
    )
    return MeasurementRecord(
        variant=pred.variant,
        metric="latency_ms",
        value=pred.latency_ms,
        source="predicted",
        device=model.key.device,
        ci_low=pred.low,
        ci_high=pred.high,
        n=len(model.fit_on),
        engine=model.key.engine,
        threads=model.key.threads,
        protocol={"name": "predicted", "model": model.version, "form": model.form},
        notes=note,
        record=pred.to_json(),
        tool_versions={"latency_model": model.version},
        key="pred-" + hashlib.sha256(ident.encode()).hexdigest()[:27],
    )


def predict_into(store: Any, model: LatencyModel, variants: Iterable[Variant]) -> list[Prediction]:
    """Predict ``variants`` with ``model`` and add each prediction to ``store`` (idempotent)."""
    preds = [model.predict(v) for v in variants]
    store.add_many([prediction_record(p) for p in preds])
    return preds


def _predicted_here(store: Any, key: ModelKey) -> list[MeasurementRecord]:
    return [
        r
        for r in store.measurements(metric="latency_ms", device=key.device)
        if r.source == "predicted"
        and str(r.variant.precision) == key.precision
        and r.engine == key.engine
        and r.threads == key.threads
    ]


def replace_predictions(
    store: Any, model: LatencyModel, variants: Iterable[Variant], scope: Iterable[Variant] = ()
) -> int:
    """Predict the ``variants`` not measured there and make them the only predictions of ``scope`` (a study's
    grid; the variants themselves at least) under ``model``'s key; the number of new rows, not of rows rewritten.

    A refit on other points (``measure = "corners"`` then ``4``) has other keys: the earlier fit's
    predictions of the same variants are dropped, not kept beside the new ones.
    """
    measured = {v.name for v, _ in training_points(store, model.key)}
    todo = [v for v in variants if v.name not in measured]
    recs = [prediction_record(model.predict(v)) for v in todo]
    written = int(store.add_many(recs))
    names = {v.name for v in (*todo, *scope)}
    fresh = {r.key for r in recs}
    store.drop_predictions(
        [r.key for r in _predicted_here(store, model.key) if r.variant.name in names and r.key not in fresh]
    )
    return written


def drop_superseded(store: Any, device: str) -> int:
    """Delete ``device``'s predictions of variants that now have a measured (or published) latency with the
    same engine and threads: a prediction never stands beside the measurement of the same thing."""
    recs = store.measurements(metric="latency_ms", device=device)
    known = {(r.variant.name, r.engine, r.threads) for r in recs if r.source in FIT_SOURCES and r.status == "ok"}
    stale = [r.key for r in recs if r.source == "predicted" and (r.variant.name, r.engine, r.threads) in known]
    return int(store.drop_predictions(stale)) if stale else 0

"""Latency prediction: a model per (device, engine, precision, threads) on the cost model's features.

- :func:`features_of` — a variant's MACs by layer kind, activation and weight bytes;
- :func:`fit` — non-negative least squares of measured latencies on those features, with a
  leave-one-out interval (:class:`LatencyModel`, :class:`Prediction`);
- :func:`fit_from_store`, :func:`predict_into`, :func:`prediction_record` — fit on what a store
  holds (measured or published, never predicted) and write predictions back as
  ``source = "predicted"``.
"""

from __future__ import annotations

from edgepareto.predict.features import FEATURES, Features, features_of, layer_bytes
from edgepareto.predict.model import DEFAULT_FORM, FORMS, MODEL_VERSION, LatencyModel, ModelKey, Prediction, fit
from edgepareto.predict.records import fit_from_store, predict_into, prediction_record, training_points

__all__ = [
    "DEFAULT_FORM",
    "FEATURES",
    "FORMS",
    "MODEL_VERSION",
    "Features",
    "LatencyModel",
    "ModelKey",
    "Prediction",
    "features_of",
    "fit",
    "fit_from_store",
    "layer_bytes",
    "predict_into",
    "prediction_record",
    "training_points",
]

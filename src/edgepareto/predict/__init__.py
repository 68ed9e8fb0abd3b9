"""Latency prediction: a model per (device, engine, precision, threads) on the cost model's features.

- :func:`features_of` — a variant's MACs by layer kind, activation and weight bytes, output
  positions and channel tiles;
- :func:`fit` — non-negative least squares of measured latencies on those features, with a
  leave-one-out interval (:class:`LatencyModel`, :class:`Prediction`);
- :func:`to_measure` — which variants of a grid a study measures (``all``, ``corners``, ``N``
  by sequential D-optimal design); the others are predicted;
- :func:`fit_from_store`, :func:`predict_into`, :func:`prediction_record` — fit on what a store
  holds (measured or published, never predicted) and write predictions back as
  ``source = "predicted"``;
- :func:`replace_predictions`, :func:`drop_superseded` — a study's predictions replaced on refit
  (new rows counted, the earlier fit's dropped), and predictions of variants since measured dropped.
"""

from __future__ import annotations

from edgepareto.predict.features import CHANNEL_TILE, FEATURES, Features, features_of, layer_bytes
from edgepareto.predict.model import DEFAULT_FORM, FORMS, MODEL_VERSION, LatencyModel, ModelKey, Prediction, fit
from edgepareto.predict.records import (
    drop_superseded,
    fit_from_store,
    predict_into,
    prediction_record,
    replace_predictions,
    training_points,
)
from edgepareto.predict.select import check_measure, corners, most_informative, to_measure

__all__ = [
    "CHANNEL_TILE",
    "DEFAULT_FORM",
    "FEATURES",
    "FORMS",
    "MODEL_VERSION",
    "Features",
    "LatencyModel",
    "ModelKey",
    "Prediction",
    "check_measure",
    "corners",
    "drop_superseded",
    "features_of",
    "fit",
    "fit_from_store",
    "layer_bytes",
    "most_informative",
    "predict_into",
    "prediction_record",
    "replace_predictions",
    "to_measure",
    "training_points",
]

"""Evaluation: top-1/top-5 accuracy with Wilson intervals, on all cores, with a cache of decoded inputs."""

from __future__ import annotations

from edgepareto.eval.accuracy import EvalResult, evaluate, spec_for, write_predictions
from edgepareto.eval.cache import InputCache, home
from edgepareto.eval.stats import agreement, wilson_interval

__all__ = [
    "EvalResult",
    "InputCache",
    "agreement",
    "evaluate",
    "home",
    "spec_for",
    "wilson_interval",
    "write_predictions",
]

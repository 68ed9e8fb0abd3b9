"""Evaluation: top-1/top-5 accuracy with Wilson intervals, on all cores, with a cache of decoded inputs.

Split as ``bench/`` is: the worker pool (:mod:`.pool`), the result type (:mod:`.result`) and the public
``evaluate`` (:mod:`.accuracy`); choosing the preprocessing is :mod:`edgepareto.data.choice`'s.
"""

from __future__ import annotations

from edgepareto.eval.accuracy import evaluate, spec_for
from edgepareto.eval.cache import InputCache, home
from edgepareto.eval.pool import ChunkMap, ChunkResult, chunk_bounds, evaluate_chunk, threaded_chunks
from edgepareto.eval.result import EvalResult, write_predictions
from edgepareto.eval.stats import agreement, wilson_interval

__all__ = [
    "ChunkMap",
    "ChunkResult",
    "EvalResult",
    "InputCache",
    "agreement",
    "chunk_bounds",
    "evaluate",
    "evaluate_chunk",
    "home",
    "spec_for",
    "threaded_chunks",
    "wilson_interval",
    "write_predictions",
]

"""Evaluation: top-1/top-5 accuracy with Wilson intervals, on all cores, with a cache of decoded inputs."""

from __future__ import annotations

from edgepareto.eval.accuracy import (
    ChunkMap,
    ChunkResult,
    EvalResult,
    chunk_bounds,
    evaluate,
    evaluate_chunk,
    spec_for,
    threaded_chunks,
    write_predictions,
)
from edgepareto.eval.cache import InputCache, home
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

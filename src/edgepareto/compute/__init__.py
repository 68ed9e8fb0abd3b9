"""Compute of a sweep (convert, train, evaluate) as pure jobs, and the executors that run them: local or Ray."""

from __future__ import annotations

from edgepareto.compute.executors import EXECUTORS, Executor, ExecutorChoice, LocalExecutor, make_executor
from edgepareto.compute.jobs import ConvertSpec, convert_into, train_alpha

__all__ = [
    "EXECUTORS",
    "ConvertSpec",
    "Executor",
    "ExecutorChoice",
    "LocalExecutor",
    "convert_into",
    "make_executor",
    "train_alpha",
]

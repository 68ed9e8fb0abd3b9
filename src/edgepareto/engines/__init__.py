"""Inference engines behind one Runner interface; a new engine is one file that registers itself."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from edgepareto.engines._base import (
    EngineEntry,
    KernelPath,
    Runner,
    RunnerError,
    RunnerInfo,
    TensorSpec,
    engines,
    register_engine,
    run_once,
)
from edgepareto.errors import EngineError, ModelFileError

__all__ = [
    "EngineEntry",
    "KernelPath",
    "Runner",
    "RunnerError",
    "RunnerInfo",
    "TensorSpec",
    "engine_names",
    "open_runner",
    "register_engine",
    "run_once",
]

_BUILTIN = ("litert", "onnxruntime")


def _load_builtin() -> None:
    for name in _BUILTIN:
        try:
            importlib.import_module(f"edgepareto.engines.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"edgepareto.engines.{name}":
                raise


def engine_names() -> list[str]:
    _load_builtin()
    return sorted(engines())


def open_runner(path: str | Path, engine: str = "litert", threads: int = 1, **options: Any) -> Runner:
    """Open ``path`` in ``engine`` with explicit ``threads``; one-line errors for every failure."""
    _load_builtin()
    entries = engines()
    if engine not in entries:
        raise EngineError(f"unknown engine {engine!r}; choose from {', '.join(sorted(entries))}")
    entry = entries[engine]
    fix = entry.available()
    if fix is not None:
        raise EngineError(f"engine {engine} is not installed: {fix}")
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: model file not found")
    if entry.formats and path.suffix not in entry.formats:
        raise ModelFileError(f"{path}: engine {engine} runs {', '.join(entry.formats)} files, not {path.suffix!r}")
    try:
        return entry.open(path, threads=threads, **options)
    except RunnerError as exc:
        raise EngineError(str(exc)) from exc

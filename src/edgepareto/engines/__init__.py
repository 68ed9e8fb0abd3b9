"""Inference engines behind one Runner interface; a new engine is one file that registers itself.

This package imports every module in its folder (each built-in engine registers itself); another
distribution's engines come through the ``edgepareto.engines`` entry points, loaded on first lookup.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgepareto._plugins import import_package, load_entry_points
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
from edgepareto.errors import ConfigError, EngineError, ModelFileError
from edgepareto.validation import display_path, utf8_path

__all__ = [
    "EngineEntry",
    "KernelPath",
    "Runner",
    "RunnerError",
    "RunnerInfo",
    "TensorSpec",
    "check_engine",
    "engine_for",
    "engine_names",
    "engine_of_format",
    "format_of_engine",
    "open_runner",
    "register_engine",
    "run_once",
]

import_package("edgepareto.engines")  # litert, onnxruntime: the runtimes themselves load on first open


def _load_plugins() -> None:
    load_entry_points("edgepareto.engines")


def engine_names() -> list[str]:
    _load_plugins()
    return sorted(engines())


def engine_for(path: str | Path) -> str:
    """The engine that runs a model file, from its suffix (the one place this is decided)."""
    _load_plugins()
    suffix = Path(path).suffix.lower()
    for name, entry in sorted(engines().items()):
        if suffix in entry.formats:
            return name
    raise ModelFileError(f"{path}: unknown model format {suffix!r}; pass a .tflite or .onnx file (or --engine)")


def format_of_engine(engine: str) -> str:
    """The file format an engine runs (``litert`` -> ``tflite``), from its registry entry: the one engine <->
    format map (a build recipe and the sweep's tasks name files by format, the bench and eval by engine)."""
    _load_plugins()
    entry = engines().get(engine)
    if entry is None or not entry.formats:
        raise EngineError(f"unknown engine {engine!r}; choose from {', '.join(sorted(engines()))}")
    return entry.formats[0].lstrip(".")


def engine_of_format(fmt: str) -> str:
    """The engine that runs files of format ``fmt`` (``tflite`` -> ``litert``), from the registry."""
    return engine_for(f"model.{fmt}")


def check_engine(engine: str) -> None:
    """Fail with one line if ``engine`` is unknown or not installed here."""
    _load_plugins()
    entries = engines()
    if engine not in entries:
        raise EngineError(f"unknown engine {engine!r}; choose from {', '.join(sorted(entries))}")
    fix = entries[engine].available()
    if fix is not None:
        raise EngineError(f"engine {engine} is not installed: {fix}")


def open_runner(path: str | Path, engine: str = "litert", threads: int = 1, **options: Any) -> Runner:
    """Open ``path`` in ``engine`` with explicit ``threads``; one-line errors for every failure."""
    check_engine(engine)
    entry = engines()[engine]
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{display_path(path)}: model file not found")
    try:
        utf8_path(path)  # the engines' C++ bindings take UTF-8 paths only
    except ConfigError as exc:
        raise ModelFileError(str(exc)) from None
    if entry.formats and path.suffix not in entry.formats:
        raise ModelFileError(f"{path}: engine {engine} runs {', '.join(entry.formats)} files, not {path.suffix!r}")
    try:
        return entry.open(path, threads=threads, **options)
    except RunnerError as exc:
        raise EngineError(str(exc)) from exc

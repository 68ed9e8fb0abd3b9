"""One Runner interface for every inference engine, and the engine registry.

Standard library + NumPy only (with :mod:`.litert`) so the measuring core can be shipped to
a board that has no edgepareto or TensorFlow installed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


class RunnerError(Exception):
    """An engine failed to load or run a model. Subclassed by :class:`edgepareto.errors.EngineError` users."""


@dataclass(frozen=True)
class TensorSpec:
    """An input or output as the engine sees it; integer tensors carry their quantization."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    scale: float = 0.0
    zero_point: int = 0
    dynamic: bool = False  # any dimension unknown in the file (batch included)
    signature: tuple[int, ...] = ()  # the shape as stored in the file, -1 where unknown

    @property
    def dynamic_beyond_batch(self) -> bool:
        """An unknown dimension other than the batch: the engine cannot pick a size, so nothing can be timed."""
        sig = self.signature or self.shape
        return any(int(d) < 0 for d in sig[1:]) or any(int(d) <= 0 for d in self.shape)

    def random(self, rng: np.random.Generator) -> np.ndarray:
        """A random input of this dtype and shape, as TFLite's benchmark_model feeds."""
        dt = np.dtype(self.dtype)
        if dt.kind == "f":
            return rng.uniform(-1.0, 1.0, size=self.shape).astype(dt)
        if dt.kind in "iu":
            info = np.iinfo(dt)
            return rng.integers(info.min, info.max, size=self.shape, endpoint=True, dtype=dt)
        if dt.kind == "b":
            return rng.integers(0, 1, size=self.shape, endpoint=True).astype(dt)
        raise RunnerError(f"cannot make random input of dtype {self.dtype} for {self.name}")


@dataclass
class RunnerInfo:
    """What every result records about the engine that produced it."""

    engine: str
    version: str
    kernel_path: str
    threads: int
    extra: dict[str, Any] = field(default_factory=dict)


class Runner(Protocol):
    """Load once, set inputs, call :meth:`invoke` in the timed loop, read outputs."""

    info: RunnerInfo
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]

    def set_inputs(self, arrays: list[np.ndarray]) -> None: ...

    def invoke(self) -> None: ...

    def get_outputs(self) -> list[np.ndarray]: ...

    def close(self) -> None: ...


def run_once(runner: Runner, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Set inputs, invoke, return outputs: the convenience path for evaluation."""
    runner.set_inputs(arrays)
    runner.invoke()
    return runner.get_outputs()


@dataclass(frozen=True)
class EngineEntry:
    name: str
    open: Callable[..., Runner]  # open(path, threads=1, **options) -> Runner
    available: Callable[[], str | None]  # None if usable, else the fix to print
    formats: tuple[str, ...]  # file suffixes it runs


_ENGINES: dict[str, EngineEntry] = {}


def register_engine(entry: EngineEntry) -> EngineEntry:
    """Add an engine; a new engine is one file that calls this at import."""
    _ENGINES[entry.name] = entry
    return entry


def engines() -> dict[str, EngineEntry]:
    return dict(_ENGINES)

"""One Runner interface for every inference engine, and the engine registry.

Standard library + NumPy only (with :mod:`.litert`) so the measuring core can be shipped to
a board that has no edgepareto or TensorFlow installed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
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


@dataclass(frozen=True)
class KernelPath:
    """How the graph ran: how many of its operators the accelerated path took, and which stayed off it.

    LiteRT: ``nodes`` are the model's operators, ``taken`` those inside XNNPACK partitions, ``leftover``
    the operator types (with counts) left on the built-in kernels. ONNX Runtime: ``nodes`` are the
    compute operators (convolutions, matrix products) of the optimized graph, ``taken`` those that run
    as integer kernels (QLinear*) in a quantized model, ``leftover`` those that fell back to float.
    ``applies`` is False where there is nothing to fall back from (``--no-xnnpack``, a float ONNX model).
    """

    engine: str
    path: str  # "XNNPACK delegate", "built-in kernels", "CPUExecutionProvider"
    nodes: int
    taken: int
    leftover: dict[str, int] = field(default_factory=dict)
    leftover_on: str = "built-in kernels"
    partitions: int = 0
    applies: bool = True
    kernels: dict[str, int] = field(default_factory=dict)  # operator types as executed (ORT: optimized graph)
    method: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.taken <= self.nodes:
            raise ValueError(f"taken must be in 0..nodes ({self.nodes}), got {self.taken}")
        if sum(self.leftover.values()) != self.nodes - self.taken:
            raise ValueError(f"leftover ops {self.leftover} must add up to nodes - taken ({self.nodes - self.taken})")
        if self.partitions < 0 or self.partitions > max(self.taken, 0):
            raise ValueError(f"partitions must be in 0..taken ({self.taken}), got {self.partitions}")

    @property
    def full(self) -> bool:
        """Every operator on the accelerated path (vacuously True where that does not apply)."""
        return not self.applies or self.taken == self.nodes

    def leftover_text(self) -> str:
        return ", ".join(f"{n} {op}" for op, n in sorted(self.leftover.items(), key=lambda kv: (-kv[1], kv[0])))

    def summary(self) -> str:
        """One line: ``XNNPACK delegate (partial: 29 of 31 nodes in 2 partitions; built-in kernels: 1 SOFTMAX)``."""
        if not self.applies:
            return self.path
        if self.full:
            return f"{self.path} (full: {self.nodes} of {self.nodes} nodes)"
        parts = f" in {self.partitions} partitions" if self.partitions > 1 else ""
        return (
            f"{self.path} (partial: {self.taken} of {self.nodes} nodes{parts}; "
            f"{self.leftover_on}: {self.leftover_text()})"
        )

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["full"] = self.full
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> KernelPath:
        return cls(**{k: v for k, v in d.items() if k in {f.name for f in fields(cls)}})


@dataclass
class RunnerInfo:
    """What every result records about the engine that produced it."""

    engine: str
    version: str
    kernel_path: str
    threads: int
    extra: dict[str, Any] = field(default_factory=dict)
    kernel: KernelPath | None = None  # how the graph ran (None: the engine cannot tell)


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

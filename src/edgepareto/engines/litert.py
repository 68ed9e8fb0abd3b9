"""LiteRT (``ai-edge-litert``, or ``tflite-runtime`` on boards): XNNPACK by default, switchable off.

Standard library + NumPy + the runtime only: this file is shipped to boards as is.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

import numpy as np

try:  # inside edgepareto; flat beside the bench core on a board
    from edgepareto.errors import first_line
except ImportError:  # pragma: no cover - exercised by the board agent
    from errors import first_line  # type: ignore[no-redef]

try:  # package-relative inside edgepareto; flat import when shipped to a board
    from edgepareto.engines._base import EngineEntry, RunnerError, RunnerInfo, TensorSpec, register_engine
except ImportError:  # pragma: no cover - exercised by the board agent
    from _base import EngineEntry, RunnerError, RunnerInfo, TensorSpec, register_engine  # type: ignore[no-redef]

NAME = "litert"


def _runtime() -> tuple[Any, str, str]:
    """(interpreter module, package name, version): ai-edge-litert first, then tflite-runtime."""
    try:
        from ai_edge_litert import __version__ as version
        from ai_edge_litert import interpreter as mod

        return mod, "ai-edge-litert", version
    except ImportError:
        pass
    try:
        from tflite_runtime import __version__ as version  # type: ignore[import-not-found]
        from tflite_runtime import interpreter as mod  # type: ignore[import-not-found]

        return mod, "tflite-runtime", version
    except ImportError as exc:
        raise RunnerError(
            "no TFLite runtime installed; install one with `pip install ai-edge-litert` (or tflite-runtime)"
        ) from exc


def available() -> str | None:
    try:
        _runtime()
    except RunnerError as exc:
        return str(exc)
    return None


def _spec(d: dict[str, Any]) -> TensorSpec:
    scale, zero = d.get("quantization", (0.0, 0))
    sig = d.get("shape_signature", d["shape"])
    return TensorSpec(
        name=d["name"],
        shape=tuple(int(x) for x in d["shape"]),
        dtype=np.dtype(d["dtype"]).name,
        scale=float(scale),
        zero_point=int(zero),
        dynamic=any(int(x) < 0 for x in sig),
        signature=tuple(int(x) for x in sig),
    )


@contextlib.contextmanager
def _native_info_dropped() -> Iterator[None]:
    """Drop the runtime's C++ ``INFO:`` lines ("Created TensorFlow Lite XNNPACK delegate", once per
    process) from fd 2; anything else it writes there (warnings, errors) is passed on."""
    sys.stderr.flush()
    try:
        sink = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the with below, after the yield
    except OSError:  # no temp space: keep the chatter rather than fail
        yield
        return
    with sink:
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            kept = [line for line in sink.read().splitlines(keepends=True) if not line.startswith(b"INFO: ")]
            if kept:
                os.write(2, b"".join(kept))


class LiteRTRunner:
    """A LiteRT interpreter with explicit threads; ``xnnpack=False`` selects the builtin kernels."""

    def __init__(self, path: str | os.PathLike[str], threads: int = 1, xnnpack: bool = True) -> None:
        mod, package, version = _runtime()
        if threads < 1:
            raise RunnerError(f"threads must be >= 1, got {threads}")
        resolver = mod.OpResolverType.AUTO if xnnpack else mod.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
        try:
            with _native_info_dropped():
                self._interp = mod.Interpreter(
                    model_path=str(path), num_threads=threads, experimental_op_resolver_type=resolver
                )
                self._interp.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            first = first_line(exc)
            raise RunnerError(f"{path}: LiteRT cannot load this model ({first})") from exc
        self.inputs = [_spec(d) for d in self._interp.get_input_details()]
        self.outputs = [_spec(d) for d in self._interp.get_output_details()]
        self._in_idx = [d["index"] for d in self._interp.get_input_details()]
        self._out_idx = [d["index"] for d in self._interp.get_output_details()]
        self.info = RunnerInfo(
            engine=NAME,
            version=f"{package} {version}",
            kernel_path="XNNPACK delegate" if xnnpack else "builtin kernels (no XNNPACK)",
            threads=threads,
        )
        self.invoke = self._interp.invoke  # bound once: no wrapper cost in the timed loop

    def set_inputs(self, arrays: list[np.ndarray]) -> None:
        for idx, arr in zip(self._in_idx, arrays, strict=True):
            self._interp.set_tensor(idx, arr)

    def get_outputs(self) -> list[np.ndarray]:
        return [self._interp.get_tensor(i) for i in self._out_idx]

    def close(self) -> None:
        self._interp = None  # type: ignore[assignment]


register_engine(EngineEntry(name=NAME, open=LiteRTRunner, available=available, formats=(".tflite",)))

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
except ImportError:  # pragma: no cover - exercised by the board agent; no-redef: same names, flat copies
    from errors import first_line  # type: ignore[no-redef]

try:  # package-relative inside edgepareto; flat import when shipped to a board
    from edgepareto.engines._base import (
        EngineEntry,
        KernelPath,
        RunnerError,
        RunnerInfo,
        TensorSpec,
        register_engine,
    )
except ImportError:  # pragma: no cover - exercised by the board agent; no-redef: same names, flat copies
    from _base import (  # type: ignore[no-redef]
        EngineEntry,
        KernelPath,
        RunnerError,
        RunnerInfo,
        TensorSpec,
        register_engine,
    )

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
        from tflite_runtime import __version__ as version
        from tflite_runtime import interpreter as mod

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


def _is_delegate(op: dict[str, Any]) -> bool:
    name = str(op.get("op_name", ""))
    return name == "DELEGATE" or "delegate" in name.lower()


def delegated_nodes(ops: list[dict[str, Any]]) -> tuple[set[int], int]:
    """(indices of the model's operators inside delegate partitions, number of partitions).

    After delegation the interpreter keeps the model's operators and appends one DELEGATE node per
    partition whose inputs are the partition's inputs and whose outputs are its outputs. Walking back
    from a partition's outputs through their producers, stopping at its inputs, finds exactly the
    operators it replaced (a partition is a connected piece of the graph).
    """
    graph = [o for o in ops if not _is_delegate(o)]
    producer = {int(t): int(o["index"]) for o in graph for t in o["outputs"]}
    by_index = {int(o["index"]): o for o in graph}
    taken: set[int] = set()
    partitions = [o for o in ops if _is_delegate(o)]
    for d in partitions:
        stop = {int(t) for t in d["inputs"]}
        stack = [int(t) for t in d["outputs"]]
        while stack:
            t = stack.pop()
            n = producer.get(t)
            if t in stop or n is None or n in taken:
                continue
            taken.add(n)
            stack.extend(int(x) for x in by_index[n]["inputs"] if int(x) >= 0)
    return taken, len(partitions)


def kernel_path(ops: list[dict[str, Any]], xnnpack: bool) -> KernelPath:
    """How LiteRT runs the graph whose operator details (``Interpreter._get_ops_details()``) are ``ops``."""
    graph = [o for o in ops if not _is_delegate(o)]
    if not xnnpack:
        return KernelPath(
            NAME,
            "built-in kernels (no XNNPACK)",
            len(graph),
            len(graph),
            applies=False,
            method="XNNPACK switched off (--no-xnnpack)",
        )
    taken, partitions = delegated_nodes(ops)
    left: dict[str, int] = {}
    for o in graph:
        if int(o["index"]) not in taken:
            left[str(o["op_name"])] = left.get(str(o["op_name"]), 0) + 1
    return KernelPath(
        NAME,
        "XNNPACK delegate",
        len(graph),
        len(taken),
        left,
        "built-in kernels",
        partitions,
        method="operators of subgraph 0 inside the DELEGATE nodes after allocate_tensors",
    )


def _kernel_path_of(interp: Any, xnnpack: bool) -> KernelPath | None:
    try:
        ops = interp._get_ops_details()
    except (AttributeError, RuntimeError, ValueError):  # an older runtime without it: the path stays unknown
        return None
    return kernel_path(ops, xnnpack)


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
        kernel = _kernel_path_of(self._interp, xnnpack)
        label = "XNNPACK delegate" if xnnpack else "builtin kernels (no XNNPACK)"
        self.info = RunnerInfo(
            engine=NAME,
            version=f"{package} {version}",
            kernel_path=kernel.summary() if kernel is not None and not kernel.full else label,
            threads=threads,
            kernel=kernel,
        )
        self.invoke = self._interp.invoke  # bound once: no wrapper cost in the timed loop

    def set_inputs(self, arrays: list[np.ndarray]) -> None:
        for idx, arr in zip(self._in_idx, arrays, strict=True):
            self._interp.set_tensor(idx, arr)

    def get_outputs(self) -> list[np.ndarray]:
        return [self._interp.get_tensor(i) for i in self._out_idx]

    def close(self) -> None:
        self._interp = None


register_engine(EngineEntry(name=NAME, open=LiteRTRunner, available=available, formats=(".tflite",)))

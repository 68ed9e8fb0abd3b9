"""ONNX Runtime (CPU execution provider, MLAS kernels) behind the Runner interface.

Threads are explicit (intra-op = ``threads``, inter-op = 1, sequential execution); inputs and
outputs are bound once with IOBinding so the timed ``invoke`` is one call into the runtime.
Not board-shippable (boards run LiteRT); imports onnxruntime only when a model is opened.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from edgepareto.engines._base import EngineEntry, RunnerError, RunnerInfo, TensorSpec, register_engine
from edgepareto.errors import first_line

NAME = "onnxruntime"

_DTYPES = {
    "tensor(float)": "float32", "tensor(float16)": "float16", "tensor(double)": "float64",
    "tensor(int8)": "int8", "tensor(uint8)": "uint8", "tensor(int16)": "int16", "tensor(int32)": "int32",
    "tensor(int64)": "int64", "tensor(bool)": "bool",
}  # fmt: skip
_LEVELS = ("disable", "basic", "extended", "all")


def available() -> str | None:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return "install it with `pip install onnxruntime`"
    return None


def _spec(arg: Any) -> TensorSpec:
    sig = tuple(d if isinstance(d, int) and d > 0 else -1 for d in arg.shape)
    shape = tuple(1 if (i == 0 and d < 0) else d if d > 0 else 0 for i, d in enumerate(sig))
    if arg.type not in _DTYPES:
        raise RunnerError(f"input {arg.name!r} has type {arg.type}, which edgepareto cannot feed")
    return TensorSpec(arg.name, shape, _DTYPES[arg.type], dynamic=any(d < 0 for d in sig), signature=sig)


class OnnxRuntimeRunner:
    """One InferenceSession on the CPU provider; ``optimization`` picks the graph optimization level."""

    def __init__(self, path: str | os.PathLike[str], threads: int = 1, optimization: str = "all") -> None:
        import onnxruntime as ort

        if threads < 1:
            raise RunnerError(f"threads must be >= 1, got {threads}")
        if optimization not in _LEVELS:
            raise RunnerError(f"optimization must be one of {', '.join(_LEVELS)}, got {optimization!r}")
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = {
            "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
            "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
            "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
            "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
        }[optimization]
        so.log_severity_level = 3
        try:
            self._sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        except Exception as exc:
            first = first_line(exc)
            raise RunnerError(f"{path}: ONNX Runtime cannot load this model ({first[:200]})") from exc
        self.inputs = [_spec(a) for a in self._sess.get_inputs()]
        self.outputs = [_spec(a) for a in self._sess.get_outputs()]
        self._binding = self._sess.io_binding()
        for o in self.outputs:
            self._binding.bind_output(o.name, "cpu")
        self.info = RunnerInfo(
            engine=NAME,
            version=f"onnxruntime {ort.__version__}",
            kernel_path=f"CPUExecutionProvider (MLAS), graph optimization {optimization}",
            threads=threads,
        )
        self._run = self._sess.run_with_iobinding

    def set_inputs(self, arrays: list[np.ndarray]) -> None:
        self._arrays = [np.ascontiguousarray(a) for a in arrays]  # kept alive: the binding points at them
        for spec, arr in zip(self.inputs, self._arrays, strict=True):
            self._binding.bind_cpu_input(spec.name, arr)

    def invoke(self) -> None:
        self._run(self._binding)

    def get_outputs(self) -> list[np.ndarray]:
        return self._binding.copy_outputs_to_cpu()

    def close(self) -> None:
        self._sess = None  # type: ignore[assignment]


register_engine(EngineEntry(name=NAME, open=OnnxRuntimeRunner, available=available, formats=(".onnx",)))

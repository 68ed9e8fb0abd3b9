"""ONNX Runtime (CPU execution provider, MLAS kernels) behind the Runner interface.

Threads are explicit (intra-op = ``threads``, inter-op = 1, sequential execution); inputs and
outputs are bound once with IOBinding so the timed ``invoke`` is one call into the runtime.
Not board-shippable (boards run LiteRT); imports onnxruntime only when a model is opened.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from edgepareto.engines._base import EngineEntry, KernelPath, RunnerError, RunnerInfo, TensorSpec, register_engine
from edgepareto.errors import first_line

NAME = "onnxruntime"

_DTYPES = {
    "tensor(float)": "float32", "tensor(float16)": "float16", "tensor(double)": "float64",
    "tensor(int8)": "int8", "tensor(uint8)": "uint8", "tensor(int16)": "int16", "tensor(int32)": "int32",
    "tensor(int64)": "int64", "tensor(bool)": "bool",
}  # fmt: skip
_LEVELS = ("disable", "basic", "extended", "all")
#: Integer kernels of a quantized graph (ONNX Runtime's contrib ops and the ONNX integer ops).
_INT_KERNELS = {"QGemm", "ConvInteger", "MatMulInteger", "MatMulIntegerToFloat", "DynamicQuantizeMatMul", "QAttention"}
#: The compute operators: in a quantized model, one of these left in the optimized graph runs in float.
_FLOAT_COMPUTE = {"Conv", "ConvTranspose", "MatMul", "Gemm", "FusedConv", "FusedMatMul", "FusedGemm", "NhwcConv",
                  "NhwcFusedConv"}  # fmt: skip


def _is_int_kernel(op: str) -> bool:
    return op.startswith("QLinear") or op in _INT_KERNELS


def kernel_path(op_types: list[str], provider: str = "CPUExecutionProvider") -> KernelPath:
    """How the optimized graph (its operator types, in order) runs: integer kernels or float fallback."""
    quantized = any(_is_int_kernel(t) or t in ("QuantizeLinear", "DequantizeLinear") for t in op_types)
    ints = [t for t in op_types if _is_int_kernel(t)]
    floats = Counter(t for t in op_types if t in _FLOAT_COMPUTE)
    compute = len(ints) + sum(floats.values())
    if not quantized:
        return KernelPath(
            NAME,
            provider,
            compute,
            compute,
            applies=False,
            kernels=dict(Counter(op_types)),
            method="float model: operator types of the session's optimized graph",
        )
    return KernelPath(
        NAME,
        provider,
        compute,
        len(ints),
        dict(floats),
        "float kernels (quantized model)",
        kernels=dict(Counter(op_types)),
        method="compute operators of the optimized graph: QLinear*/integer vs float",
    )


def _optimized_op_types(path: Path) -> list[str] | None:
    try:
        import onnx
    except ImportError:  # without the onnx package the optimized graph cannot be read: path unknown
        return None
    try:
        return [n.op_type for n in onnx.load(str(path), load_external_data=False).graph.node]
    except Exception:  # an unreadable optimized model only costs the kernel-path record
        return None


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
        with tempfile.TemporaryDirectory(prefix="edgepareto-ort-") as tmp:
            optimized = Path(tmp) / "optimized.onnx"
            so.optimized_model_filepath = str(optimized)  # the graph as the session runs it
            try:
                self._sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
            except Exception as exc:
                raise RunnerError(f"{path}: ONNX Runtime cannot load this model ({first_line(exc, 200)})") from exc
            op_types = _optimized_op_types(optimized)
        providers = self._sess.get_providers()
        kernel = None if op_types is None else kernel_path(op_types, providers[0] if providers else "unknown")
        self.inputs = [_spec(a) for a in self._sess.get_inputs()]
        self.outputs = [_spec(a) for a in self._sess.get_outputs()]
        self._binding = self._sess.io_binding()
        for o in self.outputs:
            self._binding.bind_output(o.name, "cpu")
        label = f"CPUExecutionProvider (MLAS), graph optimization {optimization}"
        if kernel is not None and not kernel.full:
            label += f" (partial: {kernel.leftover_on}: {kernel.leftover_text()})"
        self.info = RunnerInfo(
            engine=NAME,
            version=f"onnxruntime {ort.__version__}",
            kernel_path=label,
            threads=threads,
            kernel=kernel,
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
        self._sess = None


register_engine(EngineEntry(name=NAME, open=OnnxRuntimeRunner, available=available, formats=(".onnx",)))

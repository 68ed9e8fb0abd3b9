"""Per-layer times of a ``.tflite`` file with no ``benchmark_model`` log: a tf2onnx copy under ONNX Runtime.

LiteRT's Python runtime has no per-operator timer, so without a ``--log`` a LiteRT profile had
operators but no times. tf2onnx (a dependency) converts the ``.tflite`` file itself, weights and
quantization parameters included (QDQ nodes that ONNX Runtime fuses into ``QLinearConv``), into a
temporary folder, and ONNX Runtime's session profiler times the copy. These are ONNX Runtime's
times of the same graph, not LiteRT's: the caller says so and puts LiteRT's whole-model latency
of the original file beside them. Every failure is one line naming the other route (the log).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from edgepareto.errors import EdgeParetoError, ModelFileError, first_line
from edgepareto.native_output import quiet_native_output
from edgepareto.profile.onnxruntime import NodeProfile, profile_onnx

OTHER_ROUTE = "the other route: --log with the output of benchmark_model --enable_op_profiling=true --use_xnnpack=false"


def tflite_to_onnx(path: Path, folder: Path) -> Path:
    """``path`` converted by ``tf2onnx.convert.from_tflite`` into ``folder``; one-line error if it cannot be."""
    if not path.is_file():
        raise ModelFileError(f"{path}: model file not found; give the path of a .tflite file")
    out = folder / (path.stem + ".onnx")
    try:
        from tf2onnx import convert

        with quiet_native_output():
            convert.from_tflite(str(path), output_path=str(out))
    except Exception as exc:  # tf2onnx raises anything from its graph rewriters
        raise ModelFileError(f"{path.name}: tf2onnx cannot convert it ({first_line(exc, 160)}); {OTHER_ROUTE}") from exc
    return out


def profile_converted(path: Path, *, threads: int, runs: int, cpus: list[int] | None, spacing_s: float) -> NodeProfile:
    """ONNX Runtime's per-node profile of a tf2onnx conversion of the ``.tflite`` file ``path``."""
    with tempfile.TemporaryDirectory(prefix="edgepareto-profile-") as tmp:
        onnx_path = tflite_to_onnx(path, Path(tmp))
        try:
            return profile_onnx(onnx_path, threads=threads, runs=runs, cpus=cpus, spacing_s=spacing_s)
        except EdgeParetoError as exc:
            raise ModelFileError(f"{path.name} converted by tf2onnx: {first_line(exc, 200)}; {OTHER_ROUTE}") from exc

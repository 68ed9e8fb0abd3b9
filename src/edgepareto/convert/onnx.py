"""Keras -> ONNX (tf2onnx) for ONNX Runtime: the same model as the TFLite artifacts, fp32 and static QDQ int8.

int8 is ``onnxruntime.quantization.quantize_static`` in QDQ format: weights int8 symmetric
per-channel, activations int8 asymmetric per-tensor (MinMax calibration on the same
calibration arrays as TFLite's int8), float32 model I/O. Names mirror the TFLite ones:
``mobilenet_v1_050_224.int8.onnx``.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from edgepareto.artifacts import CALIBRATION_SAMPLES, Artifact, write_atomic
from edgepareto.convert.registry import Exporter, register_exporter
from edgepareto.errors import EdgeParetoError
from edgepareto.models import ModelConfig, Variant
from edgepareto.native_output import quiet_native_output

if TYPE_CHECKING:
    import keras

log = logging.getLogger(__name__)

OPSET = 17
SCHEMES: dict[str, str] = {
    "fp32": f"float32 weights and activations, float32 I/O (ONNX opset {OPSET}, tf2onnx)",
    "int8": (
        "static QDQ int8 (ONNX Runtime quantize_static): weights int8 symmetric per-channel (zero point 0), "
        "activations int8 asymmetric per-tensor (MinMax), float32 I/O, calibrated on {n} {source} samples"
    ),
}


def onnx_artifact_name(config: ModelConfig, precision: str) -> str:
    return f"{Variant.of(config, precision).name}.onnx"


def keras_to_onnx(model: keras.Model, resolution: int) -> bytes:
    """fp32 ONNX bytes via tf2onnx from a traced inference function (batch 1, fixed input side)."""
    import tensorflow as tf
    import tf2onnx

    with quiet_native_output():
        fn = tf.function(lambda x: model(x, training=False))
        spec = [tf.TensorSpec((1, resolution, resolution, 3), tf.float32, name="input")]
        proto, _ = tf2onnx.convert.from_function(fn, input_signature=spec, opset=OPSET)
    return proto.SerializeToString()


class _Reader:
    """The calibration arrays, one sample at a time, as onnxruntime's CalibrationDataReader."""

    def __init__(self, name: str, x: np.ndarray) -> None:
        self._it = iter([{name: x[i : i + 1]} for i in range(len(x))])

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._it, None)


def quantize_int8(fp32: bytes, calibration: np.ndarray) -> bytes:
    """Static QDQ int8 per-channel from the fp32 ONNX bytes (pre-processed: shape inference + fusions)."""
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory(prefix="edgepareto-onnx-") as tmp, quiet_native_output():
        src, pre, dst = Path(tmp, "fp32.onnx"), Path(tmp, "pre.onnx"), Path(tmp, "int8.onnx")
        src.write_bytes(fp32)
        quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
        name = onnx.load(str(pre)).graph.input[0].name
        quantize_static(
            str(pre),
            str(dst),
            _Reader(name, calibration),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
        )
        return dst.read_bytes()


def export_onnx(
    config: ModelConfig,
    precisions: Iterable[str],
    out_dir: Path,
    *,
    model: keras.Model | None = None,
    weights: Path | None = None,
    seed: int = 0,
    calibration_dir: Path | None = None,
    calibration_samples: int = CALIBRATION_SAMPLES,
) -> list[Artifact]:
    """Build (or take) the Keras model and write one ``.onnx`` per precision (fp32, int8) into ``out_dir``."""
    from edgepareto.convert.calibration import calibration_arrays
    from edgepareto.models import build_model

    precisions = EXPORTER.check(precisions)
    if model is None:
        model = build_model(config, seed=seed, weights=weights)
    try:
        fp32 = keras_to_onnx(model, config.resolution)
    except EdgeParetoError:
        raise
    except Exception as exc:
        raise EdgeParetoError(f"ONNX conversion of {config.name} failed (tf2onnx): {exc}") from exc
    out: list[Artifact] = []
    for precision in precisions:
        scheme = SCHEMES[precision]
        data = fp32
        if precision == "int8":
            x, source = calibration_arrays(config, calibration_dir, calibration_samples)
            scheme = scheme.format(n=len(x), source=source)
            try:
                data = quantize_int8(fp32, x)
            except Exception as exc:
                raise EdgeParetoError(f"ONNX int8 quantization of {config.name} failed: {exc}") from exc
        path = out_dir / onnx_artifact_name(config, precision)
        write_atomic(path, data)
        sha = hashlib.sha256(data).hexdigest()
        out.append(Artifact(sha, Variant.of(config, precision), "onnx", str(path), len(data), scheme))
        log.debug("wrote %s (%d bytes)", path, len(data))
    return out


def describe(path: str | Path) -> dict[str, Any]:
    """Op counts of an ONNX file (QuantizeLinear/DequantizeLinear show the QDQ scheme)."""
    import onnx

    m = onnx.load(str(path))
    ops: dict[str, int] = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    return {"opset": m.opset_import[0].version, "ops": ops}


EXPORTER = register_exporter(Exporter("onnx", export_onnx))

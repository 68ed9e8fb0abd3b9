"""Keras -> TFLite with the TensorFlow converter: fp32, fp16, int8-dynamic and full int8.

Each precision has one exact scheme string (stored with the artifact) so that a reader
never confuses today's symmetric per-channel int8 with the seed's asymmetric uint8.
"""

from __future__ import annotations

import hashlib
import logging
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from edgepareto.artifacts import CALIBRATION_SAMPLES, Artifact, write_atomic
from edgepareto.convert.registry import Exporter, register_exporter
from edgepareto.errors import ConfigError, EdgeParetoError
from edgepareto.models import ModelConfig, Variant
from edgepareto.native_output import quiet_native_output

if TYPE_CHECKING:
    import keras

    from edgepareto.convert.calibration import CalibrationArrays

log = logging.getLogger(__name__)

SCHEMES: dict[str, str] = {
    "fp32": "float32 weights and activations, float32 I/O",
    "fp16": "float16 weights (dequantized to float32 at load), float32 activations and I/O",
    "int8-dynamic": (
        "dynamic-range int8: weights int8 symmetric per-channel (zero point 0), "
        "activations float32 (quantized on the fly per op), float32 I/O"
    ),
    "int8": (
        "full-integer int8 PTQ: weights int8 symmetric per-channel (zero point 0), "
        "activations int8 asymmetric per-tensor, int32 biases, int8 I/O, "
        "calibrated on {n} {source} samples; output: the classifier's logits (its softmax is left out, "
        "as XNNPACK has no int8 softmax kernel; top-k is unchanged)"
    ),
}
BATCH_NOTE = "batch 1 (a fixed input shape: no SHAPE, STRIDED_SLICE or PACK ops left outside XNNPACK)"


RepresentativeData = Callable[[], Iterator[list[np.ndarray]]]


def deployable(model: keras.Model, *, logits: bool = False) -> keras.Model:
    """The model as it ships: batch 1, and optionally without a final softmax.

    A dynamic batch leaves SHAPE/STRIDED_SLICE/PACK/RESHAPE on LiteRT's built-in kernels, and an
    int8 SOFTMAX has no XNNPACK kernel: either way the graph is only partly delegated.
    """
    import keras

    # A fixed input name and stable layer names: Keras numbers unnamed tensors and layers process-wide
    # (keras_tensor_91, global_average_pooling2d_2), so the same recipe gave other bytes after another build.
    inp = keras.Input(shape=model.input_shape[1:], batch_size=1, dtype=model.inputs[0].dtype, name="input")
    with warnings.catch_warnings():  # Keras warns that the new input's name differs from the old one
        warnings.simplefilter("ignore", UserWarning)
        clone = keras.models.clone_model(model, input_tensors=inp, clone_function=_stable_names(model))
    clone.set_weights(model.get_weights())
    last = clone.layers[-1]
    if logits and isinstance(last, keras.layers.Activation) and last.get_config().get("activation") == "softmax":
        clone = keras.Model(clone.inputs, last.input, name=clone.name)
    return clone


def _snake(name: str) -> str:
    """Keras's automatic layer name of a class (``GlobalAveragePooling2D`` -> ``global_average_pooling2d``)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", re.sub(r"\W+", "", name))
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _stable_names(model: keras.Model) -> Callable[[keras.layers.Layer], keras.layers.Layer]:
    """A clone function that renames the layers Keras named itself (``<snake class name>[_N]``, N counted
    process-wide) by their order in ``model``, so their names depend on the architecture only."""
    names: dict[int, str] = {}
    seen: dict[str, int] = {}
    for layer in model.layers:
        base = _snake(type(layer).__name__)
        if re.fullmatch(rf"{re.escape(base)}(_\d+)?", layer.name):
            k = seen[base] = seen.get(base, -1) + 1
            names[id(layer)] = base if k == 0 else f"{base}_{k}"

    def clone(layer: keras.layers.Layer) -> keras.layers.Layer:
        config = layer.get_config()
        if id(layer) in names:
            config["name"] = names[id(layer)]
        return type(layer).from_config(config)

    return clone


def convert_keras(model: keras.Model, precision: str, representative: RepresentativeData | None = None) -> bytes:
    """Run the TF converter for one precision on the deployable model; return the flatbuffer bytes."""
    import tensorflow as tf

    precision = EXPORTER.check([precision])[0]
    model = deployable(model, logits=precision == "int8")
    with quiet_native_output():
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        if precision == "fp16":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.target_spec.supported_types = [tf.float16]
        elif precision == "int8-dynamic":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        elif precision == "int8":
            if representative is None:
                raise ConfigError("int8 needs a representative dataset (calibration images)")
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.representative_dataset = representative
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
        return converter.convert()


def artifact_name(config: ModelConfig, precision: str) -> str:
    """``mobilenet_v1_050_224.int8.tflite``: family, alpha, resolution, precision at a glance."""
    return f"{Variant.of(config, precision).name}.tflite"


def export_variant(
    config: ModelConfig,
    precisions: Iterable[str],
    out_dir: Path,
    *,
    model: keras.Model | None = None,
    weights: Path | None = None,
    seed: int = 0,
    calibration_dir: Path | CalibrationArrays | None = None,  # a folder of images, or arrays already in memory
    calibration_samples: int = CALIBRATION_SAMPLES,
) -> list[Artifact]:
    """Build (or take) the Keras model and write one ``.tflite`` per precision into ``out_dir``."""
    from edgepareto.convert.calibration import representative_dataset
    from edgepareto.models import build_model

    precisions = EXPORTER.check(precisions)
    if model is None:
        model = build_model(config, seed=seed, weights=weights)
    artifacts = []
    for precision in precisions:
        scheme = f"{SCHEMES[precision]}; {BATCH_NOTE}"
        representative = None
        if precision == "int8":
            representative, n, source = representative_dataset(config, calibration_dir, calibration_samples)
            scheme = scheme.format(n=n, source=source)
        try:
            data = convert_keras(model, precision, representative)
        except EdgeParetoError:
            raise
        except Exception as exc:
            raise EdgeParetoError(f"TFLite conversion of {config.name} to {precision} failed: {exc}") from exc
        path = out_dir / artifact_name(config, precision)
        write_atomic(path, data)
        sha = hashlib.sha256(data).hexdigest()
        artifacts.append(Artifact(sha, Variant.of(config, precision), "tflite", str(path), len(data), scheme))
        log.debug("wrote %s (%d bytes)", path, len(data))
    return artifacts


EXPORTER = register_exporter(Exporter("tflite", export_variant))

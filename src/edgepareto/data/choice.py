"""Which preprocessing a model file is evaluated with, chosen once for every caller (``evaluate``,
``spec_for``, a study's companions): a preset asked for, else the spec saved beside the file, else the
data set's standard one for the model's input, and refused before any image is decoded when it does not
fit that input. As timm's ``data/config.py`` resolves a model's data config in one place.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgepareto.data.preprocessing import PreprocessingSpec, read_sidecar, spec_beside
from edgepareto.data.presets import default_spec, sidecar_preset
from edgepareto.errors import ConfigError

if TYPE_CHECKING:
    from edgepareto.data.datasets import Dataset


def is_nchw(shape: tuple[int, ...]) -> bool:
    """A 4-d input with 1 or 3 channels second and not last (torchvision's layout, ONNX exports)."""
    return len(shape) == 4 and shape[1] in (1, 3) and shape[3] not in (1, 3)


def resolve_spec(
    model: str | Path, runner_inputs: Any, num_outputs: int, dataset: Dataset, preset: str | None = None
) -> PreprocessingSpec:
    """``preset`` when given (``eval --preprocessing``, a study's option), else the spec saved beside the
    artifact (a whole spec, or one naming a preset), else the data set's standard one for this input."""
    shape = tuple(int(s) for s in runner_inputs[0].shape)
    if is_nchw(shape):
        shape = (shape[0], shape[2], shape[3], shape[1])
    classes = len(dataset.class_names)
    if preset is not None:
        return default_spec(shape, num_outputs, classes, preset=preset)
    doc = read_sidecar(model)
    named = sidecar_preset(doc) if doc is not None else None
    if named is not None:
        spec = default_spec(shape, num_outputs, classes, preset=named[0])
        return spec if named[1] is None else replace(spec, label_offset=named[1])
    beside = spec_beside(model) if doc is not None else None  # the whole spec, its errors naming the sidecar
    if beside is not None:
        return beside
    if dataset.name == "fashion-mnist":
        from edgepareto.data.fashion_mnist import fashion_spec

        return fashion_spec(shape[1], channels=shape[3])
    return default_spec(shape, num_outputs, classes)


def check_spec_fits(spec: PreprocessingSpec, shape: tuple[int, ...], model: str) -> None:
    """The spec's image size and channels must be the model input's, before any image is decoded."""
    nhwc = (shape[0], shape[2], shape[3], shape[1]) if is_nchw(shape) else shape
    if len(nhwc) != 4 or (nhwc[1], nhwc[2], nhwc[3]) != (spec.size, spec.size, spec.channels):
        raise ConfigError(
            f"{model}: its preprocessing gives {spec.size}x{spec.size}x{spec.channels} images but the model input is "
            f"{list(shape)}; fix or delete {Path(model).name}.preprocessing.json"
        )

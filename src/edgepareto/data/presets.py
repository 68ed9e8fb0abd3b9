"""Named preprocessing presets: the conventions that published ImageNet figures were measured with.

* ``tf-slim`` — TF-slim's ``preprocess_for_eval`` exactly: ``tf.io.decode_jpeg`` (fast IDCT),
  ``convert_image_dtype`` to [0, 1], ``central_crop(0.875)``, TF1 ``resize_bilinear``
  (``align_corners=False``, no half-pixel centres, no antialiasing), ``(x - 0.5) * 2``. Google's
  hosted MobileNet figures come from it; the ImageNet default.
* ``pil-bilinear`` — the same crop and scaling with Pillow's decoder and its antialiasing bilinear
  filter (edgepareto's earlier default).
* ``torchvision`` — ``Resize(size / 0.875)`` on the short side (256 for 224), ``CenterCrop(size)``,
  ``ToTensor`` and ``Normalize`` with the ImageNet mean/std; NCHW when the model's input is NCHW.
* ``keras-mobilenet`` — ``keras.utils.load_img(target_size=...)`` (Pillow nearest, no crop) then
  ``keras.applications.mobilenet.preprocess_input`` (``x / 127.5 - 1``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from edgepareto import validation
from edgepareto.data.preprocessing import SIDECAR_SUFFIX, PreprocessingSpec, read_sidecar
from edgepareto.errors import ConfigError

PRESETS = ("tf-slim", "pil-bilinear", "torchvision", "keras-mobilenet")
DEFAULT_PRESET = "tf-slim"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _fields(name: str, size: int) -> dict[str, Any]:
    if name == "tf-slim":
        return {"resize_filter": "tf1-bilinear", "decoder": "tf", "mean": 0.5, "std": 0.5}
    if name == "pil-bilinear":
        return {}
    if name == "torchvision":
        return {
            "crop_fraction": 1.0,
            "short_side": int(size / 0.875),
            "mean": IMAGENET_MEAN,
            "std": IMAGENET_STD,
            "normalization": "unit-centred",
        }
    return {"crop_fraction": 1.0, "resize_filter": "nearest", "normalization": "divide-first"}


def check_preset(name: str) -> str:
    """``name`` if it is a preset, else a one-line ConfigError listing them."""
    if name not in PRESETS:
        raise ConfigError(f"unknown preprocessing preset {name!r}; choose one of {', '.join(PRESETS)}")
    return name


def preset_spec(name: str, size: int, label_offset: int = 0) -> PreprocessingSpec:
    """The spec of preset ``name`` for a square RGB input of ``size`` pixels."""
    check_preset(name)
    return PreprocessingSpec(size=size, label_offset=label_offset, preset=name, **_fields(name, size))


def name_preset_beside(artifact: str | Path, preset: str, *, replace: bool = True) -> str:
    """Write ``<artifact>.preprocessing.json`` naming ``preset`` (``{"preset": NAME}``), so the choice
    travels with the file; with ``replace=False`` an existing sidecar is kept. The preset it names after."""
    check_preset(preset)
    doc = None if replace else read_sidecar(artifact)  # a sidecar being replaced need not parse
    if doc is not None:
        named = sidecar_preset(doc)
        return named[0] if named is not None else str(doc.get("preset", "custom"))
    path = Path(str(artifact) + SIDECAR_SUFFIX)
    validation.replace_text(path, json.dumps({"preset": preset}) + "\n", "preprocessing file")  # not through a link
    return preset


def sidecar_preset(doc: dict[str, Any]) -> tuple[str, int | None] | None:
    """(preset, label offset or None) when a sidecar only names a preset, e.g. ``{"preset": "tf-slim"}``."""
    if set(doc) - {"preset", "label_offset"} or "preset" not in doc:
        return None
    offset = doc.get("label_offset")
    if offset is not None and offset not in (0, 1):
        raise ConfigError(f"label_offset must be 0 or 1, got {offset!r}")
    return check_preset(str(doc["preset"])), offset


def default_spec(
    input_shape: tuple[int, ...], num_outputs: int, num_classes: int | None = None, preset: str | None = None
) -> PreprocessingSpec:
    """The standard spec for a model with NHWC ``input_shape``: preset ``preset`` (default TF-slim's)
    for 3 channels, Pillow bilinear on grey for 1 channel.

    The label offset is 1 when the model has one output more than the data set has classes
    (the 1001-output "background" convention of Google's models).
    """

    if len(input_shape) != 4 or input_shape[1] != input_shape[2] or input_shape[3] not in (1, 3):
        raise ConfigError(f"expected a square NHWC image input with 1 or 3 channels, got shape {list(input_shape)}")
    offset = 1 if num_classes is not None and num_outputs == num_classes + 1 else 0
    if input_shape[3] == 1:
        if preset is not None:
            raise ConfigError(f"preset {preset} is for RGB inputs; this model takes 1 channel (omit the preset)")
        return PreprocessingSpec(size=int(input_shape[1]), color="L", channels=1, label_offset=offset)
    return preset_spec(preset or DEFAULT_PRESET, int(input_shape[1]), offset)

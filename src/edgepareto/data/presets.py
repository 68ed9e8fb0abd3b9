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

from edgepareto.data.preprocessing import (
    DEFAULT_PRESET,
    IMAGENET_MEAN,
    IMAGENET_STD,
    PRESETS,
    check_preset,
    name_preset_beside,
    preset_spec,
    sidecar_preset,
)

__all__ = [
    "DEFAULT_PRESET",
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "PRESETS",
    "check_preset",
    "name_preset_beside",
    "preset_spec",
    "sidecar_preset",
]

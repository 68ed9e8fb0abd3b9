"""``weights = "imagenet" | "PATH.h5"`` in a family study: trained weights for the variants built here.

``"imagenet"`` is Keras's own file for ``keras.applications.MobileNet(weights="imagenet")``
(``mobilenet_<alpha>_<resolution>_tf.h5`` in its cache, ``$KERAS_HOME/models`` or ``~/.keras/models``),
fetched by Keras's ``get_file`` when it is not there yet; offline, one line names the file and where
to put it. Either way the weights are loaded into the architecture built here (never deserialised
as a model). With weights and a ``data_dir`` the study's built files get their accuracy measured
(int8 calibrated on ``data_dir`` images unless ``calibration_dir`` says otherwise).
"""

from __future__ import annotations

import os
from pathlib import Path

from edgepareto.errors import ConfigError
from edgepareto.models import ModelConfig

KERAS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet/"
IMAGENET_ALPHAS = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}
IMAGENET_RESOLUTIONS = (128, 160, 192, 224)


def keras_file(config: ModelConfig) -> str:
    """Keras's name of the ImageNet weights of one MobileNet v1 (with its classifier)."""
    if config.family != "mobilenet_v1" or config.alpha not in IMAGENET_ALPHAS:
        raise ConfigError(f'weights = "imagenet" exists for mobilenet_v1 alpha 0.25/0.5/0.75/1.0, not {config.name}')
    if config.resolution not in IMAGENET_RESOLUTIONS or config.num_classes != 1000:
        raise ConfigError(f'weights = "imagenet" exists at 128/160/192/224 px with 1000 classes, not {config.name}')
    return f"mobilenet_{IMAGENET_ALPHAS[config.alpha]}_{config.resolution}_tf.h5"


def keras_cache() -> Path:
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras").expanduser() / "models"


def weights_file(weights: str | None, config: ModelConfig) -> Path | None:
    """The weights file to load into ``config``'s model (None: random weights from the seed)."""
    if weights is None:
        return None
    if weights != "imagenet":
        path = Path(weights).expanduser()
        if not path.is_file():
            raise ConfigError(f'{path}: weights file not found; give weights = "imagenet" or an existing .h5 file')
        return path
    name = keras_file(config)
    cached = keras_cache() / name
    if cached.is_file():
        return cached
    try:
        import keras

        return Path(keras.utils.get_file(name, KERAS_URL + name, cache_subdir="models"))
    except Exception:  # offline, or the download failed: Keras raises several kinds
        raise ConfigError(
            f"ImageNet weights {name} are not in {keras_cache()} and cannot be downloaded here; put the file "
            f'there (from {KERAS_URL}{name}) or give weights = "PATH.h5"'
        ) from None


def weights_identity(weights: str | None) -> str | None:
    """What a recipe key says about the weights: the name, or a file's resolved path and size."""
    if weights is None or weights == "imagenet":
        return weights
    path = Path(weights).expanduser()
    return f"{path.resolve()}:{path.stat().st_size if path.is_file() else 'missing'}"


__all__ = ["keras_file", "weights_file", "weights_identity"]

"""What the Keras-application families (MobileNet v1, v2, v3) share: a builder, weights loaded into it, and a
cost read from the model."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgepareto.errors import ConfigError, ModelFileError, first_line
from edgepareto.models.cost import CostReport
from edgepareto.models.keras_cost import keras_cost_report
from edgepareto.models.variant import ModelConfig

if TYPE_CHECKING:
    import keras

Builder = Callable[..., "keras.Model"]


def keras_builder(app: str, **fixed: Any) -> Builder:
    """A family's ``build``: ``keras.applications.<app>(weights=None, **fixed)`` for a config."""

    def build(
        config: ModelConfig,
        *,
        seed: int | None = 0,
        weights: str | Path | None = None,
        bn_momentum: float | None = None,
    ) -> keras.Model:
        """Random weights from ``seed`` or weights loaded into this architecture; see mobilenet_v1.build."""
        import keras

        if seed is not None:
            keras.utils.set_random_seed(seed)
        model = getattr(keras.applications, app)(
            input_shape=(config.resolution, config.resolution, 3),
            alpha=config.alpha,
            weights=None,
            classes=config.num_classes,
            include_top=True,
            name=config.name,
            **fixed,
        )
        if bn_momentum is not None:
            if not 0.0 < bn_momentum < 1.0:
                raise ConfigError(f"bn_momentum must be in (0, 1), got {bn_momentum}")
            for layer in model.layers:
                if isinstance(layer, keras.layers.BatchNormalization):
                    layer.momentum = bn_momentum
        if weights is not None:
            load_weights(model, Path(weights))
        return model

    return build


def keras_cost(build: Builder) -> Callable[[ModelConfig], CostReport]:
    """A family's ``cost``: the built Keras model's layers priced by the seed's formulas (cached per config).

    Building takes a second or two (and TensorFlow's import); no weights are initialised twice for one config.
    """

    @lru_cache(maxsize=64)
    def cost(config: ModelConfig) -> CostReport:
        return keras_cost_report(build(config, seed=None), config.name)

    return cost


def load_weights(model: keras.Model, path: Path) -> None:
    """Load a ``.weights.h5``/``.h5``/``.keras`` file into ``model`` with a one-line error on mismatch."""
    if not path.is_file():
        raise ModelFileError(f"{path}: weights file not found; pass an existing .h5 or .keras file")
    if path.suffix not in (".h5", ".keras"):
        raise ModelFileError(f"{path}: weights must be a Keras .h5 or .keras file, got {path.suffix or 'no suffix'}")
    try:
        model.load_weights(str(path))
    except Exception as exc:  # Keras raises ValueError/OSError/KeyError variously
        raise ModelFileError(
            f"{path}: cannot load weights into {model.name} ({first_line(exc, 200)}); "
            "check that alpha, resolution and class count match the file"
        ) from exc

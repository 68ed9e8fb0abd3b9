"""MobileNet v1 (Howard et al. 2017), the seed's model: alpha in [1/32, 1], resolution, class count.

Built with ``keras.applications.MobileNet``. Where it differs from the TF-slim original
that Google's hosted models were trained with: Keras computes channel counts as
``int(c * alpha)`` with no floor, while slim keeps at least 8 channels (``min_depth=8``); the
two agree for alpha >= 0.25, and for smaller alpha this model (and its cost) follows Keras.
Keras's classifier is a 1x1 convolution with bias after global pooling, i.e. the same
fully connected layer as slim's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from edgepareto.errors import ConfigError
from edgepareto.models._registry import ModelFamily, register_family
from edgepareto.models.cost import CostReport, LayerSpec
from edgepareto.models.families._keras_apps import keras_builder
from edgepareto.models.variant import ModelConfig

if TYPE_CHECKING:
    import keras

FAMILY = "mobilenet_v1"
SEED_ALPHAS = (0.25, 0.5, 0.75, 1.0)
PUBLISHED_RESOLUTIONS = (128, 160, 192, 224)  # Google's 16 hosted files

# (pointwise output channels at alpha=1, depthwise stride) for the 13 separable blocks.
_BLOCKS: tuple[tuple[int, int], ...] = (
    (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
    (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1),
)  # fmt: skip


def _check(config: ModelConfig) -> None:
    if config.alpha > 1.0:
        raise ConfigError(f"alpha must be in (0, 1] for {FAMILY} (wider: mobilenet_v2, up to 1.4), got {config.alpha}")


def layer_specs(config: ModelConfig) -> tuple[LayerSpec, ...]:
    """The layers of the Keras model, as the seed's formulas see them."""
    _check(config)
    a, side = config.alpha, config.resolution
    channels = int(32 * a)
    side //= 2  # conv1: 3x3, stride 2, 'same'
    layers = [LayerSpec("conv1", "standard", 3, 3, channels, side, stride=2)]
    for i, (filters, stride) in enumerate(_BLOCKS, start=1):
        side //= stride
        out = int(filters * a)
        layers.append(LayerSpec(f"conv_dw_{i}", "depthwise", 3, channels, channels, side, stride, block=i))
        layers.append(LayerSpec(f"conv_pw_{i}", "pointwise", 1, channels, out, side, 1, block=i))
        channels = out
    layers.append(LayerSpec("conv_preds", "fully_connected", 1, channels, config.num_classes, 1, batchnorm=False))
    return tuple(layers)


def cost(config: ModelConfig) -> CostReport:
    return CostReport(config.name, layer_specs(config))


def build(
    config: ModelConfig,
    *,
    seed: int | None = 0,
    weights: str | Path | None = None,
    bn_momentum: float | None = None,
) -> keras.Model:
    """Build the Keras model: random weights from ``seed``, or weights loaded from a local file.

    Weights are loaded into the architecture built here (``load_weights``), never by
    deserialising a model from the file, so a weights file cannot run code.
    ``bn_momentum`` overrides Keras's 0.99, which leaves running statistics stale after short
    training schedules.
    """
    _check(config)
    return _BUILD(config, seed=seed, weights=weights, bn_momentum=bn_momentum)


_BUILD = keras_builder("MobileNet")  # the Keras-application builder the v2/v3 families share


register_family(
    ModelFamily(
        name=FAMILY,
        description="MobileNet v1, depthwise-separable ConvNet; alpha in [1/32, 1], resolution 32..1024 (x32)",
        build=build,
        cost=cost,
        named_variants=tuple(ModelConfig(FAMILY, a, 224) for a in SEED_ALPHAS),
        alphas=SEED_ALPHAS,
        resolutions=PUBLISHED_RESOLUTIONS,
        max_alpha=1.0,
        notes=(
            "built with keras.applications.MobileNet, without pretrained weights",
            "channels follow Keras int(c*alpha); TF-slim's min_depth=8 differs only for alpha < 0.25",
        ),
    )
)

"""MobileNet v2 (Sandler et al. 2018): inverted residuals and linear bottlenecks; alpha 0.35-1.4, 96-224.

Built with ``keras.applications.MobileNetV2(weights=None)``, like v1. Where it differs from the
TF-slim original that Google's checkpoints and hosted files were trained with: both round every
channel count to a multiple of 8 (never below 90% of ``c * alpha``); both keep the last 1x1
convolution at 1280 channels for alpha <= 1 and widen it above. The Keras model has 1000
outputs, Google's files 1001 (background first). Its cost is read from the built model's layers
(``models.keras_cost``): MACs floor to TF-slim's published figure for every published width
and resolution, and its folded parameters are 0.4-0.6% above the table (learned: 1.0%).
"""

from __future__ import annotations

from edgepareto.models._registry import ModelFamily, register_family
from edgepareto.models.families._keras_apps import keras_builder, keras_cost
from edgepareto.models.variant import ModelConfig

FAMILY = "mobilenet_v2"
PUBLISHED_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
PUBLISHED_RESOLUTIONS = (96, 128, 160, 192, 224)

build = keras_builder("MobileNetV2")
cost = keras_cost(build)

register_family(
    ModelFamily(
        name=FAMILY,
        description="MobileNet v2, inverted residual bottlenecks; alpha up to 1.4 (published 0.35-1.4), 96-224",
        build=build,
        cost=cost,
        named_variants=tuple(ModelConfig(FAMILY, a, 224) for a in PUBLISHED_ALPHAS),
        alphas=PUBLISHED_ALPHAS,
        resolutions=PUBLISHED_RESOLUTIONS,
        notes=(
            "built with keras.applications.MobileNetV2 (random weights)",
            "channels rounded to multiples of 8 as in TF-slim; the last conv keeps 1280 channels for alpha <= 1",
            "cost read from the built Keras model's layers; Google's files have 1001 outputs (background)",
        ),
    )
)

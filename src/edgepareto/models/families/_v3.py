"""MobileNet v3 (Howard et al. 2019), Small and Large, each also ``minimalistic``: what both files share.

Built with ``keras.applications.MobileNetV3Small/Large(weights=None, include_preprocessing=False)``.
Keras puts a ``Rescaling`` layer (x / 127.5 - 1) inside v3 by default, so that model takes [0, 255]
pixels; it is built here without it, so it takes [-1, 1] inputs like v1, v2 and Google's hosted
files, and the project's one preprocessing applies. Channels are rounded to multiples of 8
(``_depth``), as in TF-slim. Minimalistic models drop squeeze-and-excite, hard-swish and 5x5
kernels (same per-layer widths). The cost is read from the built model's layers, squeeze-and-excite
convolutions included (as fully connected layers on the pooled 1x1 map).
"""

from __future__ import annotations

from edgepareto.models._registry import ModelFamily
from edgepareto.models.families._keras_apps import keras_builder, keras_cost
from edgepareto.models.variant import ModelConfig

PUBLISHED_ALPHAS = (0.75, 1.0)


def v3_family(size: str, *, minimalistic: bool, note: str) -> ModelFamily:
    """The registry entry of MobileNetV3<size> (``size``: Small or Large)."""
    name = f"mobilenet_v3_{size.lower()}" + ("_minimalistic" if minimalistic else "")
    build = keras_builder(f"MobileNetV3{size}", minimalistic=minimalistic, include_preprocessing=False)
    alphas = (1.0,) if minimalistic else PUBLISHED_ALPHAS
    return ModelFamily(
        name=name,
        description=f"MobileNet v3-{size}{' minimalistic' if minimalistic else ''}; alpha up to 1.4 "
        f"(published {', '.join(f'{a:g}' for a in alphas)}), resolution 224",
        build=build,
        cost=keras_cost(build),
        named_variants=tuple(ModelConfig(name, a, 224) for a in alphas),
        alphas=alphas,
        resolutions=(224,),  # TF-slim's v3 checkpoints are all 224; any multiple of 32 builds
        notes=(
            f"built with keras.applications.MobileNetV3{size} (random weights, minimalistic={minimalistic})",
            "without Keras's built-in Rescaling layer (include_preprocessing=False): [-1, 1] inputs like v1/v2",
            "channels rounded to multiples of 8 as in TF-slim; cost read from the built Keras model's layers",
            note,
        ),
    )

"""The sweep's compute as pure functions of typed specs: what any executor runs, here or on a Ray worker.

Nothing in here touches the results store: an executor runs these and hands the results to the
driver, which alone writes the store.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from edgepareto.models import ModelConfig, Precision

if TYPE_CHECKING:
    from edgepareto.artifacts import Artifact
    from edgepareto.train import StudyRecord


@dataclass(frozen=True)
class ConvertSpec:
    """One Keras build and the files wanted from it: (precision, format) pairs, in order."""

    config: ModelConfig
    wanted: tuple[tuple[Precision, str], ...]
    seed: int = 0
    calibration_dir: str | None = None
    calibration_samples: int = 100
    weights: str | None = None  # a .h5 file loaded into the built architecture (None: random from the seed)

    @property
    def key(self) -> str:
        return hashlib.sha256(repr(self).encode()).hexdigest()[:24]


def convert_into(spec: ConvertSpec, out_dir: Path) -> list[Artifact]:
    """Build the model once and write every wanted file into ``out_dir``, in ``spec.wanted`` order."""
    from edgepareto.convert import export
    from edgepareto.models import build_model

    _fresh_keras_session()
    model = build_model(spec.config, seed=spec.seed, weights=Path(spec.weights) if spec.weights else None)
    calib = Path(spec.calibration_dir) if spec.calibration_dir else None
    made: dict[tuple[Precision, str], Artifact] = {}
    for fmt in dict.fromkeys(f for _, f in spec.wanted):
        precisions = [p for p, f in spec.wanted if f == fmt]
        arts = export(
            spec.config,
            precisions,
            out_dir,
            formats=(fmt,),
            model=model,
            calibration_dir=calib,
            calibration_samples=spec.calibration_samples,
        )
        for art, p in zip(arts, precisions, strict=True):
            made[(p, fmt)] = art
    return [made[w] for w in spec.wanted]


def _fresh_keras_session() -> None:
    """Forget the models built before in this process: Keras numbers auto-named layers per process
    (``input_layer_1``), so without this a recipe's bytes, and its sha256, depend on what a sweep built first."""
    import keras

    keras.backend.clear_session()


def train_alpha(alpha: float, progress: Callable[[str], None] | None = None) -> list[StudyRecord]:
    """The Fashion-MNIST study of one alpha (trained, exported, evaluated; cached in this node's home)."""
    from edgepareto.train import SWEEP_SCHEDULE, study_variant

    return study_variant(alpha, SWEEP_SCHEDULE, progress=progress)


def with_artifact(record: StudyRecord, path: str) -> StudyRecord:
    """The same study record, its artifact at ``path`` (where the driver wrote the shipped bytes)."""
    return dataclasses.replace(record, artifact=path)

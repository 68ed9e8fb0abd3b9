"""Representative data for full-integer quantization: real images, or a logged synthetic fallback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgepareto.data.preprocessing import PreprocessingSpec, list_images
from edgepareto.errors import ConfigError, DatasetError
from edgepareto.models import ModelConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CalibrationArrays:
    """Already preprocessed float inputs (n, R, R, C) held in memory, e.g. Fashion-MNIST training images.

    Pass one where a calibration folder is expected (``export_variant(calibration_dir=...)``);
    ``source`` names them in the artifact's scheme string.
    """

    inputs: np.ndarray
    source: str

    def __post_init__(self) -> None:
        if self.inputs.ndim != 4 or len(self.inputs) == 0 or self.inputs.dtype != np.float32:
            raise DatasetError(
                f"calibration arrays must be a non-empty float32 (n, H, W, C) batch, "
                f"got {self.inputs.dtype} {self.inputs.shape}"
            )


MAX_CALIBRATION_SAMPLES = 10_000  # the plan's range too (StudyPlan.calibration_samples)


def check_calibration_samples(samples: object) -> int:
    """The calibration image count, refused outside [1, 10000] as a plan refuses it (0 would give a float "int8")."""
    if isinstance(samples, bool) or not isinstance(samples, int) or not 1 <= samples <= MAX_CALIBRATION_SAMPLES:
        raise ConfigError(
            f"--calibration-samples must be in [1, {MAX_CALIBRATION_SAMPLES}], got {samples!r}: "
            f"int8 calibrates on at least one image"
        )
    return samples


def calibration_arrays(
    config: ModelConfig, folder: Path | CalibrationArrays | None, samples: int, seed: int = 0
) -> tuple[np.ndarray, str]:
    """Float inputs of shape (n, R, R, 3) and where they came from ('real images' or 'synthetic')."""
    check_calibration_samples(samples)
    if isinstance(folder, CalibrationArrays):
        x = folder.inputs[:samples]
        return x, f"{folder.source} (in memory)"
    spec = PreprocessingSpec(size=config.resolution)
    if folder is not None:
        files = list_images(folder)[:samples]
        if not files:
            raise DatasetError(f"{folder}: no images found for calibration; pass a folder of JPEG/PNG files")
        arrays = []
        for f in files:
            try:
                arrays.append(spec.to_float(spec.load(f)))
            except DatasetError as exc:
                log.warning("calibration: skipping %s", exc)
        if not arrays:
            raise DatasetError(f"{folder}: none of the {len(files)} files could be read as images")
        return np.stack(arrays), f"real images from {folder}"
    log.warning(
        "int8 calibration: no --calibration-dir given, using %d synthetic random inputs (uniform in [-1, 1]); "
        "activation ranges will not match real images: pass a folder of real images for a faithful int8 model",
        samples,
    )
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(samples, config.resolution, config.resolution, 3)).astype(np.float32)
    return x, "synthetic uniform[-1,1]"


def representative_dataset(
    config: ModelConfig, folder: Path | CalibrationArrays | None, samples: int
) -> tuple[Callable[[], Iterator[list[np.ndarray]]], int, str]:
    """A generator factory for the TF converter, with the sample count and source for the scheme."""
    x, source = calibration_arrays(config, folder, samples)

    def gen() -> Iterator[list[np.ndarray]]:
        for i in range(len(x)):
            yield [x[i : i + 1]]

    return gen, len(x), source

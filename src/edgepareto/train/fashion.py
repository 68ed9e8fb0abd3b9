"""A fully measured study on real data: MobileNet v1 trained on Fashion-MNIST, exported, evaluated.

For each alpha: train with Keras (seed-fixed; BatchNorm momentum 0.9, because Keras's 0.99
leaves the running statistics stale after a short schedule: 0.10 test accuracy after one
epoch), save the weights, export fp32 and full-integer int8 (calibrated on real training
images), and evaluate both artifacts on the 10,000 test images with the same preprocessing
spec that trained them (saved beside each artifact). Everything lands in a cache folder keyed
by configuration and schedule, so a second call reads the records back without TensorFlow.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from edgepareto import validation
from edgepareto.errors import ConfigError, EdgeParetoError, StoreError
from edgepareto.models import Precision, Variant

if TYPE_CHECKING:
    import keras

    from edgepareto.models import ModelConfig

log = logging.getLogger(__name__)

DEFAULT_ALPHAS = (0.25, 0.5, 0.75, 1.0)
FAMILY = "mobilenet_v1"
CODE_VERSION = 2  # bump when training or export changes in a way the cache key cannot see (2: batch-1 export)
LR_SCHEDULES = ("constant", "cosine")
# The one published figure for MobileNet on this data set: Zalando's Fashion-MNIST benchmark table
# (github.com/zalandoresearch/fashion-mnist README, contributed by @bojone; width and input size not stated).
PUBLISHED_TOP1 = (0.950, "MobileNet, horizontal-flip augmentation: 95.0% (Zalando's Fashion-MNIST benchmark table)")
STUDY_PRECISIONS = ("fp32", "int8")

Progress = Callable[[Any], None]  # text, or a TrainingProgress (its str() is the text)


@dataclass(frozen=True)
class Schedule:
    """How a model is trained: everything that changes the weights is in here (and in the cache key)."""

    epochs: int = 3
    train_images: int = 60_000
    batch_size: int = 256
    learning_rate: float = 2e-2
    lr_schedule: str = "cosine"  # cosine decay to 0 over all steps; "constant" keeps the rate
    bn_momentum: float = 0.9
    seed: int = 0
    resolution: int = 32
    calibration_samples: int = 256  # this study's own recipe (real training images), part of its cache key

    def __post_init__(self) -> None:
        if not isinstance(self.epochs, int) or not 1 <= self.epochs <= 100:
            raise ConfigError(f"epochs must be an integer in 1..100, got {self.epochs!r}")
        if not isinstance(self.train_images, int) or not 100 <= self.train_images <= 60_000:
            raise ConfigError(f"train_images must be in 100..60000 (Fashion-MNIST has 60,000), got {self.train_images}")
        if not isinstance(self.batch_size, int) or not 1 <= self.batch_size <= 4096:
            raise ConfigError(f"batch_size must be in 1..4096, got {self.batch_size!r}")
        if not 0.0 < self.learning_rate < 1.0:
            raise ConfigError(f"learning_rate must be in (0, 1), got {self.learning_rate}")
        if not 0.0 < self.bn_momentum < 1.0:
            raise ConfigError(f"bn_momentum must be in (0, 1), got {self.bn_momentum}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ConfigError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got {self.lr_schedule!r}")
        validation.seed(self.seed)
        if not isinstance(self.resolution, int) or not 32 <= self.resolution <= 1024 or self.resolution % 32:
            raise ConfigError(f"resolution must be a multiple of 32 in [32, 1024], got {self.resolution!r}")
        if not isinstance(self.calibration_samples, int) or not 1 <= self.calibration_samples <= 10_000:
            raise ConfigError(f"calibration_samples must be in 1..10000, got {self.calibration_samples!r}")

    @property
    def key(self) -> str:
        """Stable short hash of the schedule (and of the code version): the cache key."""
        blob = json.dumps({**asdict(self), "code": CODE_VERSION}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    def __str__(self) -> str:
        return (
            f"{self.epochs} epoch(s) over {self.train_images:,} training images, batch {self.batch_size}, "
            f"Adam lr {self.learning_rate:g} ({self.lr_schedule}), BatchNorm momentum {self.bn_momentum:g}, "
            f"seed {self.seed}, "
            f"{self.resolution}x{self.resolution} (28x28 grey padded, replicated to 3 channels)"
        )


# The main job's schedule (`edgepareto sweep`'s Fashion-MNIST study): one epoch over all 60,000 training images
# in batches of 128 (470 Adam steps, cosine to 0), chosen by measurement to fit a cold `make main` in 10 minutes
# (issue 27): one epoch of the four alphas is 367 s on a quiet 2-core Xeon (batch 256,
# benchmarks/results/intel-xeon-2c/train_step_2026-12-03T0635.md), about 160 s on the 2-core AMD EPYC. Batch 256
# (235 steps) gave fp32 top-1 83.33 / 85.04 / 84.49 / 86.55% for alpha 0.25 / 0.5 / 0.75 / 1.0: 0.75 under 85%.
# Batch 128, same seed and rate: 84.18 / 85.54 / 86.58 / 86.20%, int8 within 0.8 points of each, about the same
# time per image (benchmarks/results/amd-epyc-2c/fashion_schedule_notes.md: what was tried, accuracy only).
# benchmarks/main_budget.py is the timing figure. `edgepareto train` keeps Schedule() (3 epochs).
SWEEP_SCHEDULE = Schedule(epochs=1, batch_size=128)


@dataclass(frozen=True)
class StudyRecord:
    """One evaluated artifact of the study: what the sweep stores as a measured accuracy."""

    variant: Variant
    scheme: str
    artifact: str
    bytes: int
    sha256: str
    top1: float
    top5: float
    n: int
    ci95_top1: tuple[float, float]
    ci95_top5: tuple[float, float]
    preprocessing: dict[str, Any]
    dataset: str
    schedule: dict[str, Any]
    train_seconds: float
    agreement_with_fp32: float | None = None  # top-1 agreement of this artifact with the fp32 one
    source: str = "measured"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def alpha(self) -> float:
        return float(self.variant.alpha or 0.0)

    @property
    def precision(self) -> str:
        return self.variant.precision.value

    def to_json(self) -> dict[str, Any]:
        v = self.variant
        d = {"variant": v.name, "family": v.family, "alpha": v.alpha, "resolution": v.resolution,
             "precision": v.precision.value, **asdict(self)}  # fmt: skip
        d["variant"] = v.name
        d["ci95_top1"], d["ci95_top5"] = list(self.ci95_top1), list(self.ci95_top5)
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> StudyRecord:
        d = {k: x for k, x in d.items() if k not in ("family", "alpha", "resolution", "precision")}
        d["variant"] = Variant.parse(d["variant"])
        d["ci95_top1"], d["ci95_top5"] = tuple(d["ci95_top1"]), tuple(d["ci95_top5"])
        return cls(**d)


def model_config(alpha: float, schedule: Schedule) -> ModelConfig:
    from edgepareto.models import ModelConfig

    return ModelConfig(FAMILY, alpha, schedule.resolution, 10)


def study_dir(config: ModelConfig, schedule: Schedule, cache_dir: Path | None = None) -> Path:
    from edgepareto.artifacts import home

    return (cache_dir if cache_dir is not None else home()) / "fashion-mnist" / f"{config.name}-{schedule.key}"


def training_spec(schedule: Schedule):  # -> PreprocessingSpec
    from edgepareto.data.fashion_mnist import fashion_spec

    return fashion_spec(schedule.resolution, channels=3)


def _training_arrays(schedule: Schedule) -> tuple[np.ndarray, np.ndarray]:
    """The seed-fixed subset of the training split, preprocessed with the study's spec."""
    from edgepareto.data.fashion_mnist import load_fashion_mnist

    images, labels = load_fashion_mnist("train")
    order = np.random.default_rng(schedule.seed).permutation(len(images))[: schedule.train_images]
    spec = training_spec(schedule)
    return spec.to_float(spec.prepare_batch(images[order])), labels[order].astype(np.int64)


def _learning_rate(schedule: Schedule, images: int) -> Any:
    """Adam's rate: constant, or decayed to 0 along a cosine over every step of the schedule."""
    import keras

    if schedule.lr_schedule == "constant":
        return schedule.learning_rate
    steps = schedule.epochs * -(-images // schedule.batch_size)
    return keras.optimizers.schedules.CosineDecay(schedule.learning_rate, steps)


def train_model(
    alpha: float, schedule: Schedule = Schedule(), cache_dir: Path | None = None, progress: Progress | None = None
) -> tuple[keras.Model, dict[str, Any]]:
    """The trained Keras model for ``alpha``: loaded from the cache, or trained and saved there."""
    from edgepareto.models import build_model
    from edgepareto.native_output import quiet_native_output

    config = model_config(alpha, schedule)
    folder = study_dir(config, schedule, cache_dir)
    weights, info_path = folder / "model.weights.h5", folder / "train.json"
    if weights.is_file() and info_path.is_file():
        model = build_model(config, seed=schedule.seed, weights=weights, bn_momentum=schedule.bn_momentum)
        return model, json.loads(info_path.read_text())
    import keras

    if progress:
        progress(f"training {config.name}: {schedule}")
    x, y = _training_arrays(schedule)
    model = build_model(config, seed=schedule.seed, bn_momentum=schedule.bn_momentum)
    model.compile(
        optimizer=keras.optimizers.Adam(_learning_rate(schedule, len(x))),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    t0 = time.perf_counter()
    callbacks = []
    if progress:
        from edgepareto.train.progress import progress_callback

        steps = -(-len(x) // schedule.batch_size)
        callbacks.append(progress_callback(config.name, alpha, schedule.epochs, steps, progress))
    with quiet_native_output():
        hist = model.fit(
            x, y, batch_size=schedule.batch_size, epochs=schedule.epochs, shuffle=True, verbose=0, callbacks=callbacks
        )
    seconds = time.perf_counter() - t0
    info = {
        "variant": config.name,
        "schedule": asdict(schedule),
        "train_seconds": round(seconds, 2),
        "train_accuracy": [float(a) for a in hist.history["accuracy"]],
        "train_loss": [float(v) for v in hist.history["loss"]],
        "threads": os.cpu_count(),
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        model.save_weights(str(weights))
        info_path.write_text(json.dumps(info, indent=2) + "\n")
    except OSError as exc:
        raise StoreError(f"cannot write the trained weights to {folder}: {exc}; set EDGEPARETO_HOME") from exc
    log.info("trained %s in %.1f s", config.name, seconds)
    return model, info


def _artifacts_intact(records: list[StudyRecord]) -> bool:
    from edgepareto.artifacts.verify import is_intact

    return all(is_intact(Path(r.artifact), r.sha256, r.bytes) for r in records)


def study_variant(
    alpha: float,
    schedule: Schedule = Schedule(),
    *,
    cache_dir: Path | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[StudyRecord]:
    """Train (or load), export fp32 + int8, evaluate both on the 10,000 test images, for one alpha."""
    config = model_config(alpha, schedule)
    folder = study_dir(config, schedule, cache_dir)
    rec_path = folder / "records.json"
    if rec_path.is_file():
        try:
            records = [StudyRecord.from_json(d) for d in json.loads(rec_path.read_text())]
            if _artifacts_intact(records):
                return records
        except (json.JSONDecodeError, TypeError, KeyError, EdgeParetoError):
            pass
        log.warning("%s: cached study records are stale or damaged; rebuilding", rec_path)

    from edgepareto.convert import export_variant
    from edgepareto.convert.calibration import CalibrationArrays
    from edgepareto.data.datasets import fashion_mnist
    from edgepareto.eval import agreement, evaluate

    model, info = train_model(alpha, schedule, cache_dir, progress)
    spec = training_spec(schedule)
    x, _ = _training_arrays(schedule)
    calib = CalibrationArrays(x[: schedule.calibration_samples], "real Fashion-MNIST training images")
    if progress:
        progress(f"exporting {config.name} (fp32, int8)")
    artifacts = export_variant(
        config,
        STUDY_PRECISIONS,
        folder,
        model=model,
        calibration_dir=calib,
        calibration_samples=schedule.calibration_samples,
    )
    test = fashion_mnist("test")
    results = {}
    for art in artifacts:
        spec.save_beside(art.path)
        if progress:
            progress(f"evaluating {Path(art.path).name} on {len(test):,} test images")
        results[art.precision] = (art, evaluate(art.path, test, spec=spec, workers=workers))
    fp32_top1 = results[Precision.FP32][1].top1_predictions
    records = []
    for precision, (art, res) in results.items():
        agree = None if precision == "fp32" else agreement(list(fp32_top1), list(res.top1_predictions))
        records.append(
            StudyRecord(
                variant=Variant.of(config, precision),
                scheme=art.scheme,
                artifact=art.path,
                bytes=art.bytes,
                sha256=art.sha256,
                top1=res.top1,
                top5=res.top5,
                n=res.n,
                ci95_top1=res.ci95_top1,
                ci95_top5=res.ci95_top5,
                preprocessing=spec.to_json(),
                dataset="fashion-mnist test (10,000 images)" if res.n == 10_000 else f"fashion-mnist test ({res.n})",
                schedule=asdict(schedule),
                train_seconds=float(info["train_seconds"]),
                agreement_with_fp32=agree,
                extra={
                    "engine": res.engine_version,
                    "input_encoding": res.input_encoding,
                    "training": str(schedule),
                    "published_top1": PUBLISHED_TOP1[0],
                    "published": PUBLISHED_TOP1[1],
                },
            )
        )
    rec_path.write_text(json.dumps([r.to_json() for r in records], indent=2) + "\n")
    return records


def fashion_study(
    alphas: Iterable[float] = DEFAULT_ALPHAS,
    schedule: Schedule = Schedule(),
    *,
    cache_dir: Path | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[StudyRecord]:
    """The study for every alpha (fp32 and int8 records each); cached, so a second call is fast.

    Records of alphas finished before an error are kept on disk (each alpha is saved as it
    completes) and found again by the next call.
    """
    alphas = tuple(float(a) for a in alphas)
    if not alphas:
        raise ConfigError("fashion_study needs at least one alpha")
    records: list[StudyRecord] = []
    for a in alphas:
        records += study_variant(a, schedule, cache_dir=cache_dir, workers=workers, progress=progress)
    return records

"""Expand a plan into tasks: typed jobs (build, train + evaluate, latency), each with the store keys it promises.

Build tasks come first (they write artifacts, sizes and accuracies), latency tasks after.
A latency task finds its artifact by recipe and builds it again if its file is gone.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgepareto.artifacts import Artifact, ArtifactFolder, HomeCache, export
from edgepareto.bench import Protocol, measure
from edgepareto.errors import EdgeParetoError
from edgepareto.models import ModelConfig, Precision, Variant, build_model
from edgepareto.store import Dataset, MeasurementRecord, Store
from edgepareto.sweep.keys import (
    accuracy_key,
    calibration_dir,
    fashion_recipe,
    latency_key,
    protocol_id,
    recipe_of,
    schedule_key,
    size_key,
)
from edgepareto.sweep.plan import StudyPlan
from edgepareto.sweep.weights import weights_file
from edgepareto.train import StudyRecord, study_variant

log = logging.getLogger(__name__)

FASHION_DATASET = Dataset(
    "fashion-mnist-test",
    "Fashion-MNIST test set (10,000 28x28 grey images, 10 classes)",
    10000,
    "Xiao, Rasul, Vollgraf, Fashion-MNIST (2017), Debian package dataset-fashion-mnist",
)
FORMAT_OF_ENGINE = {"litert": "tflite", "onnxruntime": "onnx"}


@dataclass
class Context:
    """What every task needs while it runs."""

    store: Store
    artifacts_dir: Path
    run_id: int | None = None
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)  # device name -> {"cluster": ..., "cpus": ...}
    builders: dict[str, Callable[[Context], Any]] = field(default_factory=dict)  # recipe -> what builds it
    progress: Callable[[str], None] | None = None  # what the task in flight is doing, for the live view

    def artifact(self, recipe: str) -> Artifact:
        """The artifact a recipe built, building it again if its file is gone."""
        art = self.store.artifact_by_recipe(recipe)
        if art is None:
            self.builders[recipe](self)
            art = self.store.artifact_by_recipe(recipe)
        if art is None:
            raise EdgeParetoError(f"artifact for recipe {recipe} was not produced; see the sweep log")
        return art

    def register(self, path: Path, variant: Variant, scheme: str, recipe: str) -> Artifact:
        """Adopt a fresh file into the artifact folder and record it with its size."""
        art = ArtifactFolder(self.artifacts_dir).adopt(path, variant, scheme, recipe)
        self.store.add_artifact(art)
        name = Path(art.path).name
        self.store.add(
            MeasurementRecord(
                variant=variant, metric="size_bytes", value=float(art.bytes), source="measured",
                artifact_sha256=art.sha256, n=1, notes=f"file size of {name} ({art.format}; {scheme})",
                record={"weight_bytes": art.weight_bytes, "path": art.path}, key=size_key(recipe),
            ),
            run_id=self.run_id,
        )  # fmt: skip
        return art


@dataclass(frozen=True)
class LatencyJob:
    """One latency measurement: which artifact (by recipe), engine, threads, device and protocol."""

    recipe: str
    engine: str
    threads: int
    device: str
    protocol: str
    overrides: tuple[tuple[str, Any], ...] = ()

    @property
    def key(self) -> str:
        name = self.protocol + (f"+{_digest8(dict(self.overrides))}" if self.overrides else "")
        return latency_key(self.recipe, self.engine, self.threads, self.device, name)

    def protocol_preset(self) -> Protocol:
        return Protocol.preset(self.protocol, **dict(self.overrides))

    def records(self, m: Any, art: Artifact) -> list[MeasurementRecord]:
        return MeasurementRecord.from_latency(m, device=self.device, artifact=art, key=self.key,
                                              protocol_name=self.protocol)  # fmt: skip


def _digest8(overrides: dict[str, Any]) -> str:
    from edgepareto.sweep.keys import digest

    return digest(overrides, 8)


@dataclass
class Task:
    kind: str  # convert | train | latency
    study: str
    label: str
    keys: tuple[str, ...]
    estimate_s: float
    run: Callable[[Context], int]  # returns how many new records it wrote
    job: LatencyJob | None = None

    def done(self, store: Store) -> bool:
        return all(store.has(k) for k in self.keys)


# -- conversion ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildRecipe:
    """The artifacts of one architecture: every (precision, format) from one Keras build."""

    study: StudyPlan
    config: ModelConfig
    wanted: tuple[tuple[Precision, str, str], ...]  # (precision, format, recipe)

    def __call__(self, ctx: Context) -> None:
        cache = HomeCache()
        todo = [w for w in self.wanted if ctx.store.artifact_by_recipe(w[2]) is None]
        todo = [w for w in todo if not self._from_cache(ctx, cache, w)]
        if not todo:
            return
        model = build_model(self.config, seed=self.study.seed, weights=weights_file(self.study.weights, self.config))
        calib = Path(calibration_dir(self.study)) if calibration_dir(self.study) else None
        with tempfile.TemporaryDirectory(prefix="edgepareto-convert-") as tmp:
            for fmt in dict.fromkeys(w[1] for w in todo):
                mine = [w for w in todo if w[1] == fmt]
                arts = export(self.config, [w[0] for w in mine], tmp, formats=(fmt,), model=model,
                              calibration_dir=calib, calibration_samples=self.study.calibration_samples)  # fmt: skip
                for art, (_, _, recipe) in zip(arts, mine, strict=True):
                    self._name_preset(ctx.register(Path(art.path), art.variant, art.scheme, recipe))
                    cache.put(recipe, Path(art.path), art.scheme)

    def _from_cache(self, ctx: Context, cache: HomeCache, wanted: tuple[Precision, str, str]) -> bool:
        hit = cache.get(wanted[2])
        if hit is not None:
            self._name_preset(ctx.register(hit[0], Variant.of(self.config, wanted[0]), hit[1], wanted[2]))
        return hit is not None

    def _name_preset(self, art: Artifact) -> None:
        """The study's preprocessing preset travels with the file (``FILE.preprocessing.json``)."""
        from edgepareto.data.presets import name_preset_beside

        named = name_preset_beside(art.path, self.study.preprocessing, replace=False)
        if named != self.study.preprocessing:
            log.warning("%s: its sidecar already names preset %s (another study built the same file); study %s "
                        "asked for %s", art.path, named, self.study.name, self.study.preprocessing)  # fmt: skip

    def counted(self, ctx: Context) -> int:
        """Build, and say how many size records are new."""
        before = sum(ctx.store.has(size_key(w[2])) for w in self.wanted)
        self(ctx)
        return sum(ctx.store.has(size_key(w[2])) for w in self.wanted) - before

    @property
    def estimate_s(self) -> float:
        scale = self.config.alpha**2 * (self.config.resolution / 224) ** 2
        return 6.0 + len(self.wanted) * (3.0 + 22.0 * scale)


# -- the Fashion-MNIST study: train, export, evaluate ------------------------------------------


@dataclass(frozen=True)
class EvalJob:
    """Train one alpha on Fashion-MNIST (cached), export its precisions, measure their accuracy."""

    study: StudyPlan
    alpha: float
    schedule: str

    def __call__(self, ctx: Context) -> int:
        ctx.store.add_dataset(FASHION_DATASET)
        written = 0
        for rec in study_variant(self.alpha, progress=ctx.progress):
            if rec.variant.precision not in self.study.precisions:
                continue
            art = ctx.register(Path(rec.artifact), rec.variant, rec.scheme,
                               fashion_recipe(self.study, rec.variant.alpha, rec.variant.precision))  # fmt: skip
            recs = accuracy_records(self.study, rec, self.schedule)
            written += ctx.store.add_many([r.with_artifact(art.sha256) for r in recs], run_id=ctx.run_id)
        return written

    def keys(self) -> tuple[str, ...]:
        return tuple(accuracy_key(self.study.name, self.alpha, p, FASHION_DATASET.name, "top1", self.schedule)
                     for p in self.study.precisions)  # fmt: skip


def accuracy_records(study: StudyPlan, rec: StudyRecord, schedule: str = "") -> list[MeasurementRecord]:
    """top-1/top-5 records of one trained and evaluated artifact, keyed by study, variant and schedule."""
    v = rec.variant
    doc = rec.to_json()
    return MeasurementRecord.from_accuracy(
        rec, variant=v, dataset=FASHION_DATASET.name,
        key=lambda metric: accuracy_key(study.name, v.alpha, v.precision, FASHION_DATASET.name, metric, schedule),
        engine="litert" if rec.artifact.endswith(".tflite") else None, engine_version=rec.extra.get("engine"),
        notes="Wilson 95% interval; " + rec.dataset,
        record={k: x for k, x in doc.items() if isinstance(x, (str, int, float, list, dict, type(None)))},
    )  # fmt: skip


# -- latency -------------------------------------------------------------------------------------


def _latency_task(study: StudyPlan, variant: Variant, job: LatencyJob) -> Task:
    def run(ctx: Context) -> int:
        art = ctx.artifact(job.recipe)
        where = ctx.devices[job.device]
        m = measure(art.path, engine=job.engine, threads=job.threads, cluster=where.get("cluster"),
                    protocol=job.protocol_preset())  # fmt: skip
        ctx.store.forget_failed(job.key)
        # The artifact's own variant: for trained studies it carries the real resolution and class count.
        return ctx.store.add_many(job.records(m, art), run_id=ctx.run_id)

    alpha = variant.alpha or 1.0
    est = (3.0 + 6.0 * alpha**2 * (variant.resolution / 224) ** 2) * (1 if study.protocol == "fast" else 40)
    label = f"latency {variant.label} @{variant.resolution} {job.engine} {job.threads}t on {job.device}"
    return Task("latency", study.name, label, (job.key,), est, run, job)


def _latency_tasks(
    study: StudyPlan, variant: Variant, recipe: str, engines: list[str], devices: list[str]
) -> list[Task]:
    overrides = tuple(sorted((study.options.get("protocol") or {}).items()))
    return [
        _latency_task(study, variant, LatencyJob(recipe, e, t, d, study.protocol, overrides))
        for e in engines
        for t in study.threads
        for d in devices
    ]


# -- expansion ----------------------------------------------------------------------------------


def expand(study: StudyPlan, devices: list[str], ctx: Context) -> list[Task]:
    """The tasks of one study, in run order: build first (sizes, accuracy), then latency."""
    expand_kind = _expand_fashion if study.kind == "fashion-mnist" else _expand_built
    builds, latencies = expand_kind(study, devices, ctx)
    return builds + latencies


def _expand_fashion(study: StudyPlan, devices: list[str], ctx: Context) -> tuple[list[Task], list[Task]]:
    builds, latencies = [], []
    schedule = schedule_key()
    for a in study.alphas:
        job = EvalJob(study, a, schedule)
        for p in study.precisions:
            ctx.builders[fashion_recipe(study, a, p)] = job
        label = f"train + evaluate Fashion-MNIST alpha={a:g} (fp32, int8)"
        builds.append(Task("train", study.name, label, job.keys(), 30.0 + 90.0 * a, job))
        for p in study.precisions:
            v = Variant(study.family, a, 32, 10, p)  # label and estimate; records carry the artifact's variant
            latencies += _latency_tasks(study, v, fashion_recipe(study, a, p), ["litert"], devices)
    return builds, latencies


def _expand_built(study: StudyPlan, devices: list[str], ctx: Context) -> tuple[list[Task], list[Task]]:
    builds, latencies = [], []
    fmts = sorted({FORMAT_OF_ENGINE[e] for e in study.engines})
    for config in study.configs():
        wanted = tuple((p, f, recipe_of(study, config, p, f)) for p in study.precisions for f in fmts)
        recipe = BuildRecipe(study, config, wanted)
        for w in wanted:
            ctx.builders[w[2]] = recipe
        label = f"convert {config.name} to {', '.join(study.precisions)} ({', '.join(fmts)})"
        keys = tuple(size_key(w[2]) for w in wanted)
        builds.append(Task("convert", study.name, label, keys, recipe.estimate_s, recipe.counted))
        for p in study.precisions:
            for e in study.engines:
                latencies += _latency_tasks(study, Variant.of(config, p), recipe_of(study, config, p,
                                            FORMAT_OF_ENGINE[e]), [e], devices)  # fmt: skip
    return builds, latencies


__all__ = ["Context", "LatencyJob", "Task", "accuracy_records", "expand", "protocol_id"]

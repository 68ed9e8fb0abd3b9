"""Expand a plan into tasks: typed jobs (build, train + evaluate, latency), each with the store keys it promises.

Build tasks first (artifacts, sizes, accuracies; compute through ``ctx.executor``), latency after. A latency
task finds its artifact by recipe and builds it again if its file is gone."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgepareto.artifacts import Artifact, ArtifactFolder, HomeCache
from edgepareto.bench import Protocol, measure
from edgepareto.compute import ConvertSpec, Executor, LocalExecutor
from edgepareto.errors import EdgeParetoError
from edgepareto.models import ModelConfig, Precision, Variant
from edgepareto.store import Dataset, MeasurementRecord, Store
from edgepareto.sweep.keys import (
    accuracy_key,
    digest,
    fashion_recipe,
    latency_key,
    protocol_id,
    recipe_of,
    schedule_key,
    size_key,
)
from edgepareto.sweep.measured import AccuracyJob
from edgepareto.sweep.plan import StudyPlan
from edgepareto.train import StudyRecord

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
    executor: Executor = field(default_factory=LocalExecutor)  # where conversion, training and evaluation run

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
        name = self.protocol + (f"+{digest(dict(self.overrides), 8)}" if self.overrides else "")
        return latency_key(self.recipe, self.engine, self.threads, self.device, name)

    def protocol_preset(self) -> Protocol:
        return Protocol.preset(self.protocol, **dict(self.overrides))

    def records(self, m: Any, art: Artifact) -> list[MeasurementRecord]:
        return MeasurementRecord.from_latency(m, device=self.device, artifact=art, key=self.key,
                                              protocol_name=self.protocol)  # fmt: skip


@dataclass
class Task:
    kind: str  # convert | train | latency
    study: str
    label: str
    keys: tuple[str, ...]
    estimate_s: float
    run: Callable[[Context], int]  # returns how many new records it wrote
    job: LatencyJob | None = None
    prefetch: Callable[[Context], ConvertSpec | None] | None = None  # its conversion, to submit ahead

    def done(self, store: Store) -> bool:
        return all(store.has(k) for k in self.keys)


@dataclass(frozen=True)
class BuildRecipe:
    """The artifacts of one architecture: every (precision, format) from one Keras build."""

    study: StudyPlan
    config: ModelConfig
    wanted: tuple[tuple[Precision, str, str], ...]  # (precision, format, recipe)

    def __call__(self, ctx: Context) -> None:
        todo = self._todo(ctx, adopt=True)
        if not todo:
            return
        with tempfile.TemporaryDirectory(prefix="edgepareto-convert-") as tmp:
            for built, (_, _, recipe) in zip(ctx.executor.convert(self._spec(todo), Path(tmp)), todo, strict=True):
                self._name_preset(ctx.register(Path(built.path), built.variant, built.scheme, recipe))
                HomeCache().put(recipe, Path(built.path), built.scheme)

    def _todo(self, ctx: Context, adopt: bool) -> list[tuple[Precision, str, str]]:  # store lacks, cache cannot give
        cache = HomeCache()
        todo = [w for w in self.wanted if ctx.store.artifact_by_recipe(w[2]) is None]
        return [w for w in todo if not (self._from_cache(ctx, cache, w) if adopt else cache.get(w[2]))]

    def _spec(self, todo: list[tuple[Precision, str, str]]) -> ConvertSpec:
        s, wanted = self.study, tuple((p, f) for p, f, _ in todo)
        return ConvertSpec(self.config, wanted, s.seed, s.calibration_dir, s.calibration_samples)

    def prefetch(self, ctx: Context) -> ConvertSpec | None:
        return self._spec(todo) if (todo := self._todo(ctx, adopt=False)) else None

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

    def counted(self, ctx: Context) -> int:  # build; how many size records are new
        before, _ = sum(ctx.store.has(size_key(w[2])) for w in self.wanted), self(ctx)
        return sum(ctx.store.has(size_key(w[2])) for w in self.wanted) - before

    @property
    def estimate_s(self) -> float:
        scale = self.config.alpha**2 * (self.config.resolution / 224) ** 2
        return 6.0 + len(self.wanted) * (3.0 + 22.0 * scale)


@dataclass(frozen=True)
class EvalJob:
    """Train one alpha on Fashion-MNIST (cached), export its precisions, measure their accuracy."""

    study: StudyPlan
    alpha: float
    schedule: str

    def __call__(self, ctx: Context) -> int:
        ctx.store.add_dataset(FASHION_DATASET)
        written = 0
        for rec in ctx.executor.train(self.alpha, ctx.progress):
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


def _latency_task(study: StudyPlan, variant: Variant, job: LatencyJob) -> Task:
    def run(ctx: Context) -> int:
        art = ctx.artifact(job.recipe)
        where = ctx.devices[job.device]
        if "ray_device" in where:  # a board that is a Ray node: measured there, one task at a time
            m = ctx.executor.measure_on(where["ray_device"], art.path, job.engine, job.threads, where.get("cluster"),
                                        job.protocol_preset())  # fmt: skip
        else:
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
        builds.append(Task("convert", study.name, label, keys, recipe.estimate_s, recipe.counted, None,
                           recipe.prefetch))  # fmt: skip
        if study.kind == "measured":
            jobs = [AccuracyJob(study, Variant.of(config, p), r, f) for p, f, r in wanted]
            builds += [Task("evaluate", study.name, j.label, j.keys(), j.estimate_s(), j) for j in jobs]
        for p in study.precisions:
            for e in study.engines:
                latencies += _latency_tasks(study, Variant.of(config, p), recipe_of(study, config, p,
                                            FORMAT_OF_ENGINE[e]), [e], devices)  # fmt: skip
    return builds, latencies


__all__ = ["Context", "LatencyJob", "Task", "accuracy_records", "expand", "protocol_id"]

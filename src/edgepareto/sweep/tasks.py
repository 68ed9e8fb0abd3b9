"""The sweep's tasks: typed jobs (build an architecture's artifacts, measure a latency), each with the
store keys it promises, and the context they run in.

A task is done when every record it promises is in the store. A latency task finds its
artifact by recipe and builds it again if its file is gone or no longer hashes to its sha256.
Conversion goes through ``ctx.executor`` (this process, or a Ray task).
"""

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
from edgepareto.engines import format_of_engine
from edgepareto.errors import DatasetError, EdgeParetoError
from edgepareto.faults import fault_point
from edgepareto.models import ModelConfig, Precision, Variant
from edgepareto.predict import to_measure
from edgepareto.store import MeasurementRecord, Store
from edgepareto.sweep.keys import calibration_dir, latency_key, protocol_id, recipe_of, rss_key, size_key
from edgepareto.sweep.plan import StudyPlan
from edgepareto.sweep.weights import weights_file

log = logging.getLogger(__name__)


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
    remeasure: frozenset[str] = frozenset()  # latency keys stored noisy that this run measures again (on request)

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
        """Adopt a file into the artifact folder; its row and its size record commit in one transaction."""
        art = ArtifactFolder(self.artifacts_dir).adopt(path, variant, scheme, recipe)
        size = MeasurementRecord(
            variant=variant,
            metric="size_bytes",
            value=float(art.bytes),
            source="measured",
            artifact_sha256=art.sha256,
            n=1,
            notes=f"file size of {Path(art.path).name} ({art.format}; {scheme})",
            record={"weight_bytes": art.weight_bytes, "path": art.path},
            key=size_key(recipe),
        )
        self.store.add_artifact(art, [size], run_id=self.run_id)  # no artifact without its size
        fault_point("artifact-row")
        return art

    def clear_for(self, job: LatencyJob) -> None:
        """Before a new latency is written: its failed record goes, and a noisy one measured again on request goes
        with every record written beside it (memory, start-up), so the new measurement replaces them all."""
        self.store.forget_failed(job.key)
        if job.key in self.remeasure:
            self.store.forget_measured(job.keys)

    def reuse(self, recipe: str) -> bool:
        """True when the recipe's artifact is intact in the store, its size record written again if lost."""
        art = self.store.artifact_by_recipe(recipe)  # None when the file is gone or its sha256 differs
        if art is not None and not self.store.has(size_key(recipe)):
            self.register(Path(art.path), art.variant, art.scheme, recipe)
        return art is not None


@dataclass(frozen=True)
class LatencyJob:
    """One latency measurement: which artifact (by recipe), engine, threads, device and protocol."""

    recipe: str
    engine: str
    threads: int
    device: str
    protocol: str
    overrides: tuple[tuple[str, Any], ...] = ()
    end_to_end: str | None = None  # a folder of images: image file -> top-k timed too (options.end_to_end)

    @property
    def key(self) -> str:
        name = protocol_id(self.protocol, self.overrides)
        return latency_key(self.recipe, self.engine, self.threads, self.device, name)

    @property
    def keys(self) -> tuple[str, ...]:
        """What a successful measurement writes: its latency, its peak memory, its start-up figures (first
        inference, load) and, with ``end_to_end``, image file -> top-k."""
        derived = ("first_inference_ms", "load_ms", *(("e2e_latency_ms",) if self.end_to_end else ()))
        return self.key, rss_key(self.key), *(MeasurementRecord.derived_key(self.key, m) for m in derived)

    def end_to_end_request(self, preset: str | None) -> dict[str, Any] | None:
        """The images ``measure`` takes in turn, with the study's preset (None: the file's sidecar, else tf-slim)."""
        if not self.end_to_end:
            return None
        from edgepareto.bench.endtoend import MAX_IMAGES
        from edgepareto.data.preprocessing import list_images

        images = list_images(self.end_to_end)[:MAX_IMAGES]
        if not images:
            raise DatasetError(f"options.end_to_end {self.end_to_end}: no image files in it; name a folder of pictures")
        return {"images": [str(p) for p in images], "preset": preset}

    def protocol_preset(self) -> Protocol:
        return Protocol.preset(self.protocol, **dict(self.overrides))

    def records(self, m: Any, art: Artifact) -> list[MeasurementRecord]:
        return MeasurementRecord.from_latency(
            m, device=self.device, artifact=art, key=self.key, protocol_name=self.protocol
        )


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
        """Every promised record is stored (a ``noisy`` latency counts: kept, marked, measured again on request)."""
        return all(store.has(k) for k in self.keys)

    def check(self, store: Store) -> None:
        """After a run: raise (one line) unless every promised record is there; a failed record gives the reason."""
        missing = [k for k in self.keys if not store.has(k)]
        if missing:
            reason = next((e for e in map(store.failure, missing) if e), None)
            raise TaskFailed(reason or f"finished without {len(missing)} of its {len(self.keys)} records; see the log")


class TaskFailed(EdgeParetoError):
    """A task ran but left a record it promises missing or failed (counted as a failure in the summary)."""


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
        if adopt:  # an intact artifact reused (its size written again if lost), else the home cache's copy
            return [w for w in self.wanted if not ctx.reuse(w[2]) and not self._from_cache(ctx, cache, w)]
        return [w for w in self.wanted if ctx.store.artifact_by_recipe(w[2]) is None and cache.get(w[2]) is None]

    def _spec(self, todo: list[tuple[Precision, str, str]]) -> ConvertSpec:
        s, wanted = self.study, tuple((p, f) for p, f, _ in todo)
        weights = weights_file(s.weights, self.config)  # resolved (and fetched) here, on the driver
        return ConvertSpec(
            self.config,
            wanted,
            s.seed,
            calibration_dir(s),
            s.calibration_samples,
            str(weights) if weights is not None else None,
        )

    def prefetch(self, ctx: Context) -> ConvertSpec | None:
        try:
            return self._spec(todo) if (todo := self._todo(ctx, adopt=False)) else None
        except EdgeParetoError:  # e.g. weights not found: the task itself fails with that line
            return None

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
            log.warning(
                "%s: its sidecar already names preset %s (another study built the same file); study %s asked for %s",
                art.path,
                named,
                self.study.name,
                self.study.preprocessing,
            )

    def counted(self, ctx: Context) -> int:  # build; how many size records are new
        before = sum(ctx.store.has(size_key(w[2])) for w in self.wanted)
        self(ctx)
        return sum(ctx.store.has(size_key(w[2])) for w in self.wanted) - before

    @property
    def estimate_s(self) -> float:
        scale = self.config.alpha**2 * (self.config.resolution / 224) ** 2
        return 6.0 + len(self.wanted) * (3.0 + 22.0 * scale)


def _latency_task(study: StudyPlan, variant: Variant, job: LatencyJob) -> Task:
    def run(ctx: Context) -> int:
        art = ctx.artifact(job.recipe)
        where = ctx.devices[job.device]
        if "ray_device" in where:  # a board that is a Ray node: measured there, one task at a time
            m = ctx.executor.measure_on(
                where["ray_device"], art.path, job.engine, job.threads, where.get("cluster"), job.protocol_preset()
            )
        else:
            m = measure(
                art.path,
                engine=job.engine,
                threads=job.threads,
                cluster=where.get("cluster"),
                protocol=job.protocol_preset(),
                end_to_end=job.end_to_end_request(study.options.get("preprocessing")),
            )
        fault_point("measured")
        ctx.clear_for(job)
        # The artifact's own variant: for trained studies it carries the real resolution and class count.
        written = ctx.store.add_many(job.records(m, art), run_id=ctx.run_id)
        fault_point("latency-row")
        return written

    alpha = variant.alpha or 1.0
    est = (3.0 + 6.0 * alpha**2 * (variant.resolution / 224) ** 2) * (1 if study.protocol == "fast" else 40)
    label = f"latency {variant.label} @{variant.resolution} {job.engine} {job.threads}t on {job.device}"
    return Task("latency", study.name, label, job.keys, est, run, job)


def latency_tasks(
    study: StudyPlan, variant: Variant, recipe: str, engines: list[str], devices: list[str]
) -> list[Task]:
    overrides = tuple(sorted((study.options.get("protocol") or {}).items()))
    end_to_end = study.options.get("end_to_end")
    return [
        _latency_task(study, variant, LatencyJob(recipe, e, t, d, study.protocol, overrides, end_to_end))
        for e in engines
        for t in study.threads
        for d in devices
    ]


def expand_built(study: StudyPlan, devices: list[str], ctx: Context) -> tuple[list[Task], list[Task]]:
    builds, latencies = [], []
    fmts = sorted({format_of_engine(e) for e in study.engines})
    measured = set(to_measure(study.configs(), study.measure))
    for config in study.configs():
        wanted = tuple((Precision.parse(p), f, recipe_of(study, config, p, f)) for p in study.precisions for f in fmts)
        recipe = BuildRecipe(study, config, wanted)
        for w in wanted:
            ctx.builders[w[2]] = recipe
        label = f"convert {config.name} to {', '.join(study.precisions)} ({', '.join(fmts)})"
        keys = tuple(size_key(w[2]) for w in wanted)
        builds.append(
            Task("convert", study.name, label, keys, recipe.estimate_s, recipe.counted, None, recipe.prefetch)
        )
        for p in study.precisions if config in measured else ():  # the rest is predicted (sweep/predicted.py)
            for e in study.engines:
                latencies += latency_tasks(
                    study, Variant.of(config, p), recipe_of(study, config, p, format_of_engine(e)), [e], devices
                )
    return builds, latencies

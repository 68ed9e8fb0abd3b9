"""The ``kind = "models"`` study: given model files measured as they are (size, accuracy, latency).

Every file matched by the study's globs gets three kinds of task, each keyed by the file's
content (:mod:`edgepareto.sweep.given`), so the same files in another plan, in
``sweep --models`` or in ``bench``/``eval --store`` share their keys and a rerun skips them:

* **inspect**: the file recorded in place with its size and anatomy;
* **eval**: top-1/top-5 with Wilson intervals on the study's labelled images (decoded inputs are
  shared across the models of one resolution through the evaluation's input cache);
* **latency**: one per engine x threads x device, as in every other study.

A file that is not a model, or a glob that matches nothing, is one failed task with a
one-line error; the rest of the study goes on.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from edgepareto.engines import engine_for, format_of_engine
from edgepareto.errors import EdgeParetoError
from edgepareto.models import Variant
from edgepareto.sweep.given import (
    EvalData,
    accuracy_ident,
    accuracy_key_of,
    adopt,
    given_recipe,
    model_files,
    record_accuracy,
    variant_of_file,
)
from edgepareto.sweep.keys import digest, size_key
from edgepareto.sweep.plan import StudyPlan
from edgepareto.sweep.tasks import Context, Task, latency_tasks


@dataclasses.dataclass(frozen=True)
class GivenFile:
    """One matched file: where it is, its content hash and its variant (tagged when two files share one)."""

    path: Path
    sha256: str
    variant: Variant

    @property
    def recipe(self) -> str:
        return given_recipe(self.sha256)

    @property
    def engine(self) -> str:
        return engine_for(self.path)


def built_eval_tasks(study: StudyPlan) -> list[Task]:
    """Measured accuracy of every file a weighted study builds, keyed by recipe (known before the build)."""
    from edgepareto.sweep.keys import recipe_of

    out = []
    images = _Images(dataclasses.replace(study, dataset="imagenet"), [])
    for config in study.configs():
        for p in study.precisions:
            for e in study.engines:
                recipe = recipe_of(study, config, p, format_of_engine(e))
                out.append(_built_eval_task(study, config.name, p, e, recipe, images))
    return out


def _built_eval_task(study: StudyPlan, name: str, precision: Any, engine: str, recipe: str, images: _Images) -> Task:
    data = EvalData(
        "imagenet",
        study.data_dir,
        study.ground_truth,
        study.synset_order,
        limit=study.limit,
        balanced=study.balanced,
        preprocessing=study.preprocessing,
    )
    ident = accuracy_ident("", data, engine=engine)
    keys = tuple(accuracy_key_of(recipe, ident, m) for m in ("top1", "top5"))

    def run(ctx: Context) -> int:
        from edgepareto.eval import evaluate

        art = ctx.artifact(recipe)
        result = evaluate(
            art.path,
            images(),
            engine=engine,
            preset=study.preprocessing,
            limit=study.limit,
            balanced=study.balanced,
            workers=ctx.executor.workers,
            chunks=ctx.executor.chunks,
        )
        return record_accuracy(ctx.store, result, art, ident, run_id=ctx.run_id, key_of=recipe)

    return Task("eval", study.name, f"eval {name}.{precision} ({engine}) on {study.data_dir}", keys, 10.0, run)


def expand_models(study: StudyPlan, devices: list[str], ctx: Context) -> list[Task]:
    files, problems = _given_files(study)
    inspects, evals, latencies = [], [], []
    images = _Images(study, files)
    for f in files:
        ctx.builders[f.recipe] = _adopter(f)
        inspects.append(_inspect_task(study, f))
        evals.append(_eval_task(study, f, images))
        engines = [e for e in study.engines if format_of_engine(e) == format_of_engine(f.engine)] or [f.engine]
        latencies += latency_tasks(study, f.variant, f.recipe, engines, devices)
    evals.sort(key=lambda t: t.estimate_s)  # by resolution: one decode pass feeds the next model
    return [_failed_task(study, what, error) for what, error in problems] + inspects + evals + latencies


def _given_files(study: StudyPlan) -> tuple[list[GivenFile], list[tuple[str, str]]]:
    """The study's files with their variants, and (what, one-line error) for each one that is not usable."""
    from edgepareto.artifacts import check_model_file, sha256_file

    paths, empty = model_files(study.models)
    problems = [(line.split(":", 1)[0], line) for line in empty]
    found = []
    for p in paths:
        try:
            check_model_file(p)  # type, size and identifier before the hash reads it whole
            found.append(GivenFile(p, sha256_file(p), variant_of_file(p)))
        except (EdgeParetoError, OSError) as exc:
            problems.append((p.name, str(exc) if isinstance(exc, EdgeParetoError) else f"{p}: {exc}"))
    return _distinct(found), problems


def _distinct(files: list[GivenFile]) -> list[GivenFile]:
    """Each file once (the same bytes twice: measured once). Two different files with one variant name keep it:
    the store and the analysis tell them apart by content hash (``analysis.points.file_groups``), so a hosted
    file keeps the identity of its published row, whatever else the globs match."""
    return list({f.sha256: f for f in files}.values())


def _failed_task(study: StudyPlan, what: str, error: str) -> Task:
    def run(ctx: Context) -> int:
        raise EdgeParetoError(error)

    return Task("inspect", study.name, f"inspect {what}", (digest({"unusable": error}),), 0.1, run)


def _inspect_task(study: StudyPlan, f: GivenFile) -> Task:
    def run(ctx: Context) -> int:
        before = ctx.store.has(size_key(f.recipe))
        adopt(ctx.store, f.path, variant=f.variant, run_id=ctx.run_id)
        return int(not before)

    label = f"inspect {f.path.name} ({f.variant.label} @{f.variant.resolution})"
    return Task("inspect", study.name, label, (size_key(f.recipe),), 0.5, run)


def _ident(study: StudyPlan, f: GivenFile) -> dict[str, Any]:
    data = EvalData(
        str(study.dataset),
        study.data_dir,
        study.ground_truth,
        study.synset_order,
        study.labels,
        study.limit,
        study.balanced,
        study.options.get("preprocessing"),
    )
    return accuracy_ident(f.path, data, engine=f.engine)


def _eval_task(study: StudyPlan, f: GivenFile, images: _Images) -> Task:
    ident = _ident(study, f)
    keys = tuple(accuracy_key_of(f.sha256, ident, m) for m in ("top1", "top5"))

    def run(ctx: Context) -> int:
        from edgepareto.eval import evaluate

        art = ctx.artifact(f.recipe)
        companions, chunks = images.sharing(f)
        result = evaluate(
            art.path,
            images(),
            engine=f.engine,
            preset=study.options.get("preprocessing"),
            limit=study.limit,
            balanced=study.balanced,
            labels=study.labels if study.dataset != "folder" else None,
            progress=(lambda done, total: say(f"{done}/{total} images")) if (say := ctx.progress) else None,
            companions=companions,
            chunks=chunks,
        )
        images.filled.update(c.pixel_key for c in (*companions, images.spec(f)) if c is not None)
        return record_accuracy(ctx.store, result, art, ident, run_id=ctx.run_id)

    label = f"eval {f.path.name} ({f.variant.label} @{f.variant.resolution}) on {study.dataset}"
    return Task("eval", study.name, label, keys, 5.0 + f.variant.resolution / 100, run)


def _adopter(f: GivenFile) -> Any:
    """The builder of a given file: it is adopted into the store as it is (nothing to convert)."""

    def build(c: Context) -> Any:
        return adopt(c.store, f.path, variant=f.variant, run_id=c.run_id)

    return build


class _Images:
    """The study's labelled images, opened on first use and once per sweep (a folder scan, not a decode),
    and how its evaluations share the decoding: the first one decodes each image once and writes the
    inputs of every other file's preprocessing into the cache; the others read them, in this process."""

    def __init__(self, study: StudyPlan, files: list[GivenFile]) -> None:
        self.study, self.files = study, files
        self.opened: Any = None  # the Dataset, once opened
        self.specs: dict[str, Any] = {}
        self.filled: set[str] = set()  # pixel keys whose inputs this sweep has cached

    def spec(self, f: GivenFile) -> Any:
        from edgepareto.eval import spec_for

        if f.sha256 not in self.specs:
            try:
                self.specs[f.sha256] = spec_for(
                    f.path, self(), engine=f.engine, preset=self.study.options.get("preprocessing")
                )
            except EdgeParetoError:  # its own evaluation says why, in one line
                self.specs[f.sha256] = None
        return self.specs[f.sha256]

    def sharing(self, f: GivenFile) -> tuple[tuple[Any, ...], Any]:
        """(companion specs, where the chunks run: None for the usual pool) for ``f``'s evaluation."""
        from edgepareto.eval import threaded_chunks

        own = self.spec(f)
        if own is not None and own.pixel_key in self.filled:
            # a cache read per image: threads of this process (a spawned worker's start-up costs more than it saves)
            return (), threaded_chunks
        others = (self.spec(g) for g in self.files if g is not f)
        return tuple(
            {s.pixel_key: s for s in others if s is not None and s.pixel_key not in self.filled}.values()
        ), None

    def __call__(self) -> Any:
        from edgepareto.data.datasets import open_dataset, read_labels

        s = self.study
        if self.opened is None:
            names = read_labels(s.labels) if s.labels and s.dataset == "folder" else None
            self.opened = open_dataset(
                str(s.dataset), s.data_dir, ground_truth=s.ground_truth, synset_order=s.synset_order, class_names=names
            )
        return self.opened


__all__ = ["GivenFile", "built_eval_tasks", "expand_models"]

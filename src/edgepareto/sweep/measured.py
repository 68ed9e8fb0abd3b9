"""The ``measured`` study kind: each converted artifact's top-1/top-5 on the study's own images.

Its evaluation runs where the executor says: the local pool, or chunks of images as Ray tasks
(``ctx.executor.chunks``); the records are written here, by the driver, under keys that do not
depend on the executor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from edgepareto.data import open_dataset
from edgepareto.engines import engine_of_format, format_of_engine
from edgepareto.models import Variant
from edgepareto.store import Dataset, MeasurementRecord, Predictions
from edgepareto.sweep.keys import measured_accuracy_key, recipe_of
from edgepareto.sweep.plan import StudyPlan
from edgepareto.sweep.tasks import Context, Task, expand_built


@dataclass(frozen=True)
class AccuracyJob:
    """Evaluate the artifact of one recipe on the study's data set (a balanced subset of ``limit`` images)."""

    study: StudyPlan
    variant: Variant
    recipe: str
    fmt: str

    @property
    def dataset_name(self) -> str:
        return f"{self.study.dataset}:{self.study.name}"

    @property
    def label(self) -> str:
        return f"accuracy {self.variant.label} @{self.variant.resolution} ({self.fmt}) on {self.dataset_name}"

    def keys(self) -> tuple[str, ...]:
        return tuple(measured_accuracy_key(self.recipe, self.study, m) for m in ("top1", "top5"))

    def estimate_s(self) -> float:
        alpha = self.variant.alpha or 1.0
        return 2.0 + (self.study.limit or 1000) * 0.004 * alpha**2 * (self.variant.resolution / 224) ** 2

    def __call__(self, ctx: Context) -> int:
        from edgepareto.eval import evaluate

        art = ctx.artifact(self.recipe)
        s = self.study
        data = open_dataset(str(s.dataset), s.data_dir, ground_truth=s.ground_truth)
        result = evaluate(
            art.path,
            data,
            engine=engine_of_format(self.fmt),
            preset=s.preprocessing,
            limit=s.limit,
            balanced=s.limit is not None,
            workers=ctx.executor.workers,
            chunks=ctx.executor.chunks,
            progress=self._progress(ctx),
        )
        ctx.store.add_dataset(Dataset(self.dataset_name, result.source, result.n))
        keys = dict(zip(("top1", "top5"), self.keys(), strict=True))
        recs = MeasurementRecord.from_accuracy(
            result,
            variant=art.variant,
            dataset=self.dataset_name,
            key=keys.__getitem__,
            artifact_sha256=art.sha256,
            engine=result.engine,
            engine_version=result.engine_version,
            notes=f"Wilson 95% interval; {result.subset}",
            record={k: v for k, v in result.to_json().items() if k not in ("skipped", "preprocessing")},
        )
        preds = Predictions.of_result(result, key=keys["top1"], artifact_sha256=art.sha256, dataset=self.dataset_name)
        return int(ctx.store.add_many(recs, run_id=ctx.run_id, predictions=preds))

    def _progress(self, ctx: Context) -> Any:
        if ctx.progress is None:
            return None
        return lambda done, total: ctx.progress(f"{done}/{total} images")


def expand_measured(study: StudyPlan, devices: list[str], ctx: Context) -> tuple[list[Task], list[Task]]:
    """A built study's tasks, each converted file's accuracy on the study's images after its conversion."""
    builds, latencies = expand_built(study, devices, ctx)
    fmts = sorted({format_of_engine(e) for e in study.engines})
    out = []
    for task, config in zip(builds, study.configs(), strict=True):
        jobs = [
            AccuracyJob(study, Variant.of(config, p), recipe_of(study, config, p, f), f)
            for p in study.precisions
            for f in fmts
        ]
        out += [task] + [Task("evaluate", study.name, j.label, j.keys(), j.estimate_s(), j) for j in jobs]
    return out, latencies

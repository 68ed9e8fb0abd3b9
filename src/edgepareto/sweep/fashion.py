"""The Fashion-MNIST study's tasks: train one alpha (cached), export its precisions, measure their accuracy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edgepareto.errors import StoreError
from edgepareto.models import Precision, Variant
from edgepareto.store import Dataset, MeasurementRecord
from edgepareto.sweep.keys import accuracy_key, fashion_recipe, schedule_key, size_key
from edgepareto.sweep.plan import StudyPlan
from edgepareto.sweep.tasks import Context, Task, latency_tasks
from edgepareto.train import StudyRecord

FASHION_DATASET = Dataset(
    "fashion-mnist-test",
    "Fashion-MNIST test set (10,000 28x28 grey images, 10 classes)",
    10000,
    "Xiao, Rasul, Vollgraf, Fashion-MNIST (2017), Debian package dataset-fashion-mnist",
)


@dataclass(frozen=True)
class EvalJob:
    """Train one alpha on Fashion-MNIST (cached), export its precisions, measure their accuracy."""

    study: StudyPlan
    alpha: float
    schedule: str

    def __call__(self, ctx: Context) -> int:
        ctx.store.add_dataset(FASHION_DATASET)
        written = 0
        for rec in ctx.executor.train(self.alpha, ctx.progress):  # here, or a Ray task
            if rec.variant.precision not in self.study.precisions:
                continue
            art = ctx.register(
                Path(rec.artifact),
                rec.variant,
                rec.scheme,
                fashion_recipe(self.study, self.alpha, rec.variant.precision),
            )
            recs = accuracy_records(self.study, rec, self.schedule)
            written += ctx.store.add_many([r.with_artifact(art.sha256) for r in recs], run_id=ctx.run_id)
        return written

    def keys(self) -> tuple[str, ...]:
        """Every record one alpha writes: top-1, top-5 and the artifact's size, per precision."""
        return fashion_keys(self.study, self.alpha, self.schedule)


def fashion_keys(study: StudyPlan, alpha: float, schedule: str) -> tuple[str, ...]:
    keys: list[str] = []
    for p in study.precisions:
        keys += [accuracy_key(study.name, alpha, p, FASHION_DATASET.name, m, schedule) for m in ("top1", "top5")]
        keys.append(size_key(fashion_recipe(study, alpha, p)))
    return tuple(keys)


def accuracy_records(study: StudyPlan, rec: StudyRecord, schedule: str = "") -> list[MeasurementRecord]:
    """top-1/top-5 records of one trained and evaluated artifact, keyed by study, variant and schedule."""
    v = rec.variant
    if v.alpha is None:  # the study trains by alpha: a record without one is not this study's
        raise StoreError(f"{rec.artifact}: a Fashion-MNIST record without an alpha; rerun the sweep to retrain it")
    alpha = v.alpha
    doc = rec.to_json()
    return MeasurementRecord.from_accuracy(
        rec,
        variant=v,
        dataset=FASHION_DATASET.name,
        key=lambda metric: accuracy_key(study.name, alpha, v.precision, FASHION_DATASET.name, metric, schedule),
        engine="litert" if rec.artifact.endswith(".tflite") else None,
        engine_version=rec.extra.get("engine"),
        notes="Wilson 95% interval; " + rec.dataset,
        record={k: x for k, x in doc.items() if isinstance(x, (str, int, float, list, dict, type(None)))},
    )


def expand_fashion(study: StudyPlan, devices: list[str], ctx: Context) -> tuple[list[Task], list[Task]]:
    builds, latencies = [], []
    schedule = schedule_key()
    for a in study.alphas:
        job = EvalJob(study, a, schedule)
        for p in study.precisions:
            ctx.builders[fashion_recipe(study, a, p)] = job
        label = f"train + evaluate Fashion-MNIST alpha={a:g} (fp32, int8)"
        builds.append(Task("train", study.name, label, job.keys(), 30.0 + 90.0 * a, job))
        for p in study.precisions:
            prec = Precision.parse(p)
            v = Variant(study.family, a, 32, 10, prec)  # label and estimate; records carry the artifact's variant
            latencies += latency_tasks(study, v, fashion_recipe(study, a, p), ["litert"], devices)
    return builds, latencies

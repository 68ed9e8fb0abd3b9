"""Expand a plan's study into tasks, in run order: build first (sizes, accuracy), then latency.

A study kind is one expansion here; a built or trained kind returns (build tasks, latency tasks).
"""

from __future__ import annotations

from collections.abc import Callable

from edgepareto.sweep.fashion import expand_fashion
from edgepareto.sweep.hosted import expand_hosted
from edgepareto.sweep.measured import expand_measured
from edgepareto.sweep.models_study import built_eval_tasks, expand_models
from edgepareto.sweep.plan import StudyPlan
from edgepareto.sweep.tasks import Context, Task, expand_built

Expansion = Callable[[StudyPlan, list[str], Context], tuple[list[Task], list[Task]]]
EXPANSIONS: dict[str, Expansion] = {
    "fashion-mnist": expand_fashion,
    "imagenet-published": expand_built,
    "latency-only": expand_built,
    "measured": expand_measured,  # built, and each file's accuracy measured on the study's images
}


def expand(study: StudyPlan, devices: list[str], ctx: Context) -> list[Task]:
    """The tasks of one study on ``devices``, build tasks first.

    Given files (``kind = "models"``) and Google's own files (``hosted_dir``) are measured as they are.
    """
    if study.kind == "models":
        return expand_models(study, devices, ctx)
    if study.hosted_dir:
        builds, latencies = _split(expand_hosted(study, devices, ctx))
    else:
        builds, latencies = EXPANSIONS[study.kind](study, devices, ctx)
    if study.weights is not None and study.data_dir:  # trained weights: the built files get measured accuracy
        builds += built_eval_tasks(study)
    return builds + latencies


def _split(tasks: list[Task]) -> tuple[list[Task], list[Task]]:
    return [t for t in tasks if t.kind != "latency"], [t for t in tasks if t.kind == "latency"]

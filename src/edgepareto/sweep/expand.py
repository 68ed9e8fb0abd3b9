"""Expand a plan's study into tasks, in run order: build first (sizes, accuracy), then latency.

A study kind is one expansion here; each returns (build tasks, latency tasks).
"""

from __future__ import annotations

from collections.abc import Callable

from edgepareto.sweep.fashion import expand_fashion
from edgepareto.sweep.plan import StudyPlan
from edgepareto.sweep.tasks import Context, Task, expand_built

Expansion = Callable[[StudyPlan, list[str], Context], tuple[list[Task], list[Task]]]
EXPANSIONS: dict[str, Expansion] = {
    "fashion-mnist": expand_fashion,
    "imagenet-published": expand_built,
    "latency-only": expand_built,
}


def expand(study: StudyPlan, devices: list[str], ctx: Context) -> list[Task]:
    """The tasks of one study on ``devices``, build tasks first."""
    builds, latencies = EXPANSIONS[study.kind](study, devices, ctx)
    return builds + latencies

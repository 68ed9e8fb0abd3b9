"""The sweep's estimate of the time left, learnt from the first training steps.

The per-task estimates (``Task.estimate_s``) are guesses; training dominates the default plan and its cost
depends on the host. Once the first training task has run ``LEARN_AT`` of its steps, the steady seconds
per step (the first step, graph tracing, left out) price every training task left: a step of alpha ``a``
costs ``STEP_C0 + a**2`` in units of the measured one, the shape of
benchmarks/results/intel-xeon-2c/train_step_2026-12-03T0635.md (137, 278, 420, 727 ms per step for
alpha 0.25, 0.5, 0.75, 1.0: this form gives 1, 1.84, 3.25, 5.2 against the measured
1, 2.03, 3.07, 5.3; on the 2-core AMD EPYC the whole training, batch 128, took 32, 45, 93, 95 s, so the shape
is the host's: the estimate's error is measured by benchmarks/main_budget.py). Export and evaluation after each
training add ``after_training_s``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from edgepareto.sweep.live import LiveView
from edgepareto.sweep.tasks import Task
from edgepareto.train.progress import TrainingProgress

LEARN_AT = 0.10  # the fraction of the first training task's steps after which the estimate is printed
STEP_C0 = 0.16  # the alpha-independent part of a training step, relative to alpha**2 (see the docstring)


def step_weight(alpha: float) -> float:
    return STEP_C0 + alpha * alpha


def after_training_s(alpha: float) -> float:
    """Export (fp32, int8) and evaluation of the 10,000 test images after training one alpha: the train task's
    time less its ``train_seconds``, measured alone on the 2-core AMD EPYC (benchmarks/main_budget.py,
    main_budget_2026-12-08T0120.json): 14.6, 13.4, 13.7, 19.1 s for alpha 0.25, 0.5, 0.75, 1.0. (The guess it
    replaces, 20 + 30 alpha from runs on a loaded host, made the estimate 20-26% long.)"""
    return 12.0 + 6.0 * alpha


def remaining_s(p: TrainingProgress, later: list[Task], ratio: float) -> float | None:
    """Seconds left in the sweep: this training's steps, the other training tasks priced by this one's steady rate,
    everything else by its own estimate times ``ratio`` (what the finished tasks took over their estimates)."""
    rate = p.seconds_per_step
    if rate is None:
        return None
    left = rate * (p.steps - p.step) + after_training_s(p.alpha)
    for t in later:
        alpha = getattr(t.run, "alpha", None)
        if t.kind == "train" and isinstance(alpha, float):
            left += rate * p.steps * step_weight(alpha) / step_weight(p.alpha) + after_training_s(alpha)
        else:
            left += ratio * t.estimate_s
    return left


class Learner:
    """Training progress into the live view; once the first training task has run ``LEARN_AT`` of its steps, the
    sweep's estimate of the time left, learnt from its steady rate, printed once (and handed to ``on_learnt``)
    and kept as the overall ETA."""

    def __init__(self, view: LiveView, t0: float, on_learnt: Callable[[dict[str, Any]], None]) -> None:
        self.view, self.t0, self.on_learnt = view, t0, on_learnt
        self.learnt: dict[str, Any] | None = None

    def update(self, task: Task, progress: Any, rest: list[Task], ratio: float) -> None:
        self.view.detail(task, str(progress))
        if not isinstance(progress, TrainingProgress):
            return
        if self.learnt is None and progress.fraction < LEARN_AT:
            return
        left = remaining_s(progress, rest, ratio)
        if left is None:
            return
        self.view.eta(left)
        if self.learnt is None:
            self.learnt = {
                "at_s": round(time.monotonic() - self.t0, 1),
                "remaining_s": round(left, 1),
                "variant": progress.variant,
                "seconds_per_step": progress.seconds_per_step,
            }
            self.on_learnt(self.learnt)
            self.view.say(
                f"estimate from the first training steps ({progress.seconds_per_step:.2f} s per step of "
                f"{progress.variant}): about {left / 60:.1f} min left"
            )

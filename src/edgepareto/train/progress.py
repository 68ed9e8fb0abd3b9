"""Training progress as data: the live view shows it (epoch, step, ETA) and the sweep's estimate learns from it.

``TrainingProgress`` reads as a line of text wherever a progress callback expects text (``str()``), and
carries the step counts and times, so the sweep can turn the first training steps into an estimate of
the time left instead of guessing from a constant per alpha.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edgepareto.errors import ConfigError

REPORT_EVERY_S = 2.0  # a line every 2 s at most: the live view stays calm, the estimate stays fresh


@dataclass(frozen=True)
class TrainingProgress:
    """Where one model's training stands: ``step`` of ``steps`` (all epochs), after ``seconds`` of fitting."""

    variant: str
    alpha: float
    epoch: int
    epochs: int
    step: int
    steps: int
    seconds: float
    first_step_s: float  # the first step (graph tracing included): left out of the rate

    def __post_init__(self) -> None:
        if not (1 <= self.epoch <= self.epochs and 0 <= self.step <= self.steps and self.steps >= 1):
            raise ConfigError(
                f"training progress out of range: epoch {self.epoch}/{self.epochs}, "
                f"step {self.step}/{self.steps}; steps count from 1 over all epochs"
            )
        if self.seconds < 0 or self.first_step_s < 0:
            raise ConfigError("training progress times must be >= 0 (seconds since the fit began)")

    @property
    def fraction(self) -> float:
        return self.step / self.steps

    @property
    def seconds_per_step(self) -> float | None:
        """The steady rate, from the steps after the first; None before the second step ends."""
        if self.step < 2:
            return None
        return max(0.0, self.seconds - self.first_step_s) / (self.step - 1)

    @property
    def eta_s(self) -> float | None:
        rate = self.seconds_per_step
        return None if rate is None else rate * (self.steps - self.step)

    def __str__(self) -> str:
        eta = "" if self.eta_s is None else f", ETA {int(self.eta_s) // 60}:{int(self.eta_s) % 60:02d}"
        done = f"{100 * self.fraction:.0f}% ({self.step}/{self.steps} steps)"
        return f"training epoch {self.epoch}/{self.epochs}: {done}{eta}"


def progress_callback(
    variant: str, alpha: float, epochs: int, steps_per_epoch: int, report: Callable[[Any], None]
) -> Any:
    """A Keras callback that calls ``report`` with a ``TrainingProgress`` every few seconds and at each epoch's end."""
    import keras

    class _Progress(keras.callbacks.Callback):
        def on_train_begin(self, logs: Any = None) -> None:
            self.t0, self.last, self.first, self.epoch = time.perf_counter(), 0.0, 0.0, 0

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.epoch = epoch

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            now = time.perf_counter() - self.t0
            step = self.epoch * steps_per_epoch + batch + 1
            if step == 1:
                self.first = now
            if now - self.last >= REPORT_EVERY_S or batch + 1 == steps_per_epoch:
                self.last = now
                report(
                    TrainingProgress(
                        variant, alpha, self.epoch + 1, epochs, step, epochs * steps_per_epoch, now, self.first
                    )
                )

    return _Progress()

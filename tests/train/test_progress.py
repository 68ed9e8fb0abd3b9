"""Training progress as data: Keras's fit reports epoch, step and time; the text is what the live view shows."""

from __future__ import annotations

import pytest

from edgepareto.errors import ConfigError
from edgepareto.train.progress import TrainingProgress, progress_callback


def test_a_real_fit_reports_every_epochs_end_with_steps_over_all_epochs(monkeypatch):
    import keras
    import numpy as np

    monkeypatch.setattr("edgepareto.train.progress.REPORT_EVERY_S", 0.0)  # every step
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    seen: list[TrainingProgress] = []
    x, y = np.zeros((40, 4), np.float32), np.zeros((40, 2), np.float32)
    model.fit(x, y, batch_size=10, epochs=2, verbose=0, callbacks=[progress_callback("m", 0.5, 2, 4, seen.append)])
    assert [(p.epoch, p.step) for p in seen] == [(1, 1), (1, 2), (1, 3), (1, 4), (2, 5), (2, 6), (2, 7), (2, 8)]
    assert all(p.steps == 8 and p.alpha == 0.5 for p in seen) and seen[-1].fraction == 1.0
    assert seen[0].seconds_per_step is None and seen[-1].seconds_per_step is not None
    assert [p.seconds for p in seen] == sorted(p.seconds for p in seen)
    assert str(seen[-1]).startswith("training epoch 2/2: 100% (8/8 steps), ETA 0:00")


def test_progress_out_of_range_is_one_line():
    with pytest.raises(ConfigError, match="out of range"):
        TrainingProgress("m", 0.5, 2, 1, 1, 10, 1.0, 1.0)
    with pytest.raises(ConfigError, match=">= 0"):
        TrainingProgress("m", 0.5, 1, 1, 1, 10, -1.0, 0.0)

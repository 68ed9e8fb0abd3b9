"""Training studies on real data: MobileNet v1 on Fashion-MNIST, exported and measured."""

from __future__ import annotations

from edgepareto.train.fashion import (
    DEFAULT_ALPHAS,
    SWEEP_SCHEDULE,
    Schedule,
    StudyRecord,
    fashion_study,
    study_variant,
    train_model,
)

__all__ = [
    "DEFAULT_ALPHAS",
    "SWEEP_SCHEDULE",
    "Schedule",
    "StudyRecord",
    "fashion_study",
    "study_variant",
    "train_model",
]

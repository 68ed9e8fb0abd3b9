"""A trained study's section says what was trained, for how long, and how far from the published figure."""

from __future__ import annotations

from edgepareto.report._build import _training
from edgepareto.report._layout import _training_lines, _training_rows
from edgepareto.store import MeasurementRecord, Variant

EXTRA = {"training": "3 epoch(s) over 60,000 training images, batch 256", "published_top1": 0.95,
         "published": "MobileNet: 95.0% (a cited table)"}  # fmt: skip


def _top1(alpha: float, value: float, extra: dict | None) -> MeasurementRecord:
    v = Variant("mobilenet_v1", alpha, 32, 10, "fp32")
    return MeasurementRecord(
        variant=v,
        metric="top1",
        value=value,
        ci_low=value - 0.6,
        ci_high=value + 0.6,
        n=10_000,
        source="measured",
        dataset="fashion-mnist",
        record={"extra": extra, "train_seconds": 41.2} if extra is not None else None,
    )


def test_training_rows_give_the_gap_to_the_published_figure():
    t = _training([_top1(0.5, 89.0, EXTRA), _top1(0.25, 86.5, EXTRA), _top1(1.0, 70.0, None)], "fashion-mnist")
    assert [r["variant"] for r in t["rows"]] == ["mobilenet_v1_025_32_c10.fp32", "mobilenet_v1_050_32_c10.fp32"]
    assert [r["points_from_published"] for r in t["rows"]] == [-8.5, -6.0]
    assert t["schedules"] == ["3 epoch(s) over 60,000 training images, batch 256"]
    lines = _training_lines(t)
    assert lines[0].startswith("Trained here: 3 epoch(s)") and "95.0%" in lines[1]
    cols, rows = _training_rows(t)
    assert rows[0][1] == "86.5 [85.9, 87.1]" and rows[0][-1] == "trained in 41 s" and len(cols) == len(rows[0])


def test_a_study_without_training_records_has_no_section():
    assert _training([_top1(0.5, 89.0, None)], "fashion-mnist") is None
    assert _training([_top1(0.5, 89.0, EXTRA)], "imagenet-val") is None

"""A study with ``measure = "corners" | N``: latency tasks only for the measured share, the rest predicted."""

from __future__ import annotations

import pytest

from edgepareto.analysis import open_results
from edgepareto.errors import ConfigError
from edgepareto.models import ModelConfig, Variant
from edgepareto.predict import features_of, to_measure
from edgepareto.store import Device, MeasurementRecord
from edgepareto.sweep.expand import expand
from edgepareto.sweep.plan import StudyPlan
from edgepareto.sweep.predicted import predict_study, unmeasured
from edgepareto.sweep.tasks import Context

GRID = {"alphas": (0.25, 0.5, 1.0), "resolutions": (96, 128, 160), "precisions": ("fp32",)}


def test_corners_measure_four_of_nine_and_build_all(tmp_path):
    with open_results(tmp_path / "r.sqlite") as store:
        tasks = {
            m: expand(StudyPlan("s", "latency-only", measure=m, **GRID), ["dev"], Context(store, tmp_path))
            for m in ("all", "corners")
        }
    kinds = {m: [t.kind for t in ts] for m, ts in tasks.items()}
    assert kinds["all"].count("latency") == 9 and kinds["corners"].count("latency") == 4
    assert kinds["all"].count("convert") == kinds["corners"].count("convert") == 9
    assert {v.name for v in unmeasured(StudyPlan("s", "latency-only", measure="corners", **GRID))} == {
        "mobilenet_v1_025_128.fp32",
        "mobilenet_v1_050_96.fp32",
        "mobilenet_v1_050_128.fp32",
        "mobilenet_v1_050_160.fp32",
        "mobilenet_v1_100_128.fp32",
    }


@pytest.mark.parametrize("measure", ["some", 2, 0, True])
def test_a_bad_measure_is_one_line(measure):
    with pytest.raises(ConfigError, match='measure must be "all", "corners" or a number >= 3'):
        StudyPlan("s", "latency-only", measure=measure)
    with pytest.raises(ConfigError, match="Fashion-MNIST study measures all"):
        StudyPlan("f", "fashion-mnist", measure="corners")


def test_n_picks_the_extremes_first_then_what_the_model_knows_least():
    configs = [ModelConfig("mobilenet_v1", a, r) for a in (0.25, 0.5, 0.75, 1.0) for r in (128, 160, 192, 224)]
    five = to_measure(configs, 5)
    assert len(five) == 5 and configs[0] in five and configs[-1] in five
    assert to_measure(configs, 40) == configs


def test_the_unmeasured_variants_enter_the_store_as_predicted(tmp_path):
    study = StudyPlan("s", "latency-only", measure="corners", **GRID)
    measured = to_measure(study.configs(), "corners")
    with open_results(tmp_path / "r.sqlite") as store:
        store.add_device(Device("dev", "host"))
        for c in measured:  # a device whose latency is exactly the model's form
            f = features_of(Variant.of(c, "fp32"))
            ms = 0.03 * f.value("macs") + 0.4 * f.value("channel_tiles")
            store.add(
                MeasurementRecord(
                    variant=Variant.of(c, "fp32"),
                    metric="latency_ms",
                    value=ms,
                    source="measured",
                    device="dev",
                    engine="litert",
                    threads=1,
                )
            )
        written, notes = predict_study(store, study, ["dev", "nowhere"])
        recs = store.measurements(metric="latency_ms", source="predicted")
    assert written == 5 and len(recs) == 5 and {r.device for r in recs} == {"dev"}
    assert notes and "nowhere" in notes[0]
    for r in recs:
        f = features_of(r.variant)
        assert r.value == pytest.approx(0.03 * f.value("macs") + 0.4 * f.value("channel_tiles"), rel=1e-6)

"""Issue 31, item 13: predictions are counted once, replaced on refit, and dropped once their variant is measured."""

from __future__ import annotations

from edgepareto.analysis import open_results
from edgepareto.models import Variant
from edgepareto.predict import features_of, to_measure
from edgepareto.store import Device, MeasurementRecord
from edgepareto.sweep.plan import Plan, StudyPlan
from edgepareto.sweep.predicted import predict_plan, predict_study, unmeasured

GRID = {"alphas": (0.25, 0.5, 1.0), "resolutions": (96, 128, 160), "precisions": ("fp32",)}


def _measure(store, variants) -> None:
    """Latencies of the cost model's form, as a sweep's latency tasks would store them."""
    for v in variants:
        f = features_of(v)
        ms = 0.03 * f.value("macs") + 0.4 * f.value("channel_tiles")
        store.add(
            MeasurementRecord(
                variant=v,
                metric="latency_ms",
                value=ms,
                source="measured",
                device="dev",
                engine="litert",
                threads=1,
                key=f"lat-{v.name}",
            )
        )


def _measured_share(study: StudyPlan) -> list[Variant]:
    return [Variant.of(c, "fp32") for c in to_measure(study.configs(), study.measure)]


def _predicted(store) -> dict[str, str]:
    return {r.variant.name: r.key for r in store.measurements(metric="latency_ms", source="predicted")}


def test_a_rerun_counts_no_new_predictions(tmp_path):
    study = StudyPlan("s", "latency-only", measure="corners", **GRID)
    with open_results(tmp_path / "r.sqlite") as store:
        store.add_device(Device("dev", "host"))
        _measure(store, _measured_share(study))
        first, _ = predict_study(store, study, ["dev"])
        again, _ = predict_study(store, study, ["dev"])
        assert (first, again) == (5, 0)  # not "5 new records" when nothing changed
        assert len(_predicted(store)) == 5


def test_a_refit_replaces_the_earlier_fits_predictions(tmp_path):
    corners = StudyPlan("s", "latency-only", measure="corners", **GRID)
    four = StudyPlan("s", "latency-only", measure=4, **GRID)
    with open_results(tmp_path / "r.sqlite") as store:
        store.add_device(Device("dev", "host"))
        _measure(store, _measured_share(corners))
        predict_study(store, corners, ["dev"])
        before = _predicted(store)
        _measure(store, _measured_share(four))  # measure = 4 measures what corners did not
        predict_study(store, four, ["dev"])
        after = store.measurements(metric="latency_ms", source="predicted")
        measured = {r.variant.name for r in store.measurements(metric="latency_ms", source="measured")}
    names = [r.variant.name for r in after]
    assert len(names) == len(set(names))  # one prediction per variant: not both fits'
    assert set(names) == {v.name for v in unmeasured(four)} - measured
    assert not set(names) & measured  # no prediction beside a measurement
    assert not {r.key for r in after} & set(before.values())  # every earlier-fit prediction was replaced


def test_a_variant_measured_later_loses_its_prediction(tmp_path):
    study = StudyPlan("s", "latency-only", measure="corners", **GRID)
    with open_results(tmp_path / "r.sqlite") as store:
        store.add_device(Device("dev", "host"))
        _measure(store, _measured_share(study))
        predict_study(store, study, ["dev"])
        later = unmeasured(study)[0]
        _measure(store, [later])  # e.g. by a measure = "all" study or bench --store
        predict_plan(store, Plan("p", (StudyPlan("all", "latency-only", **GRID),)), ["dev"])
        assert later.name not in _predicted(store) and len(_predicted(store)) == 4

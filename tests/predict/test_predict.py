"""The latency model: features from the cost model, NNLS fits, leave-one-out intervals, predictions in the store."""

from __future__ import annotations

import json

import pytest

from edgepareto.analysis import open_results
from edgepareto.analysis.reference import A7, A15, seed_table2
from edgepareto.cli import main
from edgepareto.errors import ConfigError
from edgepareto.models import ModelConfig, Variant, cost_of
from edgepareto.predict import (
    CHANNEL_TILE,
    MODEL_VERSION,
    ModelKey,
    features_of,
    fit,
    fit_from_store,
    predict_into,
    training_points,
)


def v(alpha: float, side: int = 224, precision: str = "fp32") -> Variant:
    return Variant.of(ModelConfig("mobilenet_v1", alpha, side), precision)


def test_activation_bytes_count_input_and_output_maps_at_the_element_size():
    conv1 = cost_of(ModelConfig("mobilenet_v1", 1.0, 224)).layers[0]
    assert conv1.activation_elements == 3 * 224 * 224 + 32 * 112 * 112
    f32, i8 = features_of(v(1.0)), features_of(v(1.0, precision="int8"))
    assert f32.activation_bytes == 4 * i8.activation_bytes
    # output positions do not depend on alpha or precision: every layer's side squared
    assert f32.positions == i8.positions == features_of(v(0.25)).positions
    assert f32.positions == sum(layer.out_side**2 for layer in cost_of(ModelConfig("mobilenet_v1", 1.0, 224)).layers)
    assert f32.macs == cost_of(ModelConfig("mobilenet_v1", 1.0, 224)).macs == i8.macs
    # channel tiles: a layer of up to 32 output channels is one tile per position, a wider one more
    narrow, wide = features_of(v(0.25)), features_of(v(1.0))
    layers = cost_of(ModelConfig("mobilenet_v1", 1.0, 224)).layers
    assert wide.channel_tiles == sum(layer.out_side**2 * -(-layer.out_channels // CHANNEL_TILE) for layer in layers)
    assert narrow.positions <= narrow.channel_tiles < wide.channel_tiles
    assert features_of(v(0.75)).channel_tiles > features_of(v(0.5)).channel_tiles
    assert dict(f32.macs_by_kind)["pointwise"] > dict(f32.macs_by_kind)["depthwise"]


def test_a_latency_that_is_the_form_exactly_is_recovered_and_predicted():
    def truth(var: Variant) -> float:
        f = features_of(var)
        return 0.005 * f.value("macs") + 20 * f.value("channel_tiles") + 0.1 * f.value("weight_bytes")  # int8-like

    corners = [v(a, r) for a in (0.25, 1.0) for r in (128, 224)]
    model = fit(ModelKey("host", "fp32"), [(c, truth(c)) for c in corners])
    assert model.form == "macs+tiles+weights"
    assert model.coefficients == pytest.approx((0.005, 20, 0.1), rel=1e-9)
    # the former forms cannot carry a per-tile cost: on int8 (1-byte weights) they miss alpha 0.75 by more
    # than 1% (one cost per position whatever the width under-predicts it, as on the Xeon host)
    int8 = [v(a, r, "int8") for a in (0.25, 1.0) for r in (128, 224)]
    for former in ("macs+bytes", "macs+bytes+weights", "macs+positions+weights"):
        old = fit(ModelKey("host", "int8"), [(c, truth(c)) for c in int8], former)
        assert abs(old.predict(v(0.75, 192, "int8")).latency_ms / truth(v(0.75, 192, "int8")) - 1) > 0.01
    pred = model.predict(v(0.5, 160))
    assert pred.latency_ms == pytest.approx(truth(v(0.5, 160)), rel=1e-9)
    assert model.interval_fraction == pytest.approx(0.0, abs=1e-9)
    assert not pred.extrapolated and model.predict(v(0.5, 96)).extrapolated


def test_coefficients_stay_non_negative_and_the_interval_comes_from_leave_one_out():
    # latency that falls with MACs would need a negative coefficient
    points = [(v(0.25), 10.0), (v(0.5), 9.0), (v(0.75), 8.5), (v(1.0), 8.0)]
    model = fit(ModelKey("host", "fp32"), points)
    assert all(c >= 0 for c in model.coefficients)
    assert model.loo_errors is not None and len(model.loo_errors) == 4
    pred = model.predict(v(0.5, 192))
    assert pred.low < pred.latency_ms < pred.high
    assert pred.high / pred.latency_ms - 1 == pytest.approx(max(abs(e) for e in model.loo_errors))


def test_too_few_points_for_the_parameters_give_no_interval_and_say_what_to_measure():
    model = fit(ModelKey("host", "fp32"), [(v(0.25), 2.0), (v(1.0), 30.0)])
    pred = model.predict(v(0.5))
    assert pred.low is None and pred.high is None
    assert "measure 2 more variant" in model.summary()["interval_note"]
    two = fit(ModelKey("host", "fp32"), [(v(0.25), 2.0), (v(1.0), 30.0)], "macs+bytes")
    assert "measure 1 more variant" in two.summary()["interval_note"]


def test_a_model_refuses_another_precision_and_bad_points():
    model = fit(ModelKey("host", "fp32"), [(v(0.25), 2.0), (v(1.0), 30.0)])
    with pytest.raises(ConfigError, match="fit one on int8"):
        model.predict(v(0.5, precision="int8"))
    with pytest.raises(ConfigError, match="every point must be fp32"):
        fit(ModelKey("host", "fp32"), [(v(0.25, precision="int8"), 2.0)])
    with pytest.raises(ConfigError, match="> 0 ms"):
        fit(ModelKey("host", "fp32"), [(v(0.25), 0.0)])


@pytest.mark.parametrize("device", [A7, A15])
@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_the_seed_table_middle_alphas_from_the_extremes_within_5_percent(device, precision):
    ms = {r.alpha: r.latency_ms for r in seed_table2() if r.device == device and r.precision == precision}
    model = fit(ModelKey(device, precision), [(v(a, precision=precision), ms[a]) for a in (0.25, 1.0)])
    for alpha in (0.5, 0.75):
        assert model.predict(v(alpha, precision=precision)).latency_ms == pytest.approx(ms[alpha], rel=0.05)


def test_predictions_enter_the_store_as_predicted_and_are_never_fitted_on(tmp_path):
    with open_results(tmp_path / "s.sqlite") as store:
        key = ModelKey(A7, "fp32")
        model = fit_from_store(store, key)
        assert model.key.engine == "tflite" and model.key.threads == 1 and len(model.fit_on) == 4
        predict_into(store, model, [v(0.5, 160), v(0.75, 192)])
        predict_into(store, model, [v(0.5, 160)])  # idempotent
        recs = store.measurements(metric="latency_ms", source="predicted")
        assert len(recs) == 2
        rec = next(r for r in recs if r.variant == v(0.5, 160))
        assert rec.protocol["model"] == MODEL_VERSION and rec.ci_low < rec.value < rec.ci_high
        assert rec.artifact_sha256 is None and "predicted by" in rec.notes
        assert len(training_points(store, key)) == 4


def test_cli_predict_names_its_source_and_shows_the_published_value(tmp_path, capsys):
    open_results(tmp_path / "s.sqlite").close()  # predict reads an existing store (a typed missing one is refused)
    argv = ["predict", "--store", str(tmp_path / "s.sqlite"), "--device", "Cortex-A15", "--alpha", "0.5"]
    assert main([*argv, "--precision", "uint8", "--background", "--json"]) == 0  # the seed's INT8: Google's file
    doc = json.loads(capsys.readouterr().out)
    assert doc["source"] == "predicted" and doc["stored"] and doc["variant"] == "mobilenet_v1_050_224_bg.uint8"
    assert [m["source"] for m in doc["measured_or_published"]] == ["published"]
    assert doc["latency_ms"] == pytest.approx(doc["measured_or_published"][0]["latency_ms"], rel=0.05)
    assert main([*argv, "--device", "nowhere", "--json"]) != 0


def test_recommend_says_when_its_answer_rests_on_a_prediction(tmp_path):
    from edgepareto.analysis import Budget, recommend_on
    from edgepareto.store import Device, MeasurementRecord

    with open_results(tmp_path / "s.sqlite") as store:
        store.add_device(Device("host-x", "host"))
        common = {"metric": "latency_ms", "source": "measured", "device": "host-x", "engine": "litert", "threads": 1}
        store.add_many(
            [MeasurementRecord(variant=v(a), value=ms, **common) for a, ms in {0.25: 2.0, 1.0: 30.0}.items()]
        )
        model = fit_from_store(store, ModelKey("host-x", "fp32"))
        predict_into(store, model, [v(0.5), v(0.75)])
        doc = recommend_on(store, "host-x", Budget(max_latency_ms=25.0), top=3)
    assert doc["rests_on_prediction"]
    recs = doc["recommendations"]
    assert recs, doc
    for r in recs:
        predicted = r["sources"]["latency_ms"] == "predicted"
        assert (r["confirm"] is not None) == predicted
        if predicted:
            assert any("PREDICTED" in w for w in r["warnings"]) and "edgepareto bench" in r["confirm"]["command"]
    assert any(r["sources"]["latency_ms"] == "predicted" for r in recs)

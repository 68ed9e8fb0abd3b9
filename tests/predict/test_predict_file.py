"""``predict FILE``: the features of any .tflite/.onnx file read from its graph, so a file of a family this tool
does not know is predicted by a model fitted on measured variants of several families at once."""

from __future__ import annotations

import json
import shutil

import pytest

from edgepareto.models import ModelConfig, Variant
from edgepareto.predict import ModelKey, features_of, fit
from edgepareto.store import Device, MeasurementRecord, Store
from tests.cli_support import cli
from tests.conftest import FLOAT_MODEL

HOST = "Test CPU (this host)"
FITTED = [
    Variant.of(ModelConfig(f, a, r), "fp32")
    for f, a, r in (
        ("mobilenet_v1", 0.25, 128),
        ("mobilenet_v1", 0.5, 160),
        ("mobilenet_v1", 1.0, 224),
        ("mobilenet_v1", 0.75, 128),
        ("mobilenet_v2", 0.35, 96),
        ("mobilenet_v2", 1.0, 96),
    )
]


def truth(v: Variant, report=None) -> float:
    f = features_of(v, report)
    return 0.004 * f.value("macs") + 15 * f.value("channel_tiles") + 0.2 * f.value("weight_bytes")


@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as s:
        s.add_device(Device(HOST, "host", {"cpu_model": "Test CPU"}))
        for v in FITTED:
            s.add(
                MeasurementRecord(
                    variant=v,
                    metric="latency_ms",
                    value=truth(v),
                    n=20,
                    source="measured",
                    device=HOST,
                    engine="litert",
                    threads=1,
                    protocol={"name": "fast"},
                )
            )
    return path


def test_a_file_of_unknown_family_is_priced_from_its_graph(store_path, tmp_path, capsys, fixtures_dir):
    mine = tmp_path / "my_net.tflite"  # Google's v1 0.25/128 float file under a name this tool cannot read
    shutil.copy(FLOAT_MODEL, mine)
    rc, out, err = cli(capsys, "predict", str(mine), "--store", str(store_path), "--json")
    assert rc == 0, err
    doc = json.loads(out)
    twin = Variant.of(ModelConfig("mobilenet_v1", 0.25, 128, 1001), "fp32")  # what the file is: 1001 outputs
    assert doc["variant"] == "file_128_bg.fp32+my_net" and doc["features_from"] == f"graph of {mine}"
    assert doc["latency_ms"] == pytest.approx(truth(twin), rel=1e-6)  # the graph's layers are v1's, exactly
    assert doc["extrapolated"] is True  # a family the model never saw
    assert {p["variant"].split("_0")[0] for p in doc["model"]["fit_on"]} >= {"mobilenet_v1", "mobilenet_v2"}
    with Store(store_path) as s:
        (rec,) = [r for r in s.measurements(metric="latency_ms") if r.source == "predicted"]
    assert rec.variant.tag == "my_net" and rec.value == pytest.approx(doc["latency_ms"])


def test_a_file_and_an_alpha_together_or_neither_is_one_line(store_path, capsys, fixtures_dir):
    rc, _, err = cli(capsys, "predict", str(FLOAT_MODEL), "--alpha", "0.5", "--store", str(store_path))
    assert rc != 0 and "give a FILE or --alpha, not both" in err and err.count("\n") == 1
    rc, _, err = cli(capsys, "predict", "--store", str(store_path))
    assert rc != 0 and "predict needs a model: a FILE" in err


def test_within_a_fitted_family_the_range_decides_extrapolation():
    model = fit(ModelKey(HOST, "fp32"), [(v, truth(v)) for v in FITTED])
    assert not model.predict(Variant.parse("mobilenet_v1_050_128.fp32")).extrapolated
    assert model.predict(Variant.parse("mobilenet_v2_140_96.fp32")).extrapolated  # wider than v2's fitted 1.0
    assert model.predict(Variant.parse("mobilenet_v3_small_100_96.fp32")).extrapolated  # a family never fitted

"""energy_mj in the store, the points, recommend --max-energy-mj and the report's energy section."""

from __future__ import annotations

import json

import pytest

from edgepareto.analysis import Budget, collect_points, recommend
from edgepareto.artifacts import Artifact
from edgepareto.bench import Measurement
from edgepareto.bench.energy import NO_SENSOR
from edgepareto.report import write_report
from edgepareto.store import Dataset, Device, MeasurementRecord, Store, Variant
from tests.cli_support import cli

BOARD, HOST = "Jetson Orin Nano Cortex-A78AE", "Test CPU (this host)"
DS = "toy-test"


def _energy(mj: float) -> dict:
    """telemetry.energy as a measuring process writes it (bench/energy.py)."""
    return {
        "status": "measured",
        "source": "ina3221",
        "sensor": {"source": "ina3221", "rails": ["VDD_IN"]},
        "mj_per_inference": mj,
        "ci_mj": [mj * 0.95, mj * 1.05],
        "runs": 60,
        "updates": 42.0,
        "update_interval_s": 0.002,
        "min_updates": 20,
        "idle_w": 4.1,
        "window_s": 0.084,
        "ci": "exact order-statistic CI of the median over the processes",
    }


def _measurement(ms: float, energy: dict) -> Measurement:
    return Measurement(
        status="ok",
        model="m.tflite",
        engine="litert",
        threads=1,
        protocol={"name": "fast"},
        median_ms=ms,
        ci95_median_ms=[ms * 0.98, ms * 1.02],
        runs=6,
        peak_rss_bytes=30_000_000,
        telemetry={"energy": energy},
    )


def _artifact(v: Variant, i: int) -> Artifact:
    return Artifact(f"{i:064x}", v, "tflite", f"/m/{v.name}.tflite", 1000 + i, "fp32")


ALPHAS = {0.25: (2.0, 8.0, 50.0), 0.5: (4.0, 15.0, 60.0), 0.75: (7.0, 24.0, 66.0), 1.0: (11.0, 40.0, 70.0)}


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "results.sqlite") as s:
        s.add_device(Device(BOARD, "board", {"cpu_model": "Cortex-A78AE"}))
        s.add_device(Device(HOST, "host", {"cpu_model": "Test CPU"}))
        s.add_dataset(Dataset(DS, "a toy data set", 1000))
        for i, (alpha, (ms, mj, top1)) in enumerate(ALPHAS.items()):
            v = Variant("mobilenet_v1", alpha, 224, 1000, "fp32")
            art = _artifact(v, i)
            s.add_artifact(art)
            s.add_many(
                MeasurementRecord.from_latency(
                    _measurement(ms, _energy(mj)), device=BOARD, artifact=art, key=f"lat-{i}", protocol_name="fast"
                )
            )
            none = {"status": "unavailable", "reason": NO_SENSOR}
            s.add_many(
                MeasurementRecord.from_latency(
                    _measurement(ms * 3, none), device=HOST, artifact=art, key=f"host-{i}", protocol_name="fast"
                )
            )
            s.add(
                MeasurementRecord(
                    variant=v,
                    metric="top1",
                    value=top1,
                    ci_low=top1 - 1,
                    ci_high=top1 + 1,
                    n=1000,
                    source="measured",
                    dataset=DS,
                )
            )
        yield s


def test_a_measured_energy_becomes_an_energy_mj_record_with_its_sensor(store):
    recs = [r for r in store.measurements() if r.metric == "energy_mj"]
    assert len(recs) == 4 and {r.device for r in recs} == {BOARD}  # the host had no sensor: no record, no estimate
    r = min(recs, key=lambda r: r.value)
    assert r.source == "measured" and r.unit == "mJ" and r.value == 8.0 and (r.ci_low, r.ci_high) == (7.6, 8.4)
    assert r.n == 60 and r.notes == "sensor ina3221 (VDD_IN), 42 updates"
    assert r.protocol["energy"]["update_interval_s"] == 0.002 and r.key == MeasurementRecord.energy_key("lat-0")


def test_points_carry_energy_and_inferences_per_joule(store):
    pts = collect_points(store.measurements(), device=BOARD, dataset=DS, require=("latency_ms", "top1"))
    p = pts[0]
    assert p.value("energy_mj") == 8.0 and p.value("inferences_per_j") == pytest.approx(125.0)
    assert p.sources()["energy_mj"] == "measured"


def test_recommend_under_an_energy_budget(store):
    pts = collect_points(store.measurements(), device=BOARD, dataset=DS, require=("latency_ms", "top1"))
    doc = recommend(pts, Budget(max_energy_mj=20.0))
    assert doc["recommendations"][0]["variant"].startswith("mobilenet_v1_050_224")  # 15 mJ, the best top-1 within
    assert any("energy per inference 15 mJ (measured) ≤ 20 mJ" in w for w in doc["recommendations"][0]["why"])
    assert {r["variant"][:20] for r in doc["rejected"]} == {"mobilenet_v1_075_224", "mobilenet_v1_100_224"}
    host = collect_points(store.measurements(), device=HOST, dataset=DS, require=("latency_ms", "top1"))
    none = recommend(host, Budget(max_energy_mj=20.0))
    assert not none["recommendations"]
    assert none["rejected"][0]["why_not"] == [f"no energy per inference known ({NO_SENSOR})"]


def test_cli_recommend_max_energy_mj(store, capsys):
    rc, out, err = cli(
        capsys, "recommend", "--store", str(store.path), "--device", "Orin", "--max-energy-mj", "10", "--json"
    )
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["budget"]["max_energy_mj"] == 10.0
    assert [r["label"] for r in doc["recommendations"]] == ["alpha=0.25-FP32"]
    rc, _, err = cli(capsys, "recommend", "--store", str(store.path), "--device", "Orin", "--max-energy-mj", "-1")
    assert rc == 2 and err.count("\n") == 1


def test_report_has_an_energy_front_per_device_and_inferences_per_joule(store, tmp_path):
    doc = write_report(store, tmp_path / "report")
    study = next(s for s in doc["studies"] if s["dataset"] == DS)
    energy = study["energy"]
    assert list(energy["devices"]) == [BOARD]
    front = [r["label"] for r in energy["devices"][BOARD] if r["on_front"]]
    assert front == ["alpha=0.25-FP32", "alpha=0.5-FP32", "alpha=0.75-FP32", "alpha=1.0-FP32"]
    assert energy["unavailable"] == {HOST: NO_SENSOR}
    assert (tmp_path / "report" / energy["plots"][0]["png"]).is_file()
    md = (tmp_path / "report" / "report.md").read_text()
    assert "#### Table II analogue: inferences per joule" in md and "| 0.25 | 125 |" in md
    assert f"{HOST}: {NO_SENSOR}" in md
    html = (tmp_path / "report" / "report.html").read_text()
    assert "Energy – accuracy on " in html and "inferences per joule" in html

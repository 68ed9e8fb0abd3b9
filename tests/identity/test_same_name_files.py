"""Issue 31 item 1: two different files with one name in different folders are two points, labelled so the user
can tell the paths apart; a file replaced in place leaves no stale row under its name."""

from __future__ import annotations

import shutil

import pytest

from edgepareto.analysis import front, open_results, recommend_on
from edgepareto.analysis.points import path_suffixes
from edgepareto.report import write_report
from edgepareto.store import Dataset, Device, MeasurementRecord
from edgepareto.sweep.given import adopt
from tests.conftest import FLOAT_MODEL, QUANT_MODEL

pytestmark = pytest.mark.usefixtures("fixtures_dir")
HOST = "Test CPU (this host)"


def _measure(store, art, ms: float, top1: float) -> None:
    common = {"variant": art.variant, "source": "measured", "artifact_sha256": art.sha256}
    store.add(MeasurementRecord(metric="latency_ms", value=ms, n=20, device=HOST, engine="litert", threads=1, **common))
    store.add(
        MeasurementRecord(
            metric="top1", value=top1, ci_low=top1 - 1, ci_high=top1 + 1, n=500, dataset="toy-test", **common
        )
    )


def test_shortest_distinguishing_path_ends():
    short = path_suffixes(["/m/a.tflite", "/m/sub/a.tflite", "/runs/run1/model.tflite", "/runs/run2/model.tflite"])
    assert short == {
        "/m/a.tflite": "m/a.tflite",
        "/m/sub/a.tflite": "sub/a.tflite",
        "/runs/run1/model.tflite": "run1/model.tflite",
        "/runs/run2/model.tflite": "run2/model.tflite",
    }


@pytest.mark.parametrize(
    "names",
    [
        ("m/mobilenet_v1_0.25_128_quant.tflite", "m/sub/mobilenet_v1_0.25_128_quant.tflite"),
        ("runs/run1/model.tflite", "runs/run2/model.tflite"),
    ],
)
def test_two_files_of_one_name_are_two_points(tmp_path, names):
    google, other = tmp_path / names[0], tmp_path / names[1]
    for path in (google, other):
        path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(QUANT_MODEL, google)
    other.write_bytes(QUANT_MODEL.read_bytes() + b"\0" * 4096)  # another file, same declared variant, larger
    with open_results(tmp_path / "s.sqlite") as store:
        store.add_device(Device(HOST, "host", {"cpu_model": "Test CPU"}))
        store.add_dataset(Dataset("toy-test", "a toy data set", 500))
        a, b = adopt(store, google), adopt(store, other)
        assert a.variant.name == b.variant.name and a.sha256 != b.sha256
        _measure(store, a, 2.0, 40.0)
        _measure(store, b, 1.5, 45.0)  # faster and more accurate: b alone is on the front
        doc = front(store, device=HOST, dataset="toy-test")
        rec = recommend_on(store, HOST, dataset="toy-test", top=5)
        report = write_report(store, tmp_path / "report")
    labels = [p["label"] for p in doc["points"]]
    assert len(labels) == 2 and len(set(labels)) == 2  # both files, told apart
    assert any(names[0].split("/", 1)[1] in label for label in labels)
    assert any(names[1].split("/", 1)[1] in label for label in labels)
    sizes = {p["file"]: p["metrics"]["size_mb"]["value"] * 1e6 for p in doc["points"]}
    assert sizes == {str(google.resolve()): google.stat().st_size, str(other.resolve()): other.stat().st_size}
    assert len(doc["front"]) == 1 and names[1].split("/", 1)[1] in doc["front"][0]
    # In (latency, size, top-1) both are optimal (Google's is smaller); each is ranked with its own size.
    assert {r["file"]: r["metrics"]["size_mb"]["value"] * 1e6 for r in rec["recommendations"]} == sizes
    assert len(report["yours"]["files"]) == 2 and len({f["file"] for f in report["yours"]["files"]}) == 2


def test_a_file_replaced_in_place_keeps_only_its_new_figures(tmp_path):
    path = tmp_path / "m" / "model.tflite"
    path.parent.mkdir()
    shutil.copyfile(QUANT_MODEL, path)
    with open_results(tmp_path / "s.sqlite") as store:
        store.add_device(Device(HOST, "host", {"cpu_model": "Test CPU"}))
        store.add_dataset(Dataset("toy-test", "a toy data set", 500))
        old = adopt(store, path)
        _measure(store, old, 2.0, 40.0)
        shutil.copyfile(FLOAT_MODEL, path)  # the user retrained and wrote over it
        new = adopt(store, path)
        _measure(store, new, 3.0, 50.0)
        doc = front(store, device=HOST, dataset="toy-test")
        report = write_report(store, tmp_path / "report")
    (point,) = doc["points"]
    assert point["metrics"]["latency_ms"]["value"] == 3.0 and point["metrics"]["top1"]["value"] == 50.0
    assert point["metrics"]["size_mb"]["value"] * 1e6 == FLOAT_MODEL.stat().st_size
    assert [f["bytes"] for f in report["yours"]["files"]] == [FLOAT_MODEL.stat().st_size]


def test_sweep_over_two_folders_keeps_both_files_and_google_s_published_row(tmp_path, capsys, monkeypatch):
    """The issue's trial: Google's and another `mobilenet_v1_0.25_128_quant.tflite` in m/ and m/sub/."""
    from tests.cli.test_fuzz import run_cli
    from tests.conftest import IMAGENET

    monkeypatch.setenv("EDGEPARETO_HOME", str(tmp_path / "home"))
    (tmp_path / "m" / "sub").mkdir(parents=True)
    shutil.copyfile(QUANT_MODEL, tmp_path / "m" / QUANT_MODEL.name)
    (tmp_path / "m" / "sub" / QUANT_MODEL.name).write_bytes(QUANT_MODEL.read_bytes() + b"\0" * 64)
    store = str(tmp_path / "s.sqlite")
    rc, _, err = run_cli(
        capsys,
        [
            "sweep",
            "--models",
            str(tmp_path / "m" / "**" / "*.tflite"),
            "--data-dir",
            str(IMAGENET / "images"),
            "--ground-truth",
            str(IMAGENET / "ground_truth.csv"),
            "--store",
            store,
            "--no-live",
            "--json",
        ],
    )
    assert rc == 0, err
    with open_results(store) as s:
        names = {r.variant.name for r in s.measurements(source="measured")}
        device = next(r.device for r in s.measurements(metric="latency_ms", source="measured"))
    rc, out, _ = run_cli(capsys, ["front", "--store", store, "--device", device])
    assert rc == 0 and "[m/mobilenet_v1_0.25_128_q" in out and "[sub/mobilenet_v1_0.25_128_q" in out
    assert names == {"mobilenet_v1_025_128_bg.uint8"}  # no stem tag: still the published row's identity
    md = (tmp_path / "report" / "report.md").read_text()
    yours = md.split("## Your models", 1)[1].split("### Recommended", 1)[0]
    assert "published top-1" in yours and yours.count("| 39.5 |") == 2

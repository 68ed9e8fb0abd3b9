"""Problem 1 of issue 26: a data set is what was evaluated. A subset of ImageNet val has its own name and
description, never `imagenet-val`; fronts never mix it with the published 50,000-image figures; the report shows
a measured file's published twin beside it; old stores are migrated; reruns still skip."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from edgepareto.analysis import front, open_results
from edgepareto.data import EvaluatedSet, imagenet_synsets
from edgepareto.eval.result import EvalResult
from edgepareto.report import write_report
from edgepareto.store import Device, MeasurementRecord, Store
from edgepareto.store._schema import MIGRATIONS
from edgepareto.sweep.given import EvalData, accuracy_ident, adopt, record_accuracy
from tests.conftest import QUANT_MODEL

pytestmark = pytest.mark.usefixtures("fixtures_dir")
HOST = "Test CPU (this host)"


def _result(n: int, classes: int, top1: float = 0.7621) -> EvalResult:
    synsets = imagenet_synsets()
    labels = np.arange(n) % classes
    files = tuple(f"/data/val/{synsets[y]}/ILSVRC2012_val_{i + 1:08d}.JPEG" for i, y in enumerate(labels))
    return EvalResult(
        model="m.tflite",
        engine="litert",
        engine_version="2.x",
        dataset="imagenet",
        source="ImageNet folder",
        n=n,
        top1=top1,
        top5=0.9,
        ci95_top1=(top1 - 0.02, top1 + 0.02),
        ci95_top5=(0.88, 0.92),
        preprocessing={},
        input_encoding="uint8",
        skipped=(),
        requested=n,
        workers=1,
        seconds=1.0,
        cache={},
        classes=classes,
        dataset_classes=1000,
        files=files,
        labels=labels,
    )


def test_the_identity_is_the_images_evaluated():
    a = EvaluatedSet.of("imagenet", "imagenet-val", ["/x/n01/ILSVRC2012_val_00000001.JPEG", "/x/n02/b.JPEG"], [0, 1])
    flat = EvaluatedSet.of("imagenet", "imagenet-val", ["flat/b.JPEG", "flat/ILSVRC2012_val_00000001.JPEG"], [1, 0])
    assert a == flat  # the same images and labels in another layout and order
    assert a.name.startswith("imagenet-subset-") and a.name != "imagenet-val" and not a.full
    assert EvaluatedSet.of("imagenet", "imagenet-val", ["a.JPEG", "b.JPEG"], [0, 2]).name != a.name
    r = _result(1400, 749)
    sub = EvaluatedSet.of("imagenet", "imagenet-val", list(r.files), r.labels)
    assert sub.description == "ImageNet val subset: 1,400 images, 749 classes"
    assert (sub.n, sub.classes, len(sub.digest)) == (1400, 749, 64)
    whole = EvaluatedSet("imagenet", "imagenet-val", 50_000, 1000, "0" * 64)
    assert whole.name == "imagenet-val" and whole.full
    folder = EvaluatedSet.of("folder", "folder-pets", ["pets/cat/1.jpg", "pets/dog/1.jpg"], [0, 1])
    assert folder.name.startswith("folder-pets-") and "2 images, 2 classes" in folder.description


def test_a_subset_gets_its_own_data_set_front_and_the_published_figure_beside_it(tmp_path):
    with open_results(tmp_path / "s.sqlite") as store:
        art = adopt(store, QUANT_MODEL)  # Google's mobilenet_v1_0.25_128_quant.tflite: published 39.5 %
        store.add_device(Device(HOST, "host", {"cpu_model": "Test CPU"}))
        store.add(
            MeasurementRecord(
                variant=art.variant,
                metric="latency_ms",
                value=2.0,
                n=20,
                source="measured",
                device=HOST,
                engine="litert",
                threads=1,
                artifact_sha256=art.sha256,
            )
        )
        ident = accuracy_ident(QUANT_MODEL, EvalData("imagenet", tmp_path), engine="litert")
        assert record_accuracy(store, _result(1400, 749), art, ident) == 2
        assert record_accuracy(store, _result(1400, 749), art, ident) == 0  # a rerun adds nothing: same keys
        top1 = [r for r in store.measurements(metric="top1") if r.source == "measured"]
        (rec,) = top1
        assert rec.dataset.startswith("imagenet-subset-") and rec.record["dataset_identity"]["n"] == 1400
        described = {d.name: d.description for d in store.datasets()}
        assert described[rec.dataset] == "ImageNet val subset: 1,400 images, 749 classes"
        published = front(store, dataset="imagenet-val")  # the memory front of the published 50k figures
        assert all(p["sources"]["top1"] == "published" for p in published["points"])
        mine = front(store, device=HOST)
        assert mine["dataset"] == rec.dataset and [p["sources"]["top1"] for p in mine["points"]] == ["measured"]
        assert mine["points"][0]["published_top1"] == 39.5
        doc = write_report(store, tmp_path / "report")
    sub = next(s for s in doc["studies"] if s["dataset"] == rec.dataset)
    assert sub["description"] == "ImageNet val subset: 1,400 images, 749 classes"
    (row,) = sub["devices"][HOST]
    assert row["top1"] == pytest.approx(76.21) and row["published_top1"] == 39.5
    imagenet = next(s for s in doc["studies"] if s["dataset"] == "imagenet-val")
    assert all(r["sources"]["top1"] == "published" for r in imagenet["memory"])
    assert "(published 39.5)" in (tmp_path / "report" / "report.md").read_text()
    assert doc["yours"]["files"][0]["published_top1"] == 39.5


def test_old_stores_move_their_subset_figures_off_imagenet_val(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript("".join(MIGRATIONS[:3]) + "; PRAGMA user_version=3;")
    db.execute(
        "INSERT INTO variants(name, family, alpha, resolution, num_classes, precision) "
        "VALUES ('mobilenet_v1_025_128_bg.uint8', 'mobilenet_v1', 0.25, 128, 1000, 'uint8')"
    )
    db.execute("INSERT INTO datasets(name, description, size) VALUES ('imagenet-val', 'ILSVRC2012', 50000)")
    for key, n in (("a", 24), ("b", 50000)):
        db.execute(
            "INSERT INTO measurements(key, variant_id, dataset_id, metric, value, unit, n, source, record, "
            "created_at) VALUES (?, 1, 1, 'top1', 50.0, '%', ?, 'measured', '{\"classes\": 20}', 'now')",
            (key, n),
        )
    db.commit()
    db.close()
    with Store(path) as store:
        by_n = {r.n: r.dataset for r in store.measurements(metric="top1")}
        described = {d.name: d.description for d in store.datasets()}
    assert by_n == {24: "imagenet-subset-n24-c20", 50000: "imagenet-val"}
    assert described["imagenet-subset-n24-c20"].startswith("ImageNet val subset: 24 images, 20 classes")

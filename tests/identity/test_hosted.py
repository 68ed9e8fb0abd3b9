"""Problem 2 of issue 26: one identity per model file. Google's hosted names, the seed's Table II and the published
hosted table are one variant, so the seed's ODROID figures, the user's measured hosted file and predictions meet."""

from __future__ import annotations

import shutil

import pytest

from edgepareto.analysis import open_results
from edgepareto.analysis.reference import A15, citations, hosted_models, hosted_row, reference_records
from edgepareto.analysis.select import front
from edgepareto.models import Variant
from edgepareto.report import write_report
from edgepareto.store import Device, MeasurementRecord
from edgepareto.sweep.given import adopt
from tests.conftest import QUANT_MODEL

pytestmark = pytest.mark.usefixtures("fixtures_dir")
HOST = "Test CPU (this host)"


def test_the_whole_published_v1_table_under_the_names_googles_files_parse_to():
    rows = hosted_models()
    assert len(rows) == 32 and {(m.alpha, m.resolution) for m in rows} == {
        (a, r) for a in (0.25, 0.5, 0.75, 1.0) for r in (128, 160, 192, 224)
    }
    for m in rows:
        assert hosted_row(Variant.parse(m.file_name)) == m  # the file's own name finds its row
    q = hosted_row(Variant.parse("mobilenet_v1_0.25_128_quant.tflite"))
    assert (q.top1, q.top5, q.size_mb) == (39.5, 64.4, 0.5)
    f = hosted_row(Variant.parse("mobilenet_v1_1.0_192.tflite"))
    assert (f.top1, f.top5) == (69.9, 89.1)
    assert "hosted_models.md" in citations()["hosted_models"]["citation"]
    seed = {r.variant.name for r in reference_records() if r.metric == "latency_ms"}
    assert "mobilenet_v1_075_224_bg.uint8" in seed and "mobilenet_v1_075_224.int8" not in seed  # one identity


def test_a_measured_hosted_file_meets_the_seed_figures(tmp_path):
    hosted = tmp_path / "mobilenet_v1_0.25_224_quant.tflite"  # named as Google's 224 file: its variant by name
    shutil.copyfile(QUANT_MODEL, hosted)
    with open_results(tmp_path / "s.sqlite") as store:
        art = adopt(store, hosted)
        assert art.variant.name == "mobilenet_v1_025_224_bg.uint8"
        store.add_device(Device(HOST, "host", {"cpu_model": "Test CPU"}))
        store.add(
            MeasurementRecord(
                variant=art.variant,
                metric="latency_ms",
                value=5.0,
                n=20,
                source="measured",
                device=HOST,
                engine="litert",
                threads=1,
                artifact_sha256=art.sha256,
            )
        )
        on_host = front(store, device=HOST)
        doc = write_report(store, tmp_path / "report")
    (point,) = on_host["points"]
    assert point["sources"] == {
        "latency_ms": "measured",
        "size_bytes": "measured",
        "top1": "published",
        "top5": "published",
    }
    assert point["stand_in"] is None  # the published figure is this file's own row, not another file's
    imagenet = next(s for s in doc["studies"] if s["dataset"] == "imagenet-val")
    pairs = [d for d in imagenet["cross_device"] if {d["from"], d["to"]} == {HOST, A15}]
    assert pairs and all(d["compared"] == 1 for d in pairs)  # was 0: '_bg.uint8' never met '.int8'
    (size,) = [r for r in imagenet["sizes"] if r["variant"] == "mobilenet_v1_025_224_bg.uint8"]
    assert size["measured_bytes"] == hosted.stat().st_size and size["published_bytes"] == 0.5e6

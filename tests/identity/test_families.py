"""Problem 3 of issue 26: files of any family (no alpha in the MobileNet v1 sense) are listed everywhere and
left out, with a note, only from the tables indexed by alpha; the report never crashes on them."""

from __future__ import annotations

from edgepareto.analysis import recommend_on
from edgepareto.analysis.reference import load_reference
from edgepareto.models import Variant
from edgepareto.report import write_report
from edgepareto.store import Dataset, Device, Store
from tests.store_support import add_point

HOST = "Test CPU (this host)"


def _measured(store: Store, v: Variant, ms: float, top1: float) -> None:
    add_point(store, v, ms, top1, device=HOST, top1_halfwidth=2.0, n=500)


def test_a_v2_and_a_v3_file_beside_v1_files_give_a_report_with_all_of_them(tmp_path):
    v2 = Variant.parse(
        "mobilenet_v2_1.0_224_quant.tflite", precision="uint8", resolution=224, num_classes=1000, background=True
    )
    v3 = Variant.parse("mobilenet_v3-small_224_1.0_uint8.tflite", precision="uint8", resolution=224)
    v1 = Variant.parse("mobilenet_v1_0.25_224_quant.tflite")
    assert {v2.family, v3.family}.isdisjoint({v1.family})  # other families, whatever alpha their names carry
    with Store(tmp_path / "s.sqlite") as store:
        load_reference(store)
        store.add_device(Device(HOST, "host", {"cpu_model": "Test CPU"}))
        store.add_dataset(Dataset("toy-test", "a toy data set", 500))
        for v, ms, top1 in ((v1, 3.0, 45.0), (v2, 12.0, 70.0), (v3, 5.0, 60.0)):
            _measured(store, v, ms, top1)
        doc = write_report(store, tmp_path / "report")  # crashed: '<' not supported between NoneType and float
        rec = recommend_on(store, HOST, dataset="toy-test", top=5)
    toy = next(s for s in doc["studies"] if s["dataset"] == "toy-test")
    labels = {r["label"] for r in toy["devices"][HOST]}
    assert {v2.label, v3.label} <= labels and len(labels) == 3
    assert v2.label in toy["alpha_tables_note"] and v3.label in toy["alpha_tables_note"]
    assert all(r["alpha"] is not None for r in toy["fps_table"])
    assert {r["label"] for r in rec["recommendations"]} & {v2.label, v3.label}
    md = (tmp_path / "report" / "report.md").read_text()
    assert "left out of the alpha-indexed tables" in md

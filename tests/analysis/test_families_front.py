"""One front per device across families: recommend chooses across them, labels and tables name the family, and
the plot marks each family with its own marker (the legend names it)."""

from __future__ import annotations

import pytest

from edgepareto.analysis import front, recommend_on
from edgepareto.analysis.points import collect_points
from edgepareto.models import Variant
from edgepareto.store import Dataset, Device, Store
from tests.store_support import add_point

HOST = "Test CPU (this host)"
V1 = Variant.parse("mobilenet_v1_050_224.fp32")
V2 = Variant.parse("mobilenet_v2_035_224.fp32")


def _point(store: Store, v: Variant, ms: float, top1: float) -> None:
    add_point(store, v, ms, top1, device=HOST, latency_spread=0.01)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "s.sqlite") as s:
        s.add_device(Device(HOST, "host", {"cpu_model": "Test CPU"}))
        s.add_dataset(Dataset("toy-test", "a toy data set", 5000))
        yield s


@pytest.mark.parametrize(("v1", "v2", "best"), [((3.0, 70.0), (4.0, 60.0), V1), ((4.0, 60.0), (3.0, 70.0), V2)])
def test_recommend_chooses_across_families_and_its_labels_name_the_family(store, v1, v2, best):
    _point(store, V1, *v1)
    _point(store, V2, *v2)
    rec = recommend_on(store, HOST, dataset="toy-test")
    first = rec["recommendations"][0]
    assert first["variant"] == best.name and first["family"] == best.family
    assert first["label"].startswith(best.family + " alpha=")  # v1 too, beside another family
    doc = front(store, device=HOST, dataset="toy-test")
    assert {p["label"] for p in doc["points"]} == {"mobilenet_v1 alpha=0.5-FP32", "mobilenet_v2 alpha=0.35-FP32"}
    assert doc["front"] == [best.family + f" alpha={best.alpha:g}-FP32"]


def test_v1_alone_keeps_the_seeds_labels(store):
    _point(store, V1, 3.0, 70.0)
    (p,) = collect_points(store.measurements(), device=HOST, dataset="toy-test")
    assert p.label == "alpha=0.5-FP32"


def test_the_plot_marks_each_family_and_its_legend_names_them(store, tmp_path, monkeypatch):
    from edgepareto.analysis.points import analyse_front
    from edgepareto.analysis.select import parse_objectives
    from edgepareto.report import plots

    _point(store, V1, 3.0, 70.0)
    _point(store, V2, 4.0, 60.0)
    _point(store, Variant.parse("mobilenet_v2_035_224.int8"), 2.0, 58.0)
    points = collect_points(store.measurements(), device=HOST, dataset="toy-test")
    entries = analyse_front(points, parse_objectives("latency_ms,top1"))
    drawn = {}
    monkeypatch.setattr(plots, "save_figure", lambda fig, stem: drawn.setdefault("fig", fig) and (stem, stem))
    plots.plot_tradeoff(entries, "latency_ms", "top1", "front", tmp_path / "front")
    ax = drawn["fig"].axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"mobilenet_v1", "mobilenet_v2", "FP32", "INT8"} <= set(legend)
    markers = plots.family_markers(entries)
    assert markers["mobilenet_v1"] != markers["mobilenet_v2"]
    assert plots.family_markers(entries[:1]) == {}  # one family: the seed's markers per precision

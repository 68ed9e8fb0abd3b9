"""Speed-up tables, cross-device difference, GMAC/s and recommendations."""

from __future__ import annotations

import pytest

from edgepareto.analysis import Budget, collect_points, cross_device_diff, recommend, speedup_tables
from edgepareto.analysis.reference import A7, A15, IMAGENET, reference_records
from edgepareto.errors import ConfigError
from edgepareto.models import ModelConfig, cost_of
from edgepareto.store import MeasurementRecord, Variant

LAT = {
    ("big", 0.5, "fp32"): 10.0,
    ("big", 1.0, "fp32"): 40.0,
    ("big", 0.5, "int8"): 5.0,
    ("big", 1.0, "int8"): 16.0,
    ("small", 0.5, "fp32"): 30.0,
    ("small", 1.0, "fp32"): 100.0,
    ("small", 0.5, "int8"): 10.0,
    ("small", 1.0, "int8"): 40.0,
}


def test_speedup_tables_are_exact_ratios():
    t = speedup_tables(LAT)
    scaling = {(r["device"], r["precision"]): r["speedup"] for r in t.alpha_scaling}
    assert scaling == {("big", "fp32"): 4.0, ("big", "int8"): 3.2, ("small", "fp32"): 100 / 30, ("small", "int8"): 4.0}
    gain = {(r["device"], r["alpha"]): r["speedup"] for r in t.precision_gain}
    assert gain == {("big", 0.5): 2.0, ("big", 1.0): 2.5, ("small", 0.5): 3.0, ("small", 1.0): 2.5}
    (fp32,) = [m for m in t.cluster_ratio_mean if m["precision"] == "fp32"]
    assert (fp32["faster"], fp32["slower"]) == ("big", "small")
    assert fp32["mean_ratio"] == pytest.approx((3.0 + 2.5) / 2)


def test_cross_device_difference():
    diff = cross_device_diff({"A": {"x", "y"}, "B": {"y", "z"}}, {"A": {"x", "y", "z"}, "B": {"x", "y", "z", "w"}})
    ab = next(d for d in diff if (d["from"], d["to"]) == ("A", "B"))
    assert ab["enters"] == ["z"] and ab["leaves"] == ["x"] and ab["stays"] == ["y"] and ab["only_on_to"] == ["w"]


def test_points_carry_gmacs_and_fps_from_the_cost_model():
    pts = collect_points(reference_records(), device=A15, dataset=IMAGENET, require=("latency_ms", "top1"))
    assert len(pts) == 8
    p = next(p for p in pts if p.variant.alpha == 1.0 and p.variant.precision == "fp32")
    macs = cost_of(ModelConfig("mobilenet_v1", 1.0, 224)).macs
    assert p.value("fps") == pytest.approx(4.16)
    assert p.value("gmacs_per_s") == pytest.approx(macs * 4.16 / 1e9)
    assert p.sources() == {
        "latency_ms": "published",
        "size_bytes": "published",
        "top1": "published",
        "top5": "published",
    }


def test_measured_beats_published_and_cis_flow_through():
    v = Variant("mobilenet_v1", 1.0, 224, 1000, "fp32")
    extra = [
        MeasurementRecord(variant=v, metric="size_bytes", value=16_863_856.0, source="measured", id=999),
        MeasurementRecord(
            variant=v,
            metric="latency_ms",
            value=5.0,
            ci_low=4.9,
            ci_high=5.2,
            source="measured",
            device="host",
            engine="litert",
            threads=1,
        ),
    ]
    pts = collect_points([*reference_records(), *extra], device="host", dataset=IMAGENET, require=("latency_ms",))
    (p,) = pts
    assert p.sources() == {"latency_ms": "measured", "size_bytes": "measured", "top1": "published", "top5": "published"}
    assert (p.metrics["fps"].low, p.metrics["fps"].high) == pytest.approx((1000 / 5.2, 1000 / 4.9))


def test_recommend_under_a_latency_budget_on_the_a7():
    pts = collect_points(reference_records(), device=A7, dataset=IMAGENET, require=("latency_ms", "top1"))
    doc = recommend(pts, Budget(max_latency_ms=400), top=3)
    best = doc["recommendations"][0]
    assert best["label"] == "alpha=0.75-UINT8"  # 308.6 ms, 66.9 %: the most accurate within 400 ms
    assert any("≤ 400 ms" in w for w in best["why"])
    assert all(r["metrics"]["latency_ms"]["value"] <= 400 for r in doc["recommendations"])
    rejected = {r["label"] for r in doc["rejected"]}
    assert "alpha=1.0-UINT8" in rejected and "alpha=0.5-FP32" not in rejected


def test_recommend_with_no_feasible_variant_lists_the_nearest():
    pts = collect_points(reference_records(), device=A7, dataset=IMAGENET, require=("latency_ms", "top1"))
    doc = recommend(pts, Budget(max_latency_ms=50, min_top1=70), top=2)
    assert doc["recommendations"] == [] and len(doc["nearest"]) == 2 and "no variant" in doc["message"]
    with pytest.raises(ConfigError, match="max_latency_ms"):
        Budget(max_latency_ms=0)


def test_recommend_warns_when_the_ci_crosses_the_bound():
    v = Variant("mobilenet_v1", 0.5, 224, 1000, "int8")
    recs = [
        MeasurementRecord(
            variant=v, metric="latency_ms", value=9.8, ci_low=9.5, ci_high=10.4, source="measured", device="host"
        ),
        MeasurementRecord(variant=v, metric="top1", value=61.2, source="published", dataset=IMAGENET),
    ]
    pts = collect_points(recs, device="host", dataset=IMAGENET, require=("latency_ms", "top1"))
    (rec,) = recommend(pts, Budget(max_latency_ms=10))["recommendations"]
    assert rec["warnings"] and "10.4" in rec["warnings"][0]

"""Per-image predictions kept for every evaluation, exported, and two files' top-1 on the same images compared
by McNemar's exact test in the front status and in recommend (issue 26, problem 7)."""

from __future__ import annotations

import csv
import io
import json
import math
import sqlite3

import numpy as np
import pytest

from edgepareto.analysis import (
    DOMINATED,
    ON_FRONT,
    TOO_CLOSE,
    Budget,
    Estimate,
    Objective,
    PairedAccuracy,
    Point,
    analyse_front,
    mcnemar_exact,
    recommend,
)
from edgepareto.cli import main
from edgepareto.models import Variant
from edgepareto.store import MeasurementRecord, Predictions, Store
from edgepareto.store.predictions import select

N = 1000
LAT_TOP1 = [Objective("latency_ms", "min"), Objective("top1", "max")]


def _binomial_p(k: int, n: int) -> float:
    """Exact two-sided McNemar p written out: twice the lower tail of Binomial(n, 1/2), at most 1."""
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)


def test_mcnemar_counts_only_the_discordant_images_and_is_exact():
    a = np.array([1] * 32 + [0] * 8 + [1] * 500 + [0] * 460, bool)
    b = np.array([0] * 32 + [1] * 8 + [1] * 500 + [0] * 460, bool)
    only_a, only_b, p = mcnemar_exact(a, b)
    assert (only_a, only_b) == (32, 8) and p == pytest.approx(_binomial_p(8, 40), rel=1e-9)
    assert mcnemar_exact(a, a) == (0, 0, 1.0)
    assert mcnemar_exact(b, a)[2] == pytest.approx(p)


def _preds(key: str, right: np.ndarray, files: tuple[str, ...] | None = None) -> Predictions:
    labels = np.arange(N) % 1000
    top1 = np.where(right, labels, (labels + 1) % 1000)
    topk = np.stack([top1, *[(labels + k) % 1000 for k in range(2, 6)]], axis=1)
    return Predictions(
        key, "sha-" + key, "imagenet-val", "prep", files or tuple(f"img{i}.JPEG" for i in range(N)), labels, topk
    )


def _point(name: str, key: str, latency: float, right: np.ndarray) -> Point:
    from edgepareto.eval.stats import wilson_interval

    v = Variant.parse(name)
    c = int(right.sum())
    lo, hi = wilson_interval(c, N)
    top1 = MeasurementRecord(
        variant=v,
        metric="top1",
        value=100 * c / N,
        ci_low=100 * lo,
        ci_high=100 * hi,
        source="measured",
        dataset="imagenet-val",
        n=N,
        key=key,
    )
    metrics = {
        "latency_ms": Estimate(latency, latency * 0.99, latency * 1.01),
        "top1": Estimate(100 * c / N, 100 * lo, 100 * hi),
    }
    return Point(v, "host", "litert", 1, metrics, {"top1": top1})


def _outcomes(right_both: int, only: int, other_only: int) -> tuple[np.ndarray, np.ndarray]:
    """Two files' per-image outcomes: both right on ``right_both``, one right alone on ``only``, the other on
    ``other_only``."""
    a = np.zeros(N, bool)
    b = np.zeros(N, bool)
    a[:right_both] = b[:right_both] = True
    a[right_both : right_both + only] = True
    b[right_both + only : right_both + only + other_only] = True
    return a, b


def test_a_paired_difference_decides_what_overlapping_intervals_cannot():
    """62.0% vs 60.0% on the same 1,000 images: the Wilson intervals overlap (too close to call), but the files
    disagree on 60 images 40 to 20 (McNemar p = 0.013): the more accurate, slower file is on the front."""
    slow, fast = _outcomes(580, 40, 20)
    points = [
        _point("mobilenet_v1_100_224.fp32", "kS", 20.0, slow),
        _point("mobilenet_v1_050_224.fp32", "kF", 10.0, fast),
    ]
    alone = analyse_front(points, LAT_TOP1)
    assert [e.status for e in alone] == [TOO_CLOSE, ON_FRONT] and alone[0].accuracy == ()
    paired = PairedAccuracy([_preds("kS", slow), _preds("kF", fast)])
    entries = analyse_front(points, LAT_TOP1, paired)
    assert [e.status for e in entries] == [ON_FRONT, ON_FRONT]
    (note,) = entries[0].accuracy
    p = _binomial_p(20, 60)
    assert note["basis"] == "McNemar" and note["test"]["p_value"] == pytest.approx(p)
    assert note["says"] == f"higher, p = {p:.2g} (McNemar, 40 vs 20 of 1,000)"


def test_a_paired_test_can_make_a_point_dominated_and_says_when_it_cannot_tell():
    worse, better = _outcomes(580, 20, 40)  # the slow file is the less accurate one, p = 0.013
    points = [
        _point("mobilenet_v1_100_224.fp32", "kS", 20.0, worse),
        _point("mobilenet_v1_050_224.fp32", "kF", 10.0, better),
    ]
    assert analyse_front(points, LAT_TOP1)[0].status == TOO_CLOSE
    paired = PairedAccuracy([_preds("kS", worse), _preds("kF", better)])
    entry = analyse_front(points, LAT_TOP1, paired)[0]
    assert entry.status == DOMINATED and entry.accuracy[0]["says"].startswith("lower, p = 0.013")
    same_a, same_b = _outcomes(590, 25, 20)  # 61.5% vs 61.0%: 25 vs 20, p = 0.55
    points = [
        _point("mobilenet_v1_100_224.fp32", "kS", 20.0, same_a),
        _point("mobilenet_v1_050_224.fp32", "kF", 10.0, same_b),
    ]
    entry = analyse_front(points, LAT_TOP1, PairedAccuracy([_preds("kS", same_a), _preds("kF", same_b)]))[0]
    assert entry.status == TOO_CLOSE
    p = f"{_binomial_p(20, 45):.2g}"
    assert entry.accuracy[0]["says"] == f"accuracy not distinguishable (McNemar p = {p}, 25 vs 20 of 1,000 images)"


def test_no_paired_test_on_different_images_the_intervals_decide_and_say_so():
    slow, fast = _outcomes(580, 40, 20)
    points = [
        _point("mobilenet_v1_100_224.fp32", "kS", 20.0, slow),
        _point("mobilenet_v1_050_224.fp32", "kF", 10.0, fast),
    ]
    other_images = tuple(f"other{i}.JPEG" for i in range(N))
    paired = PairedAccuracy([_preds("kS", slow), _preds("kF", fast, other_images)])
    entry = analyse_front(points, LAT_TOP1, paired)[0]
    assert entry.status == TOO_CLOSE and entry.accuracy[0]["basis"] == "Wilson"


def test_recommend_says_what_the_top1_comparison_rests_on():
    slow, fast = _outcomes(580, 40, 20)
    points = [
        _point("mobilenet_v1_100_224.fp32", "kS", 20.0, slow),
        _point("mobilenet_v1_050_224.fp32", "kF", 10.0, fast),
    ]
    doc = recommend(points, Budget(), paired=PairedAccuracy([_preds("kS", slow), _preds("kF", fast)]))
    first, second = doc["recommendations"]
    assert "(vs alpha=0.5-FP32: higher, p = 0.013" in " ".join(first["why"])
    assert "2.00 points of top-1 (lower, p = 0.013 (McNemar, 20 vs 40 of 1,000))" in " ".join(second["why"])
    plain = recommend(points, Budget())
    assert "2.00 points of top-1 (Wilson intervals overlap, no paired predictions)" in " ".join(
        plain["recommendations"][1]["why"]
    )


def test_predictions_are_stored_compactly_once_per_image_list(tmp_path):
    right = np.arange(N) % 3 == 0
    with Store(tmp_path / "r.sqlite") as store:
        assert store.add_predictions(_preds("k1", right)) and not store.add_predictions(_preds("k1", right))
        assert store.add_predictions(_preds("k2", ~right))
        got = {p.key: p for p in store.predictions()}
        assert store.predictions(["k2"])[0].key == "k2" and store.predictions([]) == []
    assert np.array_equal(got["k1"].correct, right) and np.array_equal(got["k2"].correct, ~right)
    assert got["k1"].files == got["k2"].files and got["k1"].images == got["k2"].images
    db = sqlite3.connect(tmp_path / "r.sqlite")
    db.row_factory = sqlite3.Row
    assert db.execute("SELECT COUNT(*) FROM image_lists").fetchone()[0] == 1
    assert len(select(db, None)) == 2
    size = sum(len(r[0]) for r in db.execute("SELECT topk FROM predictions"))
    assert size < 2 * N * 5 * 4  # compressed below the raw int32 top-5


def test_eval_store_keeps_predictions_that_results_exports_and_front_compares(tmp_path, fixtures_dir, capsys):
    """Two of Google's files evaluated with `eval --store` on the same 24 images: both keep their per-image
    top-5, `results --predictions` exports them (matching eval --predictions), `front` compares them paired."""
    store = str(tmp_path / "r.sqlite")
    images, gt = fixtures_dir / "imagenet" / "images", fixtures_dir / "imagenet" / "ground_truth.csv"
    for name in ("mobilenet_v1_0.25_128_quant", "mobilenet_v1_0.25_128"):
        argv = [
            "eval",
            str(fixtures_dir / "models" / f"{name}.tflite"),
            "--data-dir",
            str(images),
            "--ground-truth",
            str(gt),
            "--workers",
            "1",
            "--store",
            store,
            "--predictions",
            str(tmp_path / f"{name}.csv"),
            "--json",
        ]
        assert main(argv) == 0
        capsys.readouterr()
    out = tmp_path / "all.csv"
    assert main(["results", "--store", store, "--predictions", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "store": store,
        "predictions": str(out),
        "evaluations": 2,
        "rows": 48,
    }
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    quant = [r for r in rows if r["variant"].endswith(".uint8")]
    own = list(csv.DictReader(io.StringIO((tmp_path / "mobilenet_v1_0.25_128_quant.csv").read_text())))
    assert [(r["file"], r["label"], r["top1"], r["top5"]) for r in quant] == [
        (r["file"], r["label"], r["top1"], r["top5"]) for r in own
    ]
    assert main(["front", "--store", store, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    notes = [n for p in doc["points"] for n in p["accuracy"] if n["basis"] == "McNemar"]
    assert notes and all(n["test"]["n"] == 24 for n in notes) and "McNemar" in doc["accuracy_basis"]
    assert main(["front", "--store", store]) == 0
    assert "McNemar p = " in capsys.readouterr().out
    empty = str(tmp_path / "empty.sqlite")
    Store(empty).close()  # an existing store without predictions (a typed missing one is refused)
    assert main(["results", "--store", empty, "--predictions", str(out)]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no per-image predictions" in err and "edgepareto eval" in err

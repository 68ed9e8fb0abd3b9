"""Evaluation against the fixtures: every one of the 48 published predictions, bad input, CSV, CLI."""

from __future__ import annotations

import csv
import json
import multiprocessing as mp
import os
import shutil
import signal
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from edgepareto.data.datasets import imagenet
from edgepareto.errors import DatasetError, EngineError
from edgepareto.eval import agreement, evaluate, wilson_interval
from edgepareto.eval.pool import chunk_bounds
from tests.conftest import FLOAT_MODEL, IMAGENET, QUANT_MODEL

EXPECTED = {
    QUANT_MODEL: "expected_top1_mobilenet_v1_0.25_128_quant",
    FLOAT_MODEL: "expected_top1_mobilenet_v1_0.25_128",
}


REFERENCE = {"pil-bilinear": "ground_truth.csv", "tf-slim": "expected_top1_tfslim.csv"}


def expected_top1(model: Path, preset: str = "pil-bilinear") -> dict[str, int]:
    """The fixture's top-1 per file, as 0-based class indices (the CSVs count the background as 0)."""
    col = EXPECTED[model]
    return {r["file"]: int(r[col]) - 1 for r in csv.DictReader((IMAGENET / REFERENCE[preset]).open())}


def predictions(result) -> dict[str, int]:
    return {Path(f).name: int(p) for f, p in zip(result.files, result.top1_predictions, strict=True)}


@pytest.mark.parametrize("model,workers", [(QUANT_MODEL, 1), (FLOAT_MODEL, 2)])
def test_tf_slim_reproduces_every_tfslim_prediction_and_is_the_default(model, workers, tmp_path, fixtures_dir):
    ds = imagenet(IMAGENET / "images", IMAGENET / "ground_truth.csv")
    pil = evaluate(model, ds, preset="pil-bilinear", workers=workers, cache_root=tmp_path)
    res = evaluate(model, ds, workers=workers, cache_root=tmp_path)  # same cache: the preset is in its key
    assert res.preprocessing["preset"] == "tf-slim" == res.to_json()["preprocessing_preset"]
    assert res.cache == {"hits": 0, "decoded": 24}  # never the pil-bilinear pixels of the same size
    assert predictions(res) == expected_top1(model, "tf-slim")  # 24 per model: all 48
    assert predictions(pil) == expected_top1(model, "pil-bilinear")
    assert predictions(res) != predictions(pil)  # 7 (quant) and 3 (float) images differ
    warm = evaluate(model, ds, preset="tf-slim", workers=workers, cache_root=tmp_path)
    assert warm.cache == {"hits": 24, "decoded": 0}  # float32 pixels come back from the cache bit for bit
    np.testing.assert_array_equal(warm.topk, res.topk)


@pytest.mark.parametrize("model,workers", [(QUANT_MODEL, 1), (FLOAT_MODEL, 2)])
def test_reproduces_every_fixture_prediction(model, workers, tmp_path, fixtures_dir):
    ds = imagenet(IMAGENET / "images", IMAGENET / "ground_truth.csv")
    cold = evaluate(model, ds, preset="pil-bilinear", workers=workers, cache_root=tmp_path)
    exp = expected_top1(model)
    got = {Path(f).name: int(p) for f, p in zip(cold.files, cold.top1_predictions, strict=True)}
    assert got == exp  # all 24 for this model: 48 over the two models
    assert cold.n == 24 and cold.cache == {"hits": 0, "decoded": 24}
    assert cold.top1 == sum(int(got[Path(f).name] == y) for f, y in zip(cold.files, cold.labels, strict=True)) / 24
    assert cold.preprocessing["label_offset"] == 1 and cold.preprocessing["crop_fraction"] == 0.875
    warm = evaluate(model, ds, preset="pil-bilinear", workers=workers, cache_root=tmp_path)
    assert warm.cache == {"hits": 24, "decoded": 0}
    np.testing.assert_array_equal(warm.topk, cold.topk)


def test_sidecar_naming_a_preset_is_used_and_recorded(tmp_path, fixtures_dir):
    model = tmp_path / QUANT_MODEL.name
    shutil.copy(QUANT_MODEL, model)
    Path(str(model) + ".preprocessing.json").write_text('{"preset": "pil-bilinear"}')
    ds = imagenet(IMAGENET / "images", IMAGENET / "ground_truth.csv")
    res = evaluate(model, ds, workers=1, cache=False)
    assert res.preprocessing["preset"] == "pil-bilinear" and res.preprocessing["label_offset"] == 1
    assert predictions(res) == expected_top1(QUANT_MODEL, "pil-bilinear")
    assert evaluate(model, ds, preset="tf-slim", limit=2, workers=1, cache=False).preprocessing["preset"] == "tf-slim"


def test_onnx_model_gives_the_same_predictions(tmp_path, fixtures_dir):
    tf2onnx = pytest.importorskip("tf2onnx")
    from edgepareto.engines import engine_names

    if "onnxruntime" not in engine_names():
        pytest.skip("the ONNX Runtime engine is not in this tree")
    onnx_path = tmp_path / "float.onnx"
    tf2onnx.convert.from_tflite(str(FLOAT_MODEL), opset=17, output_path=str(onnx_path))
    ds = imagenet(IMAGENET / "images", IMAGENET / "ground_truth.csv")
    res = evaluate(onnx_path, ds, preset="pil-bilinear", workers=1, cache_root=tmp_path)
    assert res.engine == "onnxruntime"
    got = {Path(f).name: int(p) for f, p in zip(res.files, res.top1_predictions, strict=True)}
    assert got == expected_top1(FLOAT_MODEL)


def test_unreadable_files_are_skipped_counted_and_listed(tmp_path, fixtures_dir):
    folder = tmp_path / "val"
    shutil.copytree(IMAGENET / "images", folder)
    (folder / "ILSVRC2012_val_00099999.JPEG").write_bytes(b"\xff\xd8 truncated jpeg")
    (folder / "README").write_text("hello")
    gt = tmp_path / "gt.csv"
    gt.write_text((IMAGENET / "ground_truth.csv").read_text() + "ILSVRC2012_val_00099999.JPEG,1,n01440764,x,1,1\n")
    ds = imagenet(folder, gt)
    pred = tmp_path / "out" / "pred.csv"
    res = evaluate(
        QUANT_MODEL,
        ds,
        workers=2,
        cache_root=tmp_path / "c",
        predictions=pred,
        labels=IMAGENET / "labels.txt",
        preset="pil-bilinear",
    )
    assert res.requested == 25 and res.n == 24
    assert sorted(Path(s["file"]).name for s in res.skipped) == ["ILSVRC2012_val_00099999.JPEG", "README"]
    rows = list(csv.DictReader(pred.open()))
    assert len(rows) == 24 and set(rows[0]) == {"file", "label", "top1", "top5", "label_name", "top1_name"}
    exp = expected_top1(QUANT_MODEL)
    names = (IMAGENET / "labels.txt").read_text().splitlines()
    for r in rows:
        assert int(r["top1"]) == exp[Path(r["file"]).name] == int(r["top5"].split()[0])
        assert r["top1_name"] == names[int(r["top1"]) + 1]
    assert np.mean([r["label"] == r["top1"] for r in rows]) == pytest.approx(res.top1)


def test_a_worker_that_dies_fails_the_run_instead_of_hanging(tmp_path, fixtures_dir):
    ds = imagenet(IMAGENET / "images", IMAGENET / "ground_truth.csv")  # 24 images: 6 chunks
    killed: list[int] = []

    def kill_a_worker(done: int, total: int) -> None:
        if not killed:
            victim = mp.active_children()[0].pid
            os.kill(victim, signal.SIGKILL)  # what the OOM killer or a segfaulting engine does
            killed.append(victim)

    with pytest.raises(EngineError, match=r"worker process died after \d+ of 24 images.*--workers 1"):
        evaluate(FLOAT_MODEL, ds, workers=2, cache_root=tmp_path, progress=kill_a_worker)
    assert killed and not mp.active_children()  # the other worker is not left behind


def test_ctrl_c_stops_the_workers(tmp_path, fixtures_dir):
    ds = imagenet(IMAGENET / "images", IMAGENET / "ground_truth.csv")

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        evaluate(FLOAT_MODEL, ds, workers=2, cache_root=tmp_path, progress=interrupt)
    assert not mp.active_children()


@pytest.mark.parametrize("total,workers", [(1, 1), (24, 2), (257, 2), (6000, 2), (50_000, 16)])
def test_chunks_cover_every_item_once_and_shrink_at_the_end(total, workers):
    b = chunk_bounds(total, workers)
    assert b[0][0] == 0 and b[-1][1] == total and all(x[1] == y[0] for x, y in pairwise(b))
    sizes = [stop - start for start, stop in b]
    assert max(sizes) <= 64 and all(x >= y for x, y in pairwise(sizes))
    if total >= 6000:
        assert sizes[0] == 64 and sizes[-1] <= 4  # big chunks while plenty remain, small ones at the end


def test_default_workers_follow_the_cpus_this_process_may_use():
    code = (
        "import os; from edgepareto.eval.pool import default_workers as d, SMALL_RUN as s; "
        "print(d(10_000), d(s - 1)); os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); print(d(10_000))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(len(os.sched_getaffinity(0))), "1", "1"]


def test_labels_with_wrong_count_and_limit(tmp_path, fixtures_dir):
    ds = imagenet(IMAGENET / "images", IMAGENET / "ground_truth.csv")
    bad = tmp_path / "labels.txt"
    bad.write_text("\n".join((IMAGENET / "labels.txt").read_text().splitlines()[1:]))  # 1000, no background
    with pytest.raises(DatasetError, match="1000 names but the model has 1001 outputs"):
        evaluate(QUANT_MODEL, ds, labels=bad, workers=1, cache=False)
    res = evaluate(QUANT_MODEL, ds, limit=5, workers=1, cache=False)
    assert res.n == 5 and res.requested == 5 and res.subset == "first 5"
    assert res.classes == 5 and res.dataset_classes == 1000 and res.to_json()["classes"] == 5
    assert evaluate(QUANT_MODEL, ds, limit=5, balanced=True, workers=1, cache=False).subset == "balanced 5"


def test_wilson_interval_known_values():
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.27753, abs=1e-5)
    lo, hi = wilson_interval(5, 10)
    assert (lo, hi) == (pytest.approx(0.23659, abs=1e-5), pytest.approx(0.76341, abs=1e-5))
    lo, hi = wilson_interval(9000, 10000)
    assert lo < 0.9 < hi and hi - lo == pytest.approx(2 * 1.96 * (0.09 / 10000) ** 0.5, rel=0.01)
    assert agreement([1, 2, 3, 4], [1, 2, 0, 4]) == 0.75


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edgepareto", *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_cli_eval_json_and_errors(tmp_path, fixtures_dir):
    r = _cli(
        "eval",
        str(QUANT_MODEL),
        "--dataset",
        "imagenet",
        "--data-dir",
        str(IMAGENET / "images"),
        "--ground-truth",
        str(IMAGENET / "ground_truth.csv"),
        "--limit",
        "6",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["n"] == 6 and set(doc) >= {"top1", "top5", "ci95_top1", "ci95_top5", "preprocessing"}
    assert doc["ci95_top1"][0] <= doc["top1"] <= doc["ci95_top1"][1]
    empty = tmp_path / "empty"
    empty.mkdir()
    r = _cli("eval", str(QUANT_MODEL), "--data-dir", str(empty), "--json")
    assert r.returncode == 2 and r.stdout == "" and r.stderr.strip().count("\n") == 0
    assert "no synset sub-folders" in r.stderr


@pytest.mark.parametrize("model", [QUANT_MODEL, FLOAT_MODEL])
def test_cli_eval_preprocessing_tf_slim_reproduces_the_tfslim_column(model, tmp_path, fixtures_dir):
    pred = tmp_path / "pred.csv"
    r = _cli(
        "eval",
        str(model),
        "--data-dir",
        str(IMAGENET / "images"),
        "--ground-truth",
        str(IMAGENET / "ground_truth.csv"),
        "--preprocessing",
        "tf-slim",
        "--predictions",
        str(pred),
        "--no-cache",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["preprocessing_preset"] == "tf-slim" and doc["preprocessing"]["decoder"] == "tf"
    got = {Path(row["file"]).name: int(row["top1"]) for row in csv.DictReader(pred.open())}
    assert got == expected_top1(model, "tf-slim")
    r = _cli("eval", str(model), "--data-dir", str(IMAGENET / "images"), "--preprocessing", "slim")
    assert r.returncode == 2 and "invalid choice: 'slim'" in r.stderr


def test_tf_slim_evaluation_never_imports_tensorflow(fixtures_dir):
    code = (
        "import sys; from edgepareto.data.datasets import imagenet; from edgepareto.eval import evaluate; "
        f"ds = imagenet({str(IMAGENET / 'images')!r}, {str(IMAGENET / 'ground_truth.csv')!r}); "
        f"r = evaluate({str(FLOAT_MODEL)!r}, ds, preset='tf-slim', limit=2, workers=1, cache=False); "
        "print(r.preprocessing['preset'], 'tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    assert out.stdout.split() == ["tf-slim", "False"]

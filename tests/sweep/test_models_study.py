"""Your own model files in one command: Google's fixture models and two files from `edgepareto export`,
measured on the 24 fixture ImageNet images (synset folders and a flat folder with a ground-truth CSV),
end to end in real processes: one store, the report, recommend, reruns that skip, Ctrl-C that loses nothing."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from edgepareto.bench import discover_host
from edgepareto.store import Store
from tests.conftest import FIXTURES

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("fixtures_dir")]


def cli(*args: str, home: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "EDGEPARETO_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "edgepareto", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def ok_json(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def work(tmp_path_factory, fixtures_dir) -> Path:
    """models/ (2 Google files + fp32/int8 exported at alpha 0.25, 96 px), synsets/, flat/ + gt.csv."""
    root = tmp_path_factory.mktemp("mine")
    images = fixtures_dir / "imagenet" / "images"
    rows = list(csv.DictReader((fixtures_dir / "imagenet" / "ground_truth.csv").open()))
    (root / "flat").mkdir()
    for r in rows:
        (root / "synsets" / r["synset"]).mkdir(parents=True, exist_ok=True)
        (root / "synsets" / r["synset"] / r["file"]).symlink_to(images / r["file"])
        (root / "flat" / r["file"]).symlink_to(images / r["file"])
    (root / "gt.csv").write_text("file,synset\n" + "".join(f"{r['file']},{r['synset']}\n" for r in rows))
    models = root / "models"
    models.mkdir()
    for f in sorted((fixtures_dir / "models").glob("*.tflite")):
        (models / f.name).write_bytes(f.read_bytes())
    ok_json(
        cli(
            "export",
            "mobilenet_v1",
            "--alpha",
            "0.25",
            "--resolution",
            "96",
            "--precision",
            "fp32,int8",
            "--out",
            str(models),
            "--json",
            home=root / "home",
        )
    )
    return root


def sweep_cmd(work: Path, store: Path, *extra: str) -> list[str]:
    return [
        "sweep",
        "--models",
        str(work / "models" / "*.tflite"),
        "--store",
        str(store),
        "--no-live",
        "--json",
        *extra,
    ]


@pytest.fixture(scope="module")
def clean(work) -> tuple[Path, dict]:
    """One uninterrupted sweep of the four files on the synset layout, report written."""
    store = work / "clean" / "results.sqlite"
    doc = ok_json(cli(*sweep_cmd(work, store, "--data-dir", str(work / "synsets")), home=work / "home"))
    return store, doc


def host_clusters() -> int:
    return len(discover_host().to_json().get("clusters") or [None])


def measured(store: Path) -> list:
    with Store(store) as s:
        return s.measurements(source="measured", include_noisy=True)  # a tiny model's latency may be stored noisy


def test_one_command_measures_every_file(work, clean):
    store, doc = clean
    assert doc["status"] == "finished" and doc["failed"] == 0, doc["failures"]
    recs = measured(store)
    with Store(store) as s:
        files = {a.sha256: Path(a.path).name for a in s.artifacts()}
    assert sorted(files.values()) == [
        "mobilenet_v1_0.25_128.tflite",
        "mobilenet_v1_0.25_128_quant.tflite",
        "mobilenet_v1_025_96.fp32.tflite",
        "mobilenet_v1_025_96.int8.tflite",
    ]
    for sha, name in files.items():
        mine = [r for r in recs if r.artifact_sha256 == sha]
        size = [r for r in mine if r.metric == "size_bytes"]
        assert len(size) == 1 and size[0].value == (work / "models" / name).stat().st_size
        for metric in ("top1", "top5"):
            (acc,) = [r for r in mine if r.metric == metric]
            # 24 images of ImageNet val: their own data set, never "imagenet-val" (all 50,000 images)
            assert acc.n == 24 and acc.dataset.startswith("imagenet-subset-") and acc.ci_low <= acc.value <= acc.ci_high
            assert acc.ci_high > acc.ci_low  # a Wilson interval, not a point
        lat = [r for r in mine if r.metric == "latency_ms"]
        assert len({r.device for r in lat}) == host_clusters() and all(r.value > 0 for r in lat)
    by_name = {r.variant.name: r.value for r in recs if r.metric == "top1"}
    # Google's files under TF-slim preprocessing: top-1 is what the fixture's expected predictions give.
    expected = list(csv.DictReader((FIXTURES / "imagenet" / "expected_top1_tfslim.csv").open()))
    for stem, variant in (
        ("mobilenet_v1_0.25_128", "mobilenet_v1_025_128_bg.fp32"),
        ("mobilenet_v1_0.25_128_quant", "mobilenet_v1_025_128_bg.uint8"),
    ):
        right = sum(r[f"expected_top1_{stem}"] == r["label_index"] for r in expected)
        assert by_name[variant] == pytest.approx(100 * right / 24)
    assert by_name["mobilenet_v1_025_128_bg.fp32"] > by_name["mobilenet_v1_025_96.fp32"]  # trained vs random
    variants = {r.variant.name for r in recs}
    assert {"mobilenet_v1_025_128_bg.uint8", "mobilenet_v1_025_96.int8"} <= variants  # names read, not guessed
    top1 = [r for r in recs if r.metric == "top1"]
    with Store(store) as s:  # every evaluation keeps its per-image top-5 on the same 24 images (issue 26)
        preds = {p.key: p for p in s.predictions()}
    assert sorted(preds) == sorted(r.key for r in top1) and len({p.images for p in preds.values()}) == 1
    for r in top1:
        assert preds[r.key].n == 24 and preds[r.key].artifact_sha256 == r.artifact_sha256
        assert 100 * preds[r.key].correct.mean() == pytest.approx(r.value)


def test_report_and_recommend_answer_from_the_files(work, clean):
    store, doc = clean
    md = Path(doc["report"]["markdown"]).read_text()
    yours = md.split("## Your models", 1)[1].split("\n## ", 1)[0]
    for name in (
        "mobilenet_v1_0.25_128.tflite",
        "mobilenet_v1_0.25_128_quant.tflite",
        "mobilenet_v1_025_96.fp32.tflite",
        "mobilenet_v1_025_96.int8.tflite",
    ):
        assert name in yours
    assert "alpha=0.25-UINT8 @128" in yours and "(n=24)" in yours and "Recommended per device" in yours
    assert md.index("## Your models") < md.index("## ILSVRC2012")  # the answer comes first
    device = measured(store)[-1].device
    rec = ok_json(
        cli(
            "recommend",
            "--store",
            str(store),
            "--device",
            device,
            "--max-latency-ms",
            "1000",
            "--json",
            home=work / "home",
        )
    )
    best = rec["recommendations"][0]
    assert best["variant"] == "mobilenet_v1_025_128_bg.fp32"  # the most accurate of the four, all measured
    assert set(best["sources"].values()) == {"measured"} and best["stand_in"] is None


def test_rerun_and_the_same_files_as_a_plan_skip_everything(work, clean):
    store, first = clean
    again = ok_json(
        cli(*sweep_cmd(work, store, "--data-dir", str(work / "synsets"), "--no-report"), home=work / "home")
    )
    assert again["done"] == 0 and again["skipped"] == first["tasks"] and again["new_records"] == 0
    human = [a for a in sweep_cmd(work, store, "--data-dir", str(work / "synsets"), "--dry-run") if a != "--json"]
    dry = cli(*human, home=work / "home")
    assert dry.returncode == 0, dry.stderr[-2000:]
    plan = work / "saved-plan.toml"
    plan.write_text(dry.stdout)  # the printed plan is a TOML file that loads back
    doc = ok_json(
        cli("sweep", str(plan), "--store", str(store), "--no-live", "--no-report", "--json", home=work / "home")
    )
    assert doc["tasks"] == first["tasks"] and doc["skipped"] == doc["tasks"] and doc["new_records"] == 0


def test_flat_folder_with_ground_truth_gives_the_same_accuracy(work, clean):
    store = work / "flat-store" / "results.sqlite"
    doc = ok_json(
        cli(
            *sweep_cmd(
                work, store, "--data-dir", str(work / "flat"), "--ground-truth", str(work / "gt.csv"), "--no-report"
            ),
            home=work / "home",
        )
    )
    assert doc["failed"] == 0, doc["failures"]

    def top(path: Path) -> dict[str, tuple[float, int, str]]:
        return {r.variant.name: (r.value, r.n, r.dataset) for r in measured(path) if r.metric in ("top1",)}

    assert top(store) == top(clean[0]) and len(top(store)) == 4  # the same images: the same data set, any layout


def test_ctrl_c_mid_study_loses_nothing(work, clean):
    store = work / "interrupted" / "results.sqlite"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "EDGEPARETO_HOME": str(work / "home")}
    cmd = [
        sys.executable,
        "-m",
        "edgepareto",
        *sweep_cmd(work, store, "--data-dir", str(work / "synsets"), "--no-report"),
    ]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 300
    while p.poll() is None and time.monotonic() < deadline:
        if store.exists() and any(r.metric == "top1" for r in measured(store)):
            break
        time.sleep(0.1)
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=120)
    before = {r.key: r.id for r in measured(store)}
    assert before, "nothing was recorded before Ctrl-C"
    doc = ok_json(cli(*sweep_cmd(work, store, "--data-dir", str(work / "synsets"), "--no-report"), home=work / "home"))
    assert doc["failed"] == 0, doc["failures"]
    after = {r.key: r.id for r in measured(store)}
    assert all(after[k] == v for k, v in before.items())  # kept, not redone
    assert set(after) == {r.key for r in measured(clean[0])}  # the same keys as an uninterrupted run
    with Store(store) as s:
        assert s.integrity_check() == "ok" and s.runs()[0]["status"] == "interrupted"


def test_files_it_cannot_use_are_one_line_each_and_the_rest_goes_on(work, fixtures_dir):
    mixed = work / "mixed"
    mixed.mkdir()
    (mixed / "mobilenet_v1_0.25_128_quant.tflite").write_bytes(
        (work / "models" / "mobilenet_v1_0.25_128_quant.tflite").read_bytes()
    )
    (mixed / "broken.tflite").write_text("not a flatbuffer")
    (mixed / "notes.txt").write_text("a file that is not a model")
    classes = work / "classes"
    for name, files in (
        ("cat", ["ILSVRC2012_val_00000347.JPEG"]),
        ("dog", ["ILSVRC2012_val_00003027.JPEG"]),
        ("empty", []),
    ):
        (classes / name).mkdir(parents=True)
        for f in files:
            (classes / name / f).symlink_to(fixtures_dir / "imagenet" / "images" / f)
    store = work / "mixed-store" / "results.sqlite"
    proc = cli(
        "sweep",
        "--models",
        str(mixed / "*"),
        "--models",
        str(work / "nowhere" / "*.onnx"),
        "--dataset",
        "folder",
        "--data-dir",
        str(classes),
        "--store",
        str(store),
        "--no-live",
        "--no-report",
        "--json",
        home=work / "home",
    )
    doc = json.loads(proc.stdout)
    errors = {f["task"]: f["error"] for f in doc["failures"]}
    assert all("\n" not in e for e in errors.values()) and len(errors) == 4, errors
    assert any("broken.tflite" in e for e in errors.values())
    assert any("notes.txt" in e and "not a model file" in e for e in errors.values())
    assert any("no file matches" in e for e in errors.values())
    assert any("1001 outputs" in e and "3 classes" in e for e in errors.values())  # labels do not match outputs
    metrics = {r.metric for r in measured(store)}
    assert {"size_bytes", "latency_ms"} <= metrics  # the usable file was still sized and timed


def test_bench_eval_and_import_record_into_the_store_once(work):
    store = work / "single" / "results.sqlite"
    quant = work / "models" / "mobilenet_v1_0.25_128_quant.tflite"
    bench = ["bench", str(quant), "--time-limit", "1", "--store", str(store), "--json"]
    evaluate = ["eval", str(quant), "--data-dir", str(work / "synsets"), "--store", str(store), "--json"]
    log = Path(__file__).resolve().parents[1] / "profile" / "logs" / "mobilenet_v1_0.25_128_quant_op_profiling.log"
    imported = ["bench", str(log), "--import", "--model", str(quant), "--device", "xu4 Cortex-A15", "--store",
                str(store), "--json"]  # fmt: skip
    for cmd in (bench, evaluate, imported):
        first = ok_json(cli(*cmd, home=work / "home"))["stored"]
        assert first["new_records"] >= 1 and first["variant"] == "mobilenet_v1_025_128_bg.uint8"
        count = len(measured(store))
        assert ok_json(cli(*cmd, home=work / "home"))["stored"]["new_records"] == 0
        assert len(measured(store)) == count  # a second identical call adds nothing
    device = next(r.device for r in measured(store) if r.metric == "latency_ms" and r.device != "xu4 Cortex-A15")
    for where in (device, "xu4 Cortex-A15"):
        front = ok_json(cli("front", "--store", str(store), "--device", where, "--json", home=work / "home"))
        assert [p["variant"] for p in front["points"]] == ["mobilenet_v1_025_128_bg.uint8"]
    memory = ok_json(cli("front", "--store", str(store), "--json", home=work / "home"))
    assert [o["metric"] for o in memory["objectives"]] == ["size_mb", "top1"]
    assert "mobilenet_v1_025_128_bg.uint8" in [p["variant"] for p in memory["points"]]
    report = ok_json(
        cli("report", "--store", str(store), "--out", str(work / "single" / "report"), "--json", home=work / "home")
    )
    md = Path(report["markdown"]).read_text()
    assert "mobilenet_v1_0.25_128_quant.tflite" in md.split("## Your models", 1)[1]


def test_stand_ins_are_marked_and_ranked_after_measured_points(work, fixtures_dir):
    """A built int8 file's latency beside Google's published top-1 is a stand-in; Google's files in hosted_dir
    are measured themselves (no stand-in built); recommend puts every measured point first."""
    random = work / "random"
    random.mkdir()
    for f in ("mobilenet_v1_025_96.fp32.tflite", "mobilenet_v1_025_96.int8.tflite"):
        (random / f).write_bytes((work / "models" / f).read_bytes())
    plan = work / "stand-in-plan.toml"
    plan.write_text(f"""
name = "stand-ins"
[recommend]
max_latency_ms = 1000
[[study]]
name = "seed"
kind = "imagenet-published"
alphas = [0.25]
precisions = ["int8"]
calibration_samples = 4
[[study]]
name = "hosted"
kind = "imagenet-published"
alphas = [0.25]
resolutions = [128]
precisions = ["fp32", "int8"]
hosted_dir = "{fixtures_dir / "models"}"
[[study]]
name = "mine"
kind = "models"
models = ["random/*.tflite"]
dataset = "imagenet"
data_dir = "synsets"
""")
    store = work / "stand-in" / "results.sqlite"
    doc = ok_json(cli("sweep", str(plan), "--store", str(store), "--no-live", "--json", home=work / "home"))
    assert doc["failed"] == 0, doc["failures"]
    with Store(store) as s:
        arts = {Path(a.path).name: a for a in s.artifacts()}
    google = {a.sha256 for n, a in arts.items() if n.startswith("mobilenet_v1_0.25_128")}
    assert len(google) == 2 and not any(n.startswith("mobilenet_v1_025_128") for n in arts)  # no stand-in built
    lat = [r for r in measured(store) if r.metric == "latency_ms"]
    assert google <= {r.artifact_sha256 for r in lat}  # Google's own files were timed
    device = lat[0].device
    front = ok_json(
        cli(
            "front",
            "--store",
            str(store),
            "--device",
            device,
            "--dataset",
            "imagenet-val",
            "--accept-noisy",
            "--json",
            home=work / "home",
        )
    )
    stand_ins = [p for p in front["points"] if p["stand_in"]]
    assert [p["variant"] for p in stand_ins] == ["mobilenet_v1_025_224.int8"]
    assert "int8 PTQ built here" in stand_ins[0]["stand_in"]
    # the report with noisy latencies shown (a loaded host stores this small file's latency noisy at times)
    rep = ok_json(cli("report", "--store", str(store), "--out", str(work / "rep-noisy"), "--accept-noisy", "--json",
                      home=work / "home"))  # fmt: skip
    md = Path(rep["markdown"]).read_text()
    assert "alpha=0.25-INT8 @224 (stand-in)" in md and "latency of a stand-in" in md
    rec = ok_json(
        cli(
            "recommend",
            "--store",
            str(store),
            "--device",
            device,
            "--max-latency-ms",
            "1000",
            "--top",
            "10",
            "--dataset",
            "imagenet-val",
            "--accept-noisy",
            "--json",
            home=work / "home",
        )
    )
    ranked = [(r["variant"], r["stand_in"] is not None) for r in rec["recommendations"]]
    assert ranked and ranked[-1] == ("mobilenet_v1_025_224.int8", True), ranked  # best top-1 of all, yet last
    # Google's files at 128 carry their own published top-1 (the page's 16 files, not only the 224 ones).
    assert {"mobilenet_v1_025_128_bg.fp32", "mobilenet_v1_025_128_bg.uint8"} <= {v for v, _ in ranked}
    assert all(not s for _, s in ranked[:-1])


def test_weighted_built_study_gets_measured_accuracy(work, tmp_path):
    """weights = PATH.h5: the built files are evaluated on data_dir (int8 calibrated there); "imagenet"
    offline without Keras's file is one line naming it, and the rest of the plan goes on."""
    weights = tmp_path / "w.weights.h5"
    code = (
        "from edgepareto.models import ModelConfig, build_model; "
        f"build_model(ModelConfig('mobilenet_v1', 0.25, 96), seed=3).save_weights({str(weights)!r})"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=300)
    plan = tmp_path / "weighted.toml"
    plan.write_text(f"""
name = "weighted"
[[study]]
name = "trained"
kind = "latency-only"
alphas = [0.25]
resolutions = [96]
precisions = ["fp32", "int8"]
calibration_samples = 4
weights = "{weights}"
data_dir = "{work / "synsets"}"
[[study]]
name = "imagenet-weights"
kind = "latency-only"
alphas = [0.25]
resolutions = [128]
precisions = ["fp32"]
weights = "imagenet"
""")
    store = tmp_path / "r" / "results.sqlite"
    env_home = tmp_path / "keras"  # an empty Keras cache: offline, nothing to load
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "EDGEPARETO_HOME": str(work / "home"),
        "KERAS_HOME": str(env_home),
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "edgepareto",
            "sweep",
            str(plan),
            "--store",
            str(store),
            "--no-live",
            "--no-report",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert proc.stdout, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)
    errors = [f["error"] for f in doc["failures"]]
    assert errors and all("mobilenet_2_5_128_tf.h5" in e and "\n" not in e for e in errors), errors
    recs = measured(store)
    top1 = {r.variant.name: r for r in recs if r.metric == "top1"}
    assert set(top1) == {"mobilenet_v1_025_96.fp32", "mobilenet_v1_025_96.int8"} and all(
        r.n == 24 for r in top1.values()
    )
    lat = {r.variant.name: r.artifact_sha256 for r in recs if r.metric == "latency_ms"}
    assert all(top1[v].artifact_sha256 == lat[v] for v in top1)  # accuracy and latency of one file: no stand-in
    with Store(store) as s:  # the built files' evaluations keep their per-image predictions too
        assert [p.n for p in s.predictions([r.key for r in top1.values()])] == [24, 24]


def test_a_measured_study_keeps_each_built_files_predictions(work, tmp_path):
    """kind = "measured": each built file's top-1 on the study's images comes with its per-image predictions."""
    plan = tmp_path / "measured.toml"
    plan.write_text(f"""
name = "measured-predictions"
[[study]]
name = "built"
kind = "measured"
alphas = [0.25]
resolutions = [96]
precisions = ["fp32"]
engines = ["litert"]
dataset = "imagenet"
data_dir = "{work / "synsets"}"
limit = 6
""")
    store = tmp_path / "r" / "results.sqlite"
    doc = ok_json(
        cli("sweep", str(plan), "--store", str(store), "--no-live", "--no-report", "--json", home=work / "home")
    )
    assert doc["failed"] == 0, doc["failures"]
    (top1,) = [r for r in measured(store) if r.metric == "top1"]
    with Store(store) as s:
        (preds,) = s.predictions([top1.key])
    assert preds.n == top1.n == 6 and preds.artifact_sha256 == top1.artifact_sha256
    assert 100 * preds.correct.mean() == pytest.approx(top1.value)

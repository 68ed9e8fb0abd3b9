"""Speed of measuring given files' accuracy: ``evaluate`` cold, and a study of 8 files at 4 resolutions,
against plain single-thread loops written by hand (decode, crop, resize, invoke, argmax).

Images: ``--images`` real-sized JPEGs (default 1,000) made from the 24 ImageNet fixture images: each
scaled to about 500x375 (the median ILSVRC2012 validation size), shifted, sometimes mirrored, and
encoded at quality 90, so every file is a distinct JPEG to decode. Both sides use the ``pil-bilinear``
pipeline (Pillow decode, central crop 0.875, Pillow bilinear resize, (x - 127.5) / 127.5 or raw uint8), and
the script checks that they predict the same top-1 for every image.

* one model (Google's ``mobilenet_v1_0.25_128``): the hand loop against ``evaluate`` with an empty input
  cache (cold: every JPEG decoded; worker start-up and cache writes included), end to end;
* 8 files at 4 resolutions (alpha 0.25, fp32 + int8 at 96/128/160/192, exported once and kept under
  ``$EDGEPARETO_HOME/bench-models``): 8 hand loops against the 8 evaluations a ``kind = "models"`` study runs
  (one input cache, cold at the start: each resolution decoded once, its second model reads the cache).

Timings on a shared machine are noisy: the load average is recorded before and after, and the ratios come
from one run so both sides share the machine. Targets: cold one-model >= 1.6x, the 8-file study >= 3x.

Run: .venv/bin/python benchmarks/models_study_speed.py [--images 1000]
Writes benchmarks/results/<host>/models_study_speed_<date>.{json,md}.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, write_results

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("EDGEPARETO_SHARED", ROOT.parent / "shared")) / "fixtures"
RESOLUTIONS = (96, 128, 160, 192)
TASKS: list[tuple[str, float]] = []  # (study task, seconds)


def make_images(n: int, folder: Path) -> Path:
    """``n`` distinct real-sized JPEGs from the fixture images, with a file,synset CSV; returns the CSV."""
    from PIL import Image

    rows = list(csv.DictReader((FIXTURES / "imagenet" / "ground_truth.csv").open()))
    folder.mkdir(parents=True)
    rng = random.Random(0)
    lines = ["file,synset"]
    for i in range(n):
        r = rows[i % len(rows)]
        img = Image.open(FIXTURES / "imagenet" / "images" / r["file"]).convert("RGB").resize((520, 390), Image.BICUBIC)
        dx, dy = rng.randrange(0, 21), rng.randrange(0, 16)
        img = img.crop((dx, dy, dx + 500, dy + 375))
        if rng.random() < 0.5:
            img = img.transpose(Image.FLIP_LEFT_RIGHT)
        name = f"ILSVRC2012_val_{i + 1:08d}.JPEG"
        img.save(folder / name, quality=90)
        lines.append(f"{name},{r['synset']}")
    gt = folder.parent / "gt.csv"
    gt.write_text("\n".join(lines) + "\n")
    return gt


def hand_loop(model: Path, files: list[Path]) -> tuple[float, np.ndarray]:
    """The plain loop: one single-thread interpreter; decode, crop, resize, normalise, invoke, argmax."""
    from ai_edge_litert.interpreter import Interpreter
    from PIL import Image

    t0 = time.perf_counter()
    it = Interpreter(model_path=str(model), num_threads=1)
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    size = int(inp["shape"][1])
    scale, zero = inp["quantization"]
    top = np.empty(len(files), np.int64)
    for k, f in enumerate(files):
        img = Image.open(f).convert("RGB")
        w, h = img.size
        left, upper = int((w - w * 0.875) / 2), int((h - h * 0.875) / 2)  # tf.image.central_crop box
        img = img.crop((left, upper, w - left, h - upper))
        x = np.asarray(img.resize((size, size), Image.BILINEAR), np.float32)
        if inp["dtype"] == np.float32:
            x = (x - 127.5) / 127.5
        elif inp["dtype"] == np.int8:
            x = np.round((x / 127.5 - 1.0) / scale + zero) if scale else x - 128
        it.set_tensor(inp["index"], x[None].astype(inp["dtype"]))
        it.invoke()
        scores = it.get_tensor(out["index"]).reshape(-1)
        top[k] = int(np.argmax(scores)) - (1 if scores.size == 1001 else 0)
    return time.perf_counter() - t0, top


def timed_eval(model: Path, dataset, cache_root: Path) -> tuple[float, np.ndarray, dict]:
    from edgepareto.eval import evaluate

    t0 = time.perf_counter()
    r = evaluate(model, dataset, preset="pil-bilinear", cache_root=cache_root)
    return time.perf_counter() - t0, r.top1_predictions, {"workers": r.workers, "cache": r.cache, "top1": r.top1}


def run_study(models: list[Path], tmp: Path) -> tuple[float, list[float]]:
    """The eval tasks of a ``kind = "models"`` study of ``models`` (no latency), timed end to end, cold cache."""
    from edgepareto.store import Store
    from edgepareto.sweep.models_study import expand_models
    from edgepareto.sweep.plan import StudyPlan
    from edgepareto.sweep.tasks import Context

    os.environ["EDGEPARETO_HOME"] = str(tmp / "home")  # an empty input cache
    study = StudyPlan(
        "speed",
        "models",
        models=tuple(str(m) for m in models),
        dataset="imagenet",
        data_dir=str(tmp / "val"),
        ground_truth=str(tmp / "gt.csv"),
        options={"preprocessing": "pil-bilinear"},
    )
    with Store(tmp / "study.sqlite") as store:
        t0 = time.perf_counter()
        ctx = Context(store, tmp / "artifacts")
        for task in expand_models(study, [], ctx):
            t = time.perf_counter()
            task.run(ctx)
            TASKS.append((task.label, round(time.perf_counter() - t, 3)))
        seconds = time.perf_counter() - t0
        by = {r.artifact_sha256: r.value for r in store.measurements(metric="top1")}
        order = {Path(a.path).name: a.sha256 for a in store.artifacts()}
    return seconds, [by[order[m.name]] for m in models]


def study_models(home: Path) -> list[Path]:
    """alpha 0.25 at 4 resolutions, fp32 and int8: exported once, then reused."""
    out = home / "bench-models"
    for res in RESOLUTIONS:
        if not (out / f"mobilenet_v1_025_{res}.int8.tflite").is_file():
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "edgepareto",
                    "export",
                    "mobilenet_v1",
                    "--alpha",
                    "0.25",
                    "--resolution",
                    str(res),
                    "--precision",
                    "fp32,int8",
                    "--out",
                    str(out),
                    "--json",
                ],
                check=True,
                capture_output=True,
            )
    return [out / f"mobilenet_v1_025_{r}.{p}.tflite" for r in RESOLUTIONS for p in ("fp32", "int8")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=1000)
    args = ap.parse_args()
    from edgepareto.artifacts import home
    from edgepareto.data.datasets import open_dataset

    models = study_models(home())
    google = FIXTURES / "models" / "mobilenet_v1_0.25_128.tflite"
    doc = {"machine": machine(), "images": args.images}
    with tempfile.TemporaryDirectory(prefix="edgepareto-speed-") as tmp:
        gt = make_images(args.images, Path(tmp) / "val")
        dataset = open_dataset("imagenet", Path(tmp) / "val", ground_truth=gt)
        files = [Path(f) for f in dataset.files]
        loop_s, loop_top = hand_loop(google, files)
        eval_s, eval_top, info = timed_eval(google, dataset, Path(tmp) / "cache-one")
        doc["one_model"] = {
            "hand_loop_s": loop_s,
            "evaluate_cold_s": eval_s,
            "ratio": loop_s / eval_s,
            "same_top1": bool((loop_top == eval_top).all()),
            **info,
        }
        loops = [hand_loop(m, files) for m in models]
        study_s, top1 = run_study(models, Path(tmp))
        want = [float((lt == dataset.labels).mean()) for _, lt in loops]
        doc["study"] = {
            "files": [m.name for m in models],
            "hand_loops_s": sum(s for s, _ in loops),
            "study_s": study_s,
            "ratio": sum(s for s, _ in loops) / study_s,
            "same_top1": [round(100 * w, 6) for w in want] == [round(t, 6) for t in top1],
            "tasks": TASKS,
        }
    doc["loadavg_at_end"] = os.getloadavg()
    one, st = doc["one_model"], doc["study"]
    md = "\n".join(
        [
            "# Accuracy of given files: evaluate vs hand-written single-thread loops",
            "",
            f"{args.images} real-sized JPEGs (~500x375, from the 24 fixture images), `pil-bilinear` on both sides; "
            f"machine: {doc['machine']['cpu']}, {doc['machine']['cores']} cores, load average "
            f"{tuple(round(x, 2) for x in doc['machine']['loadavg_at_start'])} at the start, "
            f"{tuple(round(x, 2) for x in doc['loadavg_at_end'])} at the end (a shared machine: ratios from one run).",
            "",
            "| case | hand loop(s) | edgepareto | ratio | target | same top-1 |",
            "|---|---:|---:|---:|---:|---|",
            f"| one model cold (Google 0.25_128, {one['workers']} workers) | {one['hand_loop_s']:.2f} s | "
            f"{one['evaluate_cold_s']:.2f} s | {one['ratio']:.2f}x | 1.6x | {one['same_top1']} |",
            f"| 8 files at 4 resolutions (one cold cache) | {st['hand_loops_s']:.2f} s | {st['study_s']:.2f} s | "
            f"{st['ratio']:.2f}x | 3x | {st['same_top1']} |",
            "",
        ]
    )
    write_results("models_study_speed", doc, md)
    print(md)


if __name__ == "__main__":
    main()

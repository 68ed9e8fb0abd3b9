"""Top-1/top-5 accuracy of a .tflite or .onnx model on labelled images, with Wilson 95% intervals.

Preprocessing is ``--preprocessing PRESET`` when given, else ``FILE.preprocessing.json`` beside the
model (a whole spec, or ``{"preset": "tf-slim"}``), else the ``tf-slim`` preset: TF-slim's exact
evaluation preprocessing (TensorFlow's JPEG decoder, central crop 0.875, TF1 bilinear resize without
antialiasing, (x - 0.5) * 2; uint8/int8 inputs from the tensor's scale and zero point; label offset 1
for 1001-output models). ``pil-bilinear`` resizes with Pillow's antialiasing filter instead;
``torchvision`` and ``keras-mobilenet`` follow those libraries' conventions. Decoded inputs are
cached on disk per preprocessing (``$EDGEPARETO_HOME/inputs``), and images are spread over worker processes, one
single-thread engine each. Unreadable files are skipped and listed; ``n`` counts only the
images actually evaluated.

  edgepareto eval mobilenet_v1_0.25_128_quant.tflite --dataset imagenet --data-dir val/ --json
  edgepareto eval m.tflite --dataset imagenet --data-dir flat/ --ground-truth gt.csv --predictions p.csv
  edgepareto eval m.int8.tflite --dataset fashion-mnist
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from edgepareto.data.presets import PRESETS
from edgepareto.validation import arg_int

HELP = "accuracy of a model file on ImageNet, an image folder or Fashion-MNIST (top-1/top-5, Wilson CIs)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="model file (.tflite or .onnx)")
    p.add_argument("--dataset", default="imagenet", choices=("imagenet", "folder", "fashion-mnist"))
    p.add_argument("--data-dir", type=Path, help="images: synset folders, a flat folder, or class folders")
    p.add_argument("--ground-truth", type=Path, help="labels of a flat ImageNet folder (devkit txt, file,synset CSV)")
    p.add_argument("--synset-order", type=Path, help="devkit synset order: 1000 wnids by ILSVRC2012_ID")
    p.add_argument("--labels", type=Path, help="names of the model's outputs, one per line (e.g. 1001 lines)")
    p.add_argument("--limit", type=arg_int(1), help="evaluate only N images: the first N sorted, or --balanced")
    p.add_argument(
        "--balanced",
        action="store_true",
        help="with --limit: take images round-robin over classes (synset folders are sorted by class)",
    )
    p.add_argument("--predictions", type=Path, help="write file,label,top1,top5,... per image to this CSV")
    p.add_argument("--engine", choices=("litert", "onnxruntime"), help="default: from the file suffix")
    p.add_argument(
        "--preprocessing",
        choices=PRESETS,
        help="preprocessing preset (default: the model's sidecar, else tf-slim, which Google's table used)",
    )
    p.add_argument("--workers", type=arg_int(1, 1024), help="worker processes (default: one per usable CPU)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the decoded-input cache")
    p.add_argument(
        "--store", type=Path, help="also record top-1/top-5 in this results store (keyed: a rerun adds nothing)"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from edgepareto.cli._output import err_console
    from edgepareto.data.datasets import open_dataset, read_labels
    from edgepareto.errors import ConfigError
    from edgepareto.eval import evaluate

    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {args.workers}")
    class_names = read_labels(args.labels) if args.labels is not None and args.dataset == "folder" else None
    dataset = open_dataset(
        args.dataset,
        args.data_dir,
        ground_truth=args.ground_truth,
        synset_order=args.synset_order,
        class_names=class_names,
    )
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} images/s"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console(), transient=True) as bar:
        task = bar.add_task(f"eval {args.file.name}", total=None, rate="–")
        t0 = time.perf_counter()

        def progress(done: int, total: int) -> None:
            rate = done / max(time.perf_counter() - t0, 1e-9)
            bar.update(task, completed=done, total=total, rate=f"{rate:,.0f}")

        result = evaluate(
            args.file,
            dataset,
            engine=args.engine,
            preset=args.preprocessing,
            limit=args.limit,
            balanced=args.balanced,
            workers=args.workers,
            labels=args.labels if args.dataset != "folder" else None,
            predictions=args.predictions,
            cache=not args.no_cache,
            progress=progress,
        )
    doc = result.to_json()
    if args.predictions is not None:
        doc["predictions"] = str(args.predictions)
    if args.store is not None:
        doc["stored"] = _stored(args, result)
    return doc


def _stored(args: argparse.Namespace, result: Any) -> dict[str, Any]:
    """The file and its accuracy in ``--store``, keyed as a ``kind = "models"`` study keys them."""
    from edgepareto.sweep import EvalData, record_eval

    data = EvalData(
        args.dataset,
        args.data_dir,
        args.ground_truth,
        args.synset_order,
        args.labels,
        args.limit,
        args.balanced,
        args.preprocessing,
    )
    return record_eval(args.store, result, args.file, data)


def render(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import table

    lo1, hi1 = doc["ci95_top1"]
    lo5, hi5 = doc["ci95_top5"]
    rows = [
        ("top-1", f"{100 * doc['top1']:.2f}%", f"[{100 * lo1:.2f}, {100 * hi1:.2f}]"),
        ("top-5", f"{100 * doc['top5']:.2f}%", f"[{100 * lo5:.2f}, {100 * hi5:.2f}]"),
    ]
    title = f"{Path(doc['model']).name} on {doc['dataset']} (n = {doc['n']:,}, {doc['subset']})"
    console.print(table(title, ["metric", "value", "95% Wilson"], rows, right=(1, 2)))
    console.print(f"preprocessing: {doc['preprocessing']['description']}; input {doc['input_encoding']}")
    console.print(
        f"engine {doc['engine']} ({doc['engine_version']}), {doc['workers']} worker(s), "
        f"{doc['images_per_s']:,.0f} images/s; cache hits {doc['cache']['hits']:,}, decoded {doc['cache']['decoded']:,}"
    )
    if doc["classes"] < doc["dataset_classes"]:
        hint = "; --balanced spreads --limit" if doc["subset"].startswith("first") else ""
        console.print(f"[yellow]these images cover {doc['classes']} of {doc['dataset_classes']} classes[/yellow]{hint}")
    if doc["skipped_count"]:
        console.print(f"[yellow]skipped {doc['skipped_count']} file(s)[/yellow] (not counted in n):")
        for s in doc["skipped"][:10]:
            console.print(f"  {s['file']}: {s['reason']}")
        if doc["skipped_count"] > 10:
            console.print(f"  … and {doc['skipped_count'] - 10} more (see --json)")
    if doc.get("predictions"):
        console.print(f"predictions written to {doc['predictions']}")
    if doc.get("stored"):
        s = doc["stored"]
        console.print(f"recorded in {s['store']} as {s['variant']} ({s['new_records']} new records)")

"""Anatomy of a TFLite file, read from its flatbuffer (the file is never executed).

Shows inputs/outputs with their quantization, operator counts, and how the bytes split
between weight buffers and everything else (graph, metadata, quantization parameters).
"""

from __future__ import annotations

import argparse
from typing import Any

HELP = "describe a .tflite file: I/O, quantization, operators, where the bytes go"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="path of a .tflite model")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.artifacts import inspect_tflite

    return inspect_tflite(args.file).to_json()


def render(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import table

    console.print(f"[bold]{doc['path']}[/bold]  {doc['bytes']:,} bytes  sha256 {doc['sha256'][:16]}…")
    rows = []
    for role in ("inputs", "outputs"):
        for t in doc[role]:
            q = "–" if t["scale"] is None else f"scale {t['scale']}, zero point {t['zero_point']}"
            rows.append((role[:-1], t["name"], str(t["shape"]), t["dtype"], q))
    console.print(table(None, ["role", "name", "shape", "dtype", "quantization"], rows))
    console.print(table("operators", ["operator", "count"], doc["operators"].items(), right=(1,)))
    total = doc["bytes"]
    parts = [
        ("weight buffers", doc["weight_bytes"]),
        ("metadata buffers", doc["metadata_bytes"]),
        ("quantization parameters", doc["quantization_param_bytes"]),
        ("graph and other", doc["other_bytes"]),
    ]
    console.print(
        table("bytes", ["part", "bytes", "share"], [(n, b, f"{100 * b / total:.2f}%") for n, b in parts], right=(1, 2))
    )

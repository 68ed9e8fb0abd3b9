"""What runs inside a Ray worker: each function gets what the driver shipped and returns plain data.

Bytes arrive through Ray's object store and land once per node in a content-addressed folder
(``blob_dir()``): an artifact by its sha256, an image by the sha256 of its bytes. A nested object
reference is fetched only when that node does not hold the file yet.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from edgepareto.artifacts import write_atomic
from edgepareto.compute.jobs import ConvertSpec, convert_into, train_alpha

Blob = tuple[str, str]  # (sha256, file name)


def blob_dir() -> Path:
    """This node's folder of shipped files (``$EDGEPARETO_RAY_BLOBS`` or the temp folder)."""
    env = os.environ.get("EDGEPARETO_RAY_BLOBS")
    root = Path(env) if env else Path(tempfile.gettempdir()) / f"edgepareto-ray-{os.getuid()}"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _land(blobs: list[Blob], refs: list[Any]) -> list[str]:
    """Local paths of ``blobs``; the bytes (one object for all, ``refs[0]``) are fetched only if one is missing."""
    paths = [blob_dir() / sha[:2] / sha / name for sha, name in blobs]
    missing = [i for i, p in enumerate(paths) if not p.is_file()]
    if missing:
        import ray

        data = ray.get(refs[0])
        for i in missing:
            write_atomic(paths[i], data[i])
    return [str(p) for p in paths]


def model_path(model: tuple[Any, ...]) -> str:
    """("path", p): read in place; ("blob", sha, name, [ref]): the node's copy of the artifact."""
    if model[0] == "path":
        return str(model[1])
    return _land([(model[1], model[2])], [model[3][0]])[0]


def eval_chunk(
    model: tuple[Any, ...],
    engine: str,
    spec: Any,
    chunk: tuple[Any, ...],
    start: int,
    names: list[str],
    classes: tuple[str, ...],
    cache_root: str | None,
    companions: tuple[Any, ...] = (),
) -> tuple[int, np.ndarray, np.ndarray, list[dict[str, str]], int]:
    """One chunk of an evaluation: items ``start`` .. ``start + len(names)`` of the driver's data set
    (``companions``: other models' specs whose cached inputs the same decode writes on this node)."""
    from edgepareto.data.datasets import ArrayDataset, Dataset
    from edgepareto.eval import evaluate_chunk

    n = len(names)
    if cache_root == "node":  # the driver's cache folder may not exist here: this node's own
        cache_root = str(blob_dir() / "input-cache")
    zeros = np.zeros(n, np.int64)
    if chunk[0] == "arrays":
        import ray

        ds: Dataset = ArrayDataset("chunk", "shipped arrays", classes, list(names), zeros, [], ray.get(chunk[1][0]))
    else:
        files = list(chunk[1]) if chunk[0] == "paths" else _land(chunk[1], chunk[2])
        ds = Dataset("chunk", "shipped images", classes, files, zeros)
    _, topk, ok, skipped, hits = evaluate_chunk(model_path(model), engine, spec, ds, 0, n, cache_root, companions)
    local = dict(zip(ds.files, names, strict=True))
    skipped = [{**s, "file": local.get(s["file"], s["file"])} for s in skipped]
    return start, topk, ok, skipped, hits


def convert(
    spec: ConvertSpec, calibration: tuple[Any, ...] | None, weights: tuple[Any, ...] | None = None
) -> list[tuple[str, bytes, Any, str]]:
    """Convert on this node: (file name, bytes, variant, scheme) per wanted file, in order."""
    if weights is not None:  # the weights file as model_path lands it (in place, or this node's copy)
        spec = dataclasses.replace(spec, weights=model_path(weights))
    with tempfile.TemporaryDirectory(prefix="edgepareto-ray-convert-") as tmp:
        if calibration is not None:  # the driver's calibration images, numbered to keep their order
            folder = Path(tmp) / "calibration"
            folder.mkdir()
            for i, p in enumerate(_land(calibration[0], calibration[1])):
                os.symlink(p, folder / f"{i:05d}-{Path(p).name}")
            spec = dataclasses.replace(spec, calibration_dir=str(folder))
        out = Path(tmp) / "out"
        out.mkdir()
        return [(Path(b.path).name, Path(b.path).read_bytes(), b.variant, b.scheme) for b in convert_into(spec, out)]


def train(alpha: float) -> list[tuple[Any, bytes]]:
    """The Fashion-MNIST study of one alpha on this node: (study record, artifact bytes) per precision."""
    return [(r, Path(r.artifact).read_bytes()) for r in train_alpha(alpha)]


def fingerprint() -> dict[str, Any]:
    """This node's host fingerprint (CPU clusters, core types, caches), as a board's agent reports it."""
    import platform
    import socket

    from edgepareto.bench import discover_host

    fp = discover_host().to_json()
    model = next((ln.split(":", 1)[1].strip() for ln in _cpuinfo() if ln.startswith("model name")), None)
    fp.setdefault("cpu_model", model or platform.machine())
    fp["hostname"] = socket.gethostname()
    return fp


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


def measure_latency(model: tuple[Any, ...], engine: str, threads: int, cluster: str | None, protocol: Any) -> Any:
    """Latency of the shipped artifact on this node (pinned to ``cluster``), crash-isolated as on the host."""
    from edgepareto.bench import measure

    return measure(model_path(model), engine=engine, threads=threads, cluster=cluster, protocol=protocol)

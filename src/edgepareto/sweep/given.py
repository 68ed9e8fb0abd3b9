"""Given model files (a user's own, Google's): their variant, their store keys, their records.

A given file is identified by its content (sha256), never by its path or the study that names
it, so the same file measured by ``sweep --models``, a plan's ``kind = "models"`` study,
``bench --store`` or ``eval --store`` lands on the same keys: a rerun skips, never duplicates.
Its variant comes from :meth:`Variant.parse` (this tool's names, Google's names), else from
its stem plus what the file declares (input size, dtype and quantization, output count).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgepareto.artifacts import Artifact, check_model_file, format_of, inspect_tflite, sha256_file
from edgepareto.data import EvaluatedSet
from edgepareto.errors import ConfigError, ModelFileError
from edgepareto.models import Precision, Variant
from edgepareto.store import Dataset, MeasurementRecord, Predictions, Store
from edgepareto.sweep.keys import digest, latency_key, protocol_id, size_key

DATASET_NAMES = {"imagenet": "imagenet-val", "fashion-mnist": "fashion-mnist-test"}
_QUANT_OPS = {"QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul", "ConvInteger"}


@dataclass(frozen=True)
class Declared:
    """What a model file says of itself: input side, input dtype, output count, how it holds its weights."""

    resolution: int
    input_dtype: str
    outputs: int
    weights: str  # the dominant weight dtype ("float32", "float16", "int8", "uint8")
    quantized: bool  # integer operators or quantize nodes inside

    def __post_init__(self) -> None:
        if self.resolution < 1 or self.outputs < 1:
            raise ConfigError(f"declared resolution and outputs must be positive: {self.resolution}, {self.outputs}")

    @property
    def precision(self) -> Precision:
        dtype = self.input_dtype.lower()
        if dtype in ("uint8", "int8"):
            return Precision.parse(dtype)
        if self.weights == "float16":
            return Precision.FP16
        if self.weights in ("int8", "uint8"):  # integer weights, float input: quantize nodes = full integer inside
            return Precision.INT8 if self.quantized else Precision.INT8_DYNAMIC
        return Precision.FP32

    @property
    def hints(self) -> dict[str, Any]:
        background = self.outputs == 1001
        return {
            "precision": self.precision,
            "resolution": self.resolution,
            "num_classes": 1000 if background else self.outputs,
            "background": background,
        }


def declared(path: str | Path) -> Declared:
    """Read a .tflite or .onnx file's inputs, outputs and weights without running it."""
    path = Path(path)
    fmt = format_of(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: model file not found")
    check_model_file(path)  # a device, an endless procfs file or 3 GB of something else: refused unread
    return _declared_tflite(path) if fmt == "tflite" else _declared_onnx(path)


def _side(shape: list[int], where: Path, name: str = "input") -> int:
    """The image side of an input shape as the file stores it (-1 or 0 where a dimension is unknown)."""
    dims = [int(d) for d in shape]
    if len(dims) != 4:
        raise ModelFileError(f"{where}: input shape {dims} is not one image (N, H, W, C or N, C, H, W)")
    nchw = dims[1] in (1, 3) and dims[3] not in (1, 3)
    hw = dims[2:4] if nchw else dims[1:3]
    if min(hw) < 1:  # Input((None, None, 3)): any size runs, so none is the model's (LiteRT would run 1x1)
        shown = [d if d > 0 else "?" for d in dims]
        raise ModelFileError(
            f"{where}: input {name!r} has no fixed height/width ({shown}); export the model with a fixed "
            "input size (e.g. keras.Input((224, 224, 3)))"
        )
    return hw[0]


def _declared_tflite(path: Path) -> Declared:
    a = inspect_tflite(path)
    if len(a.inputs) != 1 or not a.outputs:
        raise ModelFileError(f"{path}: expected one image input and a score output, got {len(a.inputs)} inputs")
    outputs = 1
    for d in a.outputs[0].shape:
        outputs *= max(int(d), 1)
    weights = Counter({k.lower(): v for k, v in a.weight_dtypes.items() if k.upper() != "INT32"})
    dominant = weights.most_common(1)[0][0] if weights else "float32"
    quant = any(op in a.operators for op in ("QUANTIZE", "DEQUANTIZE")) and dominant != "float16"
    inp = a.inputs[0]
    return Declared(_side(inp.shape_signature or inp.shape, path, inp.name), inp.dtype, outputs, dominant, quant)


def _declared_onnx(path: Path) -> Declared:
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # a damaged or foreign file: onnx raises many kinds
        raise ModelFileError(f"{path}: not a readable ONNX model ({type(exc).__name__})") from exc
    init = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in init]
    if len(inputs) != 1 or not model.graph.output:
        raise ModelFileError(f"{path}: expected one image input and a score output, got {len(inputs)} inputs")

    def dims(value: Any) -> list[int]:
        return [d.dim_value if d.dim_value > 0 else 1 for d in value.type.tensor_type.shape.dim]

    elem = onnx.helper.tensor_dtype_to_np_dtype(inputs[0].type.tensor_type.elem_type).name
    outputs = 1
    for d in dims(model.graph.output[0]):
        outputs *= d
    weights = Counter(onnx.helper.tensor_dtype_to_np_dtype(i.data_type).name for i in model.graph.initializer)
    dominant = weights.most_common(1)[0][0] if weights else "float32"
    quant = any(n.op_type in _QUANT_OPS for n in model.graph.node)
    stored = [d.dim_value if d.dim_value > 0 else -1 for d in inputs[0].type.tensor_type.shape.dim]  # symbolic: -1
    return Declared(_side(stored, path, inputs[0].name), elem, outputs, dominant, quant)


def variant_of_file(path: str | Path) -> Variant:
    """The file's variant: its name when this tool or Google wrote it, else its stem plus what it declares."""
    d = declared(path)
    try:
        return Variant.parse(Path(path).name, **d.hints)
    except ConfigError as exc:
        raise ModelFileError(f"{path}: {exc}") from exc


def scheme_of(d: Declared) -> str:
    return (
        f"given file: input {d.input_dtype} {d.resolution}x{d.resolution}, {d.outputs} outputs, "
        f"weights {d.weights}{', quantized operators' if d.quantized else ''}"
    )


# -- keys: from the file's content, never its path --------------------------------------------


def given_recipe(sha256: str) -> str:
    return digest({"kind": "given", "sha256": sha256})


def accuracy_key_of(sha256: str, dataset: dict[str, Any], metric: str) -> str:
    """``dataset``: what was evaluated (kind, folder, ground truth, subset, preprocessing, engine)."""
    return digest({"accuracy_of": sha256, "dataset": dataset, "metric": metric})


@dataclass(frozen=True)
class EvalData:
    """What one evaluation ran on besides the file: the data set, how its labels are read, which images and
    which preprocessing (``None``: the file's sidecar, else the default). One object for ``eval --store`` and a
    sweep, so both key the same evaluation alike."""

    kind: str
    data_dir: str | Path | None = None
    ground_truth: str | Path | None = None
    synset_order: str | Path | None = None
    labels: str | Path | None = None
    limit: int | None = None
    balanced: bool = False
    preprocessing: str | None = None

    def __post_init__(self) -> None:
        if not self.kind:
            raise ConfigError("an evaluation's data set needs a kind (imagenet, fashion-mnist, folder)")
        if self.limit is not None and self.limit < 1:
            raise ConfigError(f"an evaluation's limit must be at least 1 image, got {self.limit}")


def accuracy_ident(model: str | Path, data: EvalData, *, engine: str) -> dict[str, Any]:
    """What one evaluation depends on besides the file: the same in ``eval --store`` and a sweep."""
    from edgepareto.data.preprocessing import read_sidecar

    def where(p: str | Path | None) -> str | None:
        return None if p is None else str(Path(p).expanduser().resolve())

    preset = data.preprocessing
    sidecar = read_sidecar(model) if preset is None else None
    prep = preset or (f"sidecar:{digest(sidecar, 12)}" if sidecar is not None else "default")
    return {"dataset": data.kind, "data_dir": where(data.data_dir), "ground_truth": where(data.ground_truth),
            "synset_order": where(data.synset_order), "labels": where(data.labels), "limit": data.limit,
            "balanced": bool(data.balanced and data.limit), "preprocessing": prep, "engine": engine}  # fmt: skip


def given_latency_key(sha256: str, engine: str, threads: int, device: str, protocol: str) -> str:
    return latency_key(given_recipe(sha256), engine, threads, device, protocol)


# -- records ----------------------------------------------------------------------------------


def adopt(store: Store, path: str | Path, *, variant: Variant | None = None, run_id: int | None = None) -> Artifact:
    """Record a given file (in place: never copied) with its size and anatomy; idempotent."""
    path = Path(path).resolve()
    d = declared(path)
    sha = sha256_file(path)
    v = variant or variant_of_file(path)
    recipe = given_recipe(sha)
    art = Artifact.from_file(path, v, scheme_of(d), recipe, sha256=sha, origin="given")
    size = MeasurementRecord(
        variant=v,
        metric="size_bytes",
        value=float(art.bytes),
        source="measured",
        artifact_sha256=sha,
        n=1,
        notes=f"file size of {path.name} ({art.format}; given file)",
        key=size_key(recipe),
        record={"weight_bytes": art.weight_bytes, "path": art.path, "declared": d.__dict__},
    )
    store.add_artifact(art, [size], run_id=run_id)  # one transaction: no artifact without its size
    return art


def dataset_name(kind: str, data_dir: str | Path | None) -> str:
    """The name of the set the images come from (``imagenet-val``, ``folder-<dir>``); what was evaluated is
    named by :func:`evaluated_set`: only all 50,000 ImageNet validation images keep ``imagenet-val``."""
    if kind in DATASET_NAMES:
        return DATASET_NAMES[kind]
    return f"folder-{Path(str(data_dir)).resolve().name}"


def evaluated_set(ident: dict[str, Any], result: Any) -> EvaluatedSet:
    """The identity of the images one evaluation ran on: kind, name, n, classes and the hash of its
    (file, label) list (a result without its per-image list is hashed by its source, subset and n)."""
    kind, base = ident["dataset"], dataset_name(ident["dataset"], ident.get("data_dir"))
    files, labels = tuple(getattr(result, "files", ()) or ()), getattr(result, "labels", ())
    if files and len(files) == len(labels):
        return EvaluatedSet.of(kind, base, files, labels)
    return EvaluatedSet(
        kind,
        base,
        int(result.n),
        max(int(result.classes or 0), 1),
        digest({"source": result.source, "subset": result.subset, "n": result.n}, 32),
    )


def record_accuracy(
    store: Store,
    result: Any,
    art: Artifact,
    ident: dict[str, Any],
    *,
    run_id: int | None = None,
    key_of: str | None = None,
) -> int:
    """top-1/top-5 of one evaluation of ``art``, keyed by the file's content (or ``key_of``: a built file's
    recipe, known before it is built) and what it was evaluated on."""
    evaluated = evaluated_set(ident, result)
    name = evaluated.name
    if name not in {d.name for d in store.datasets()}:  # never rename a known set (imagenet-val's 50,000)
        store.add_dataset(Dataset(name, evaluated.description, evaluated.n, None))
    doc = {**{k: v for k, v in result.to_json().items() if k != "skipped"}, "dataset_identity": evaluated.to_json()}
    recs = MeasurementRecord.from_accuracy(
        result,
        variant=art.variant,
        dataset=name,
        artifact_sha256=art.sha256,
        key=lambda metric: accuracy_key_of(key_of or art.sha256, ident, metric),
        engine=result.engine,
        engine_version=result.engine_version,
        notes=f"Wilson 95% interval; {result.subset} of {result.source}",
        record=doc,
    )
    top1 = next(r.key for r in recs if r.metric == "top1")
    kept = len(getattr(result, "topk", ())) == len(result.files) > 0  # a result without per-image rows keeps none
    preds = Predictions.of_result(result, key=top1, artifact_sha256=art.sha256, dataset=name) if kept else None
    return store.add_many(recs, run_id=run_id, predictions=preds)


def record_latency(
    store: Store, m: Any, art: Artifact, device: str, protocol: str, *, run_id: int | None = None
) -> int:
    """One latency measurement of ``art`` on ``device`` (a failed one replaces nothing that was ok)."""
    key = given_latency_key(art.sha256, m.engine, int(m.threads), device, protocol)
    store.forget_failed(key)
    return store.add_many(
        MeasurementRecord.from_latency(m, device=device, artifact=art, key=key, protocol_name=protocol), run_id=run_id
    )


def store_bench(store: Store, m: Any, path: str | Path, overrides: dict[str, Any]) -> dict[str, Any]:
    """``bench --store``: the file and its latency on the host device it ran on, keyed as a sweep keys them."""
    from edgepareto.sweep.devices import host_device_for

    device = host_device_for(m.cpus)
    store.add_device(device)
    art = adopt(store, path)
    new = record_latency(store, m, art, device.name, protocol_id(str(m.protocol.get("name")), overrides))
    return {"store": str(store.path), "device": device.name, "variant": art.variant.name, "new_records": new}


def store_imported(
    store: Store, m: Any, log: str | Path, model: str | Path | None, device: str | None, *, force: bool = False
) -> dict[str, Any]:
    """``bench LOG --import --store``: a benchmark_model run recorded against the file it ran and the device named.

    A log that contradicts the file (another graph, size or op table: :mod:`edgepareto.sweep.log_identity`)
    is refused before anything is stored; ``force`` records it with the mismatch in its notes.
    """
    from edgepareto.store import Device

    if not device:
        raise ConfigError(
            "bench --import --store needs --device NAME: where the log was measured (e.g. 'xu4 Cortex-A15')"
        )
    named = Path(str(model or m.model))
    if not named.is_file():
        raise ConfigError(f"the log names model {named}, not found here; pass --model FILE (the file that was run)")
    found = check_imported(m, log, named, force=force)
    store.add_device(Device(device, "board", {"imported_from": str(log)}))
    art = adopt(store, named)
    key = digest({"imported_latency_of": art.sha256, "log": sha256_file(Path(log)), "device": device})
    recs = MeasurementRecord.from_latency(m, device=device, artifact=art, key=key, protocol_name="benchmark_model")
    if m.median_ms is None and m.mean_ms is not None and m.status == "ok":  # most benchmark_model logs print avg only
        recs = [
            dataclasses.replace(
                recs[0],
                value=float(m.mean_ms),
                status="ok",
                error=None,
                notes="mean of the log's runs: benchmark_model printed no median",
            )
        ]
    if found:
        mismatch = "recorded with --force, the log contradicts the file: " + "; ".join(found)
        recs = [dataclasses.replace(r, notes="; ".join(x for x in (r.notes, mismatch) if x)) for r in recs]
    new = store.add_many(recs)
    out = {"store": str(store.path), "device": device, "variant": art.variant.name, "new_records": new}
    return {**out, "mismatch": found} if found else out


def check_imported(m: Any, log: str | Path, model: Path, *, force: bool = False) -> list[str]:
    """What the log contradicts in ``model`` (``force``: returned to be noted; else refused in one line naming both)."""
    from edgepareto.sweep.log_identity import contradictions

    found = contradictions(m, model)
    if found and not force:
        raise ConfigError(
            f"{log} is not a log of {model}: {'; '.join(found)}; pass the file it ran as --model, "
            "or --force to record it with the mismatch noted"
        )
    return found


def model_files(patterns: tuple[str, ...]) -> tuple[list[Path], list[str]]:
    """The files the globs name, in order, once each; plus one line per pattern that matched nothing."""
    import glob

    files: dict[Path, None] = {}
    empty = []
    for pattern in patterns:
        hits = sorted(Path(p) for p in glob.glob(pattern, recursive=True))
        hits = [p for p in hits if p.is_file() and not p.name.endswith(".preprocessing.json")]
        if not hits:
            empty.append(f"{pattern}: no file matches; check the glob (relative to the plan file)")
        for p in hits:
            files[p.resolve()] = None
    return list(files), empty


__all__ = [
    "Declared",
    "EvalData",
    "accuracy_ident",
    "accuracy_key_of",
    "adopt",
    "check_imported",
    "dataset_name",
    "declared",
    "evaluated_set",
    "given_latency_key",
    "given_recipe",
    "model_files",
    "record_accuracy",
    "record_latency",
    "scheme_of",
    "store_bench",
    "store_imported",
    "variant_of_file",
]

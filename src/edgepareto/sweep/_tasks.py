"""Expand a plan into tasks, each with the store keys that say whether it is already done.

Every key is known before anything runs, so a rerun skips finished work without
rebuilding anything: an artifact is identified by its *recipe* (what built it: variant,
seed, calibration, converter version), a size by its recipe, a latency by (recipe, engine,
threads, device, protocol), an accuracy by (study, variant, dataset, metric).
The producers of the latency (``edgepareto.bench``) and accuracy (``edgepareto.train``)
records are imported only when a task needs them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgepareto.artifacts.verify import is_intact
from edgepareto.errors import EdgeParetoError
from edgepareto.models import ModelConfig
from edgepareto.store import ArtifactRecord, Dataset, MeasurementRecord, Store, Variant
from edgepareto.sweep._faults import fault_point
from edgepareto.sweep.plan import StudyPlan

log = logging.getLogger(__name__)

FASHION_DATASET = Dataset(
    "fashion-mnist-test",
    "Fashion-MNIST test set (10,000 28x28 grey images, 10 classes)",
    10000,
    "Xiao, Rasul, Vollgraf, Fashion-MNIST (2017), Debian package dataset-fashion-mnist",
)
FORMAT_OF_ENGINE = {"litert": "tflite", "onnxruntime": "onnx"}


class MissingProducer(EdgeParetoError):
    """A module the sweep calls (latency or training) is not installed in this tree."""


class TaskFailed(EdgeParetoError):
    """A task ran but left a record it promises missing or failed (counted as a failure in the summary)."""


def digest(obj: Any, n: int = 24) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:n]


@dataclass
class Context:
    """What every task needs while it runs."""

    store: Store
    artifacts_dir: Path
    run_id: int | None = None
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)  # device name -> {"cluster": ..., "cpus": ...}
    builders: dict[str, Callable[[Context], Any]] = field(default_factory=dict)
    progress: Callable[[str], None] | None = None  # what the task in flight is doing, for the live view

    def artifact(self, recipe: str) -> ArtifactRecord:
        """The artifact a recipe built, building it again if its file is gone."""
        art = self.store.artifact_by_recipe(recipe)
        if art is None:
            self.builders[recipe](self)
            art = self.store.artifact_by_recipe(recipe)
        if art is None:
            raise EdgeParetoError(f"artifact for recipe {recipe} was not produced; see the sweep log")
        return art


@dataclass
class Task:
    kind: str  # convert | train | latency
    study: str
    label: str
    keys: tuple[str, ...]
    estimate_s: float
    run: Callable[[Context], int]  # returns how many new records it wrote
    job: dict[str, Any] | None = None  # latency: what a board farm needs (recipe, engine, threads, device, ...)

    def done(self, store: Store) -> bool:
        return all(store.has(k) for k in self.keys)

    def check(self, store: Store) -> None:
        """After a run: raise (one line) unless every promised record is there; a failed record gives the reason."""
        missing = [k for k in self.keys if not store.has(k)]
        if missing:
            reason = next((e for e in map(store.failure, missing) if e), None)
            raise TaskFailed(reason or f"finished without {len(missing)} of its {len(self.keys)} records; see the log")


# -- conversion (ImageNet-shaped variants built here) ---------------------------------------


def _converter_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("tensorflow-cpu")
    except metadata.PackageNotFoundError:
        return "unknown"


def recipe_of(study: StudyPlan, config: ModelConfig, precision: str, fmt: str) -> str:
    return digest(
        {
            "kind": "convert",
            "variant": f"{config.name}.{precision}",
            "format": fmt,
            "seed": study.seed,
            "calibration": [study.calibration_samples, study.calibration_dir] if precision == "int8" else None,
            "converter": _converter_version(),
        }
    )


def _register(ctx: Context, path: Path, variant: Variant, scheme: str, recipe: str) -> ArtifactRecord:
    """Move a fresh file into the content-addressed artifact folder and record it with its size."""
    from edgepareto.convert.tflite import sha256_file

    sha = sha256_file(path)
    dest = ctx.artifacts_dir / sha[:16] / path.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not is_intact(dest, sha):  # absent, or a damaged copy of the same content: written again
        tmp = dest.with_name(f".{dest.name}.{sha[:8]}.tmp")
        shutil.copyfile(path, tmp)
        tmp.replace(dest)
    fault_point("artifact-file")
    anatomy, weight_bytes = None, None
    if dest.suffix == ".tflite":
        from edgepareto.artifacts import inspect_tflite

        a = inspect_tflite(dest)
        weight_bytes = a.weight_bytes
        anatomy = {"weight_bytes": a.weight_bytes, "other_bytes": a.bytes - a.weight_bytes, "operators": a.operators}
    fmt = "onnx" if dest.suffix == ".onnx" else "tflite"
    art = ArtifactRecord(sha, variant, fmt, str(dest), dest.stat().st_size, scheme, weight_bytes, recipe, anatomy)
    size = MeasurementRecord(
        variant=variant,
        metric="size_bytes",
        value=float(art.bytes),
        source="measured",
        artifact_sha256=sha,
        n=1,
        notes=f"file size of {dest.name} ({fmt}; {scheme})",
        record={"weight_bytes": weight_bytes, "path": str(dest)},
        key=size_key(recipe),
    )
    ctx.store.add_artifact(art, [size], run_id=ctx.run_id)  # one transaction: no artifact without its size
    fault_point("artifact-row")
    return art


def size_key(recipe: str) -> str:
    return digest({"size_of": recipe})


def _home_cache(recipe: str) -> Path:
    from edgepareto.eval.cache import home

    return home() / "artifacts" / recipe


def _from_home_cache(ctx: Context, recipe: str, variant: Variant) -> bool:
    """Register the artifact a recipe built in an earlier checkout (``$EDGEPARETO_HOME``), if intact."""
    from edgepareto.convert.tflite import sha256_file

    meta_path = _home_cache(recipe) / "artifact.json"
    try:
        meta = json.loads(meta_path.read_text())
        path = meta_path.parent / meta["file"]
        if not path.is_file() or sha256_file(path) != meta["sha256"]:
            return False
    except (OSError, ValueError, KeyError):
        return False
    _register(ctx, path, variant, meta["scheme"], recipe)
    return True


def _reuse(ctx: Context, recipe: str, variant: Variant) -> bool:
    """True when the recipe's artifact is intact in the store or the home cache, with its size recorded."""
    art = ctx.store.artifact_by_recipe(recipe)  # None when the file is gone or its sha256 differs
    if art is None:
        return _from_home_cache(ctx, recipe, variant)
    if not ctx.store.has(size_key(recipe)):  # the size record was lost: written again, nothing rebuilt
        _register(ctx, Path(art.path), art.variant, art.scheme, recipe)
    return True


def _to_home_cache(recipe: str, path: Path, scheme: str) -> None:
    """Keep a converted file by recipe so a fresh checkout (new store) skips the conversion."""
    from edgepareto.convert.tflite import sha256_file, write_atomic

    folder = _home_cache(recipe)
    try:
        write_atomic(folder / path.name, path.read_bytes())
        fault_point("home-cache")
        meta = {"file": path.name, "sha256": sha256_file(folder / path.name), "scheme": scheme}
        write_atomic(folder / "artifact.json", json.dumps(meta).encode())
    except (OSError, EdgeParetoError) as exc:  # a cache that cannot be written only costs time
        log.warning("cannot cache %s in %s: %s", path.name, folder, exc)


def _convert_group(study: StudyPlan, config: ModelConfig, wanted: list[tuple[str, str, str]]) -> Callable:
    """A builder for the given (precision, format, recipe) triples of one config (one Keras build)."""

    def build(ctx: Context) -> ArtifactRecord | None:
        from edgepareto.convert import export_variant
        from edgepareto.models import build_model

        todo = [w for w in wanted if not _reuse(ctx, w[2], Variant.of(config, w[0]))]
        if not todo:
            return None
        _fresh_keras_session()
        model = build_model(config, seed=study.seed)
        calib = Path(study.calibration_dir) if study.calibration_dir else None
        with tempfile.TemporaryDirectory(prefix="edgepareto-convert-") as tmp:
            tflite = [w for w in todo if w[1] == "tflite"]
            if tflite:
                arts = export_variant(
                    config,
                    [w[0] for w in tflite],
                    Path(tmp),
                    model=model,
                    calibration_dir=calib,
                    calibration_samples=study.calibration_samples,
                )
                for art, (precision, _, recipe) in zip(arts, tflite, strict=True):
                    _register(ctx, Path(art.path), Variant.of(config, precision), art.scheme, recipe)
                    _to_home_cache(recipe, Path(art.path), art.scheme)
            onnx = [w for w in todo if w[1] == "onnx"]
            if onnx:
                for precision, path, scheme in _export_onnx(config, [w[0] for w in onnx], Path(tmp), model, study):
                    recipe = next(w[2] for w in onnx if w[0] == precision)
                    _register(ctx, path, Variant.of(config, precision), scheme, recipe)
                    _to_home_cache(recipe, path, scheme)
        return None

    return build


def _fresh_keras_session() -> None:
    """Forget the models built before in this process: Keras numbers auto-named layers per process
    (``input_layer_1``), so without this a recipe's bytes, and its sha256, depend on what a sweep built first."""
    import keras

    keras.backend.clear_session()


def _export_onnx(
    config: ModelConfig, precisions: list[str], out: Path, model: Any, study: StudyPlan
) -> list[tuple[str, Path, str]]:
    try:
        from edgepareto.convert import onnx as onnx_convert  # issue 3
    except ImportError as exc:
        raise MissingProducer(
            "ONNX export (edgepareto.convert.onnx, issue 3) is not in this tree; drop onnxruntime from the plan"
        ) from exc
    fn = getattr(onnx_convert, "export_onnx", None) or getattr(onnx_convert, "export_variant", None)
    if fn is None:
        raise MissingProducer(
            "edgepareto.convert.onnx has no export_onnx/export_variant; drop onnxruntime from the plan"
        )
    arts = fn(config, precisions, out, model=model, calibration_samples=study.calibration_samples)
    return [(a.precision, Path(a.path), a.scheme) for a in arts]


def _convert_estimate(config: ModelConfig, n: int) -> float:
    scale = config.alpha**2 * (config.resolution / 224) ** 2
    return 6.0 + n * (3.0 + 22.0 * scale)


# -- latency (edgepareto.bench, issue 3) ------------------------------------------------------


def latency_key(recipe: str, engine: str, threads: int, device: str, protocol: str) -> str:
    return digest({"latency_of": recipe, "engine": engine, "threads": threads, "device": device, "protocol": protocol})


def rss_key(latency: str) -> str:
    """The peak-memory record a successful latency measurement writes beside its latency."""
    return digest([latency, "rss"])


def _bench() -> Any:
    try:
        import edgepareto.bench as bench  # issue 3
    except ImportError as exc:
        raise MissingProducer(
            "latency measurement (edgepareto.bench, issue 3) is not in this tree; sizes and accuracy are kept"
        ) from exc
    missing = [name for name in ("measure", "Protocol") if not hasattr(bench, name)]
    if missing:
        raise MissingProducer(
            f"edgepareto.bench (issue 3) has no {' or '.join(missing)} yet; sizes and accuracy are kept"
        )
    return bench


def _protocol(name: str, overrides: dict[str, Any]) -> Any:
    """The named preset of ``edgepareto.bench.Protocol`` with the plan's ``options.protocol`` overrides."""
    bench = _bench()
    preset = bench.Protocol.paper if name == "paper" else bench.Protocol.fast
    return preset(**overrides)


def protocol_id(study: StudyPlan) -> str:
    """The protocol as the latency key sees it: preset name plus any overrides."""
    overrides = study.options.get("protocol") or {}
    return study.protocol + (f"+{digest(overrides, 8)}" if overrides else "")


def measurement_records(
    doc: dict[str, Any], variant: Variant, device: str, art: ArtifactRecord, key: str, protocol_name: str
) -> list[MeasurementRecord]:
    """Latency (and peak memory) records from a ``Measurement.to_json()`` document of issue 3."""
    status = doc.get("status", "ok")
    proto = doc.get("protocol")
    if not isinstance(proto, dict):
        proto = {"name": proto or protocol_name}
    proto.setdefault("name", protocol_name)
    common = {
        "variant": variant,
        "source": "measured",
        "device": device,
        "artifact_sha256": art.sha256,
        "engine": doc.get("engine"),
        "engine_version": doc.get("engine_version"),
        "threads": doc.get("threads") or None,  # a failed measurement may report 0
        "protocol": proto,
        "record": doc,
    }
    runs = doc.get("runs")
    n = runs if isinstance(runs, int) else (len(runs) if isinstance(runs, list) else None)
    if status != "ok" or doc.get("median_ms") is None:
        err = doc.get("error") or "measurement failed without an error message"
        return [MeasurementRecord(metric="latency_ms", value=None, status="failed", error=err, key=key, **common)]
    value = float(doc["median_ms"])
    ci = doc.get("ci95_median_ms") or [None, None]
    lo = None if ci[0] is None else min(float(ci[0]), value)
    hi = None if ci[1] is None else max(float(ci[1]), value)
    out = [MeasurementRecord(metric="latency_ms", value=value, ci_low=lo, ci_high=hi, n=n or None, key=key, **common)]
    rss = doc.get("peak_rss_bytes")
    if rss:
        out.append(MeasurementRecord(metric="peak_rss_bytes", value=float(rss), n=1, key=rss_key(key), **common))
    return out


def _latency_task(
    study: StudyPlan, variant: Variant, recipe: str, engine: str, threads: int, device: str, alpha: float
) -> Task:
    key = latency_key(recipe, engine, threads, device, protocol_id(study))

    def run(ctx: Context) -> int:
        art = ctx.artifact(recipe)
        bench = _bench()
        where = ctx.devices[device]
        m = bench.measure(
            art.path,
            engine=engine,
            threads=threads,
            cluster=where.get("cluster"),
            protocol=_protocol(study.protocol, dict(study.options.get("protocol") or {})),
        )
        doc = m.to_json() if hasattr(m, "to_json") else dict(m)
        fault_point("measured")
        ctx.store.forget_failed(key)
        # The artifact's own variant: for trained studies it carries the real resolution and class count.
        recs = measurement_records(doc, art.variant, device, art, key, study.protocol)
        written = ctx.store.add_many(recs, run_id=ctx.run_id)
        fault_point("latency-row")
        return written

    est = (3.0 + 6.0 * alpha**2 * (variant.resolution / 224) ** 2) * (1 if study.protocol == "fast" else 40)
    label = f"latency {variant.label} @{variant.resolution} {engine} {threads}t on {device}"
    job = {"recipe": recipe, "engine": engine, "threads": threads, "device": device, "protocol": study.protocol,
           "overrides": dict(study.options.get("protocol") or {}), "key": key}  # fmt: skip
    return Task("latency", study.name, label, (key, rss_key(key)), est, run, job)


# -- Fashion-MNIST study (edgepareto.train, issue 4) -------------------------------------------


def accuracy_key(study: str, alpha: float, precision: str, dataset: str, metric: str, schedule: str = "") -> str:
    ident = {"study": study, "alpha": alpha, "precision": precision, "dataset": dataset, "metric": metric}
    if schedule:
        ident["schedule"] = schedule
    return digest(ident)


def schedule_key() -> str:
    """The training schedule's cache key (changes when the schedule or the training code does)."""
    try:
        from edgepareto.train import Schedule  # issue 4; light import (no TensorFlow)
    except ImportError:
        return "train-unavailable"
    return str(Schedule().key)


def fashion_recipe(study: StudyPlan, alpha: float, precision: str) -> str:
    return digest({"kind": "fashion-mnist", "alpha": alpha, "precision": precision, "seed": study.seed,
                   "schedule": schedule_key(), "options": study.options})  # fmt: skip


def _train() -> Any:
    try:
        import edgepareto.train as train  # issue 4
    except ImportError as exc:
        raise MissingProducer(
            "the Fashion-MNIST study (edgepareto.train, issue 4) is not in this tree; the seed study is kept"
        ) from exc
    if not hasattr(train, "study_variant") and not hasattr(train, "fashion_study"):
        raise MissingProducer("edgepareto.train has no study_variant/fashion_study; the Fashion-MNIST study cannot run")
    return train


def _get(rec: Any, *names: str, default: Any = None) -> Any:
    for n in names:
        if isinstance(rec, dict) and n in rec:
            return rec[n]
        if hasattr(rec, n):
            return getattr(rec, n)
    return default


def _percent(x: float | None) -> float | None:
    """Accuracy as a percentage; the training study reports fractions (Wilson intervals on [0, 1])."""
    return None if x is None else x * 100.0


def fashion_records(
    study: StudyPlan, rec: Any, schedule: str = ""
) -> tuple[Variant, dict[str, Any], list[MeasurementRecord]]:
    """Variant, artifact facts and accuracy records from one ``StudyRecord`` of ``edgepareto.train``."""
    if hasattr(rec, "to_json"):
        rec = rec.to_json()
    name = _get(rec, "variant")
    if isinstance(name, str) and "." in name:
        variant = Variant.from_name(name)
    else:
        variant = Variant(study.family, float(_get(rec, "alpha")), int(_get(rec, "resolution", default=32)),
                          int(_get(rec, "num_classes", default=10)), str(_get(rec, "precision")))  # fmt: skip
    art = {
        "path": _get(rec, "artifact", "artifact_path", "path"),
        "sha256": _get(rec, "sha256", "artifact_sha256"),
        "scheme": _get(rec, "scheme", default=variant.precision),
    }
    extra = _get(rec, "extra", default={}) or {}
    recs = []
    for metric in ("top1", "top5"):
        value = _percent(_get(rec, metric))
        if value is None:
            continue
        ci = _get(rec, f"ci95_{metric}") or [None, None]
        recs.append(
            MeasurementRecord(
                variant=variant,
                metric=metric,
                value=value,
                source="measured",
                dataset=FASHION_DATASET.name,
                ci_low=None if ci[0] is None else min(_percent(ci[0]), value),
                ci_high=None if ci[1] is None else max(_percent(ci[1]), value),
                n=_get(rec, "n"),
                engine="litert" if str(art["path"] or "").endswith(".tflite") else None,
                engine_version=extra.get("engine"),
                notes="Wilson 95% interval; " + str(_get(rec, "dataset", default="")),
                record={k: v for k, v in rec.items() if isinstance(v, (str, int, float, list, dict, type(None)))},
                key=accuracy_key(study.name, variant.alpha, variant.precision, FASHION_DATASET.name, metric, schedule),
            )
        )
    return variant, art, recs


def _fashion_builder(study: StudyPlan, alpha: float, schedule: str) -> Callable[[Context], int]:
    def build(ctx: Context) -> int:
        train = _train()
        ctx.store.add_dataset(FASHION_DATASET)
        if hasattr(train, "study_variant"):
            records = train.study_variant(alpha, progress=ctx.progress)
        else:
            records = train.fashion_study(alphas=(alpha,))
        written = 0
        for rec in records:
            variant, art, recs = fashion_records(study, rec, schedule)
            if variant.precision not in study.precisions or not art["path"]:
                continue
            registered = _register(ctx, Path(art["path"]), variant, str(art["scheme"]),
                                   fashion_recipe(study, variant.alpha, variant.precision))  # fmt: skip
            recs = [MeasurementRecord(**{**_fields(r), "artifact_sha256": registered.sha256}) for r in recs]
            written += ctx.store.add_many(recs, run_id=ctx.run_id)
        return written

    return build


def fashion_keys(study: StudyPlan, alpha: float, schedule: str) -> tuple[str, ...]:
    """Every record one Fashion-MNIST alpha writes: top-1, top-5 and size, per precision."""
    keys = []
    for p in study.precisions:
        keys += [accuracy_key(study.name, alpha, p, FASHION_DATASET.name, m, schedule) for m in ("top1", "top5")]
        keys.append(size_key(fashion_recipe(study, alpha, p)))
    return tuple(keys)


def _fields(r: MeasurementRecord) -> dict[str, Any]:
    from dataclasses import fields

    return {f.name: getattr(r, f.name) for f in fields(r) if f.name not in ("id", "created_at", "run_id")}


# -- expansion ---------------------------------------------------------------------------------


def expand(study: StudyPlan, devices: list[str], ctx: Context) -> list[Task]:
    """The tasks of one study, in run order: build first (sizes, accuracy), then latency."""
    builds: list[Task] = []
    latencies: list[Task] = []
    fmts = sorted({FORMAT_OF_ENGINE[e] for e in study.engines})
    if study.kind == "fashion-mnist":
        schedule = schedule_key()
        for a in study.alphas:
            builder = _fashion_builder(study, a, schedule)
            for p in study.precisions:
                ctx.builders[fashion_recipe(study, a, p)] = builder
            keys = fashion_keys(study, a, schedule)
            builds.append(Task("train", study.name, f"train + evaluate Fashion-MNIST alpha={a:g} (fp32, int8)",
                               keys, 30.0 + 90.0 * a, builder))  # fmt: skip
            for p in study.precisions:
                v = Variant(study.family, a, 32, 10, p)  # label and estimate; records carry the artifact's variant
                for e in (e for e in study.engines if e == "litert"):
                    for t in study.threads:
                        for d in devices:
                            latencies.append(_latency_task(study, v, fashion_recipe(study, a, p), e, t, d, a))
        return builds + latencies
    for config in study.configs():
        wanted = [(p, f, recipe_of(study, config, p, f)) for p in study.precisions for f in fmts]
        builder = _convert_group(study, config, wanted)
        for w in wanted:
            ctx.builders[w[2]] = builder
        label = f"convert {config.name} to {', '.join(study.precisions)} ({', '.join(fmts)})"
        builds.append(
            Task(
                "convert",
                study.name,
                label,
                tuple(size_key(w[2]) for w in wanted),
                _convert_estimate(config, len(wanted)),
                _counting(builder, wanted),
            )
        )
        for p in study.precisions:
            for e in study.engines:
                recipe = recipe_of(study, config, p, FORMAT_OF_ENGINE[e])
                for t in study.threads:
                    for d in devices:
                        latencies.append(_latency_task(study, Variant.of(config, p), recipe, e, t, d, config.alpha))
    return builds + latencies


def _counting(builder: Callable[[Context], Any], wanted: list[tuple[str, str, str]]) -> Callable[[Context], int]:
    def run(ctx: Context) -> int:
        before = sum(ctx.store.has(size_key(w[2])) for w in wanted)
        builder(ctx)
        return sum(ctx.store.has(size_key(w[2])) for w in wanted) - before

    return run

"""Top-1/top-5 accuracy of a model file on a labelled data set, on every core.

Engine-agnostic: the model is opened with :func:`edgepareto.engines.open_runner` (LiteRT for
``.tflite``, ONNX Runtime for ``.onnx``). With ``workers > 1`` each worker process holds one
single-thread engine and takes contiguous chunks of the data set; decoded inputs go through
the on-disk :class:`~edgepareto.eval.cache.InputCache`. ``n`` is always the number of images
actually evaluated: images that fail to decode are skipped, counted and listed.
"""

from __future__ import annotations

import collections
import contextlib
import csv
import io
import json
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from edgepareto.artifacts import write_atomic
from edgepareto.data.datasets import ArrayDataset, Dataset, read_labels
from edgepareto.data.preprocessing import InputEncoding, PreprocessingSpec, default_spec, read_sidecar, spec_beside
from edgepareto.data.presets import sidecar_preset
from edgepareto.engines import engine_for
from edgepareto.errors import ConfigError, DatasetError, EdgeParetoError, EngineError, ModelFileError
from edgepareto.eval.cache import InputCache
from edgepareto.eval.stats import wilson_interval
from edgepareto.validation import csv_cell

TOPK = 5
SMALL_RUN = 256  # below this many images, the default is one in-process engine

Progress = Callable[[int, int], None]  # (images done, images total)
ChunkResult = tuple[int, np.ndarray, np.ndarray, list[dict[str, str]], int]  # start, top-k, ok, skipped, hits
# How the chunks run: (model, engine, spec, dataset, cache root, companion specs), chunk bounds, workers -> their
# results, any order.
# The local pool (or this process) by default; an executor may pass its own (the sweep's Ray executor does).
ChunkMap = Callable[[tuple[Any, ...], list[tuple[int, int]], int], AbstractContextManager[Iterator[ChunkResult]]]


@dataclass(frozen=True)
class EvalResult:
    """One accuracy measurement with everything needed to trust and reproduce it."""

    model: str
    engine: str
    engine_version: str
    dataset: str
    source: str
    n: int
    top1: float
    top5: float
    ci95_top1: tuple[float, float]
    ci95_top5: tuple[float, float]
    preprocessing: dict[str, Any]
    input_encoding: str
    skipped: tuple[dict[str, str], ...]
    requested: int
    workers: int
    seconds: float
    cache: dict[str, int]
    steady_images_per_s: float = 0.0  # after every worker's first chunk: excludes worker start-up
    subset: str = "all"  # "all", "first N" or "balanced N" (--limit, --balanced)
    classes: int = 0  # distinct labels among the evaluated images
    dataset_classes: int = 0  # classes the data set has
    # per evaluated image, dataset order: file, label, top-k class indices (-1 = background)
    files: tuple[str, ...] = field(repr=False, default=())
    labels: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, np.int64))
    topk: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, TOPK), np.int64))

    @property
    def images_per_s(self) -> float:
        return self.n / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "engine": self.engine,
            "engine_version": self.engine_version,
            "dataset": self.dataset,
            "source": self.source,
            "top1": self.top1,
            "top5": self.top5,
            "n": self.n,
            "ci95_top1": list(self.ci95_top1),
            "ci95_top5": list(self.ci95_top5),
            "preprocessing_preset": self.preprocessing.get("preset", "custom"),
            "preprocessing": self.preprocessing,
            "input_encoding": self.input_encoding,
            "requested": self.requested,
            "subset": self.subset,
            "classes": self.classes,
            "dataset_classes": self.dataset_classes,
            "skipped_count": len(self.skipped),
            "skipped": list(self.skipped),
            "workers": self.workers,
            "seconds": round(self.seconds, 3),
            "images_per_s": round(self.images_per_s, 2),
            "steady_images_per_s": round(self.steady_images_per_s, 2),
            "cache": self.cache,
        }

    @property
    def top1_predictions(self) -> np.ndarray:
        return self.topk[:, 0]


# --- the per-process evaluator --------------------------------------------------------------
class _Evaluator:
    """One engine, one spec, one data set: turns item indices into top-k predictions."""

    def __init__(
        self, model: str, engine: str, spec: PreprocessingSpec, dataset: Dataset, cache_root: str | None,
        companions: tuple[PreprocessingSpec, ...] = (),
    ) -> None:  # fmt: skip
        from edgepareto.engines import open_runner

        self.runner = open_runner(model, engine, threads=1)
        self.spec, self.dataset = spec, dataset
        self.cache = InputCache(spec, Path(cache_root)) if cache_root is not None else None
        # Other models' specs fed from the same decode (a study): their cache entries are written on the way,
        # once per distinct pixel array (an fp32 and an int8 file of one resolution share theirs).
        wanted = {c.pixel_key: c for c in companions if cache_root is not None and c.decode_key == spec.decode_key}
        wanted.pop(spec.pixel_key, None)
        self.companions = [(c, InputCache(c, Path(cache_root))) for c in wanted.values()]
        inp = self.runner.inputs[0]
        self.encoding = spec.encoding(inp.dtype, inp.scale, inp.zero_point)
        self.nchw = _is_nchw(inp.shape)

    def close(self) -> None:
        for c in [self.cache, *(c[1] for c in self.companions)]:
            if c is not None:
                c.close()
        self.runner.close()

    def pixels_into(self, i: int, out: np.ndarray) -> bool:
        """Fill ``out`` with item ``i``'s uint8 pixels; True when they came from the cache."""
        ident = self.dataset.cache_identity(i) if self.cache is not None else None
        if ident is not None and self.cache.get_into(ident, out):  # type: ignore[union-attr]
            return True
        need = [c for c in self.companions if not c[1].has(ident)] if ident is not None else []
        if need and type(self.dataset) is Dataset:  # one decode for this spec and the companions it lacks
            arrays = self.spec.load_many(self.dataset.files[i], [c[0] for c in need])
            out[...] = arrays[0]
            for (_, cache), pixels in zip(need, arrays[1:], strict=True):
                cache.put(ident, pixels)
        else:
            out[...] = self.dataset.load(i, self.spec)
        if ident is not None:
            self.cache.put(ident, out)  # type: ignore[union-attr]
        return False

    def run(self, start: int, stop: int) -> tuple[int, np.ndarray, np.ndarray, list[dict[str, str]], int]:
        """Evaluate items [start, stop): (start, top-k rows, evaluated mask, skipped, cache hits).

        The chunk's pixels land in one buffer and are encoded in one vectorised call: per-image
        Python and allocation overhead is what keeps a small model's evaluation below the engine's rate.
        """
        n = stop - start
        topk = np.full((n, TOPK), -1, np.int64)
        ok = np.zeros(n, bool)
        skipped, hits = [], 0
        pixels = np.empty((n, self.spec.size, self.spec.size, self.spec.channels), self.spec.pixel_dtype)
        for j, i in enumerate(range(start, stop)):
            try:
                hits += self.pixels_into(i, pixels[j])
            except DatasetError as exc:
                file = self.dataset.files[i]
                skipped.append({"file": file, "reason": str(exc).removeprefix(f"{file}: ")})
                pixels[j] = 0  # not run, but encoded with the chunk: uninitialised floats warn (NaN, overflow)
                continue
            ok[j] = True
        x = self.spec.encode(pixels, self.encoding)
        if self.nchw:
            x = x.transpose(0, 3, 1, 2)
        x = np.ascontiguousarray(x)
        offset = self.spec.label_offset
        runner = self.runner
        for j in np.flatnonzero(ok):
            runner.set_inputs([x[j : j + 1]])
            runner.invoke()
            topk[j] = top_k(runner.get_outputs()[0].reshape(-1), TOPK) - offset
        return start, topk, ok, skipped, hits


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first; ties go to the lowest index (as argmax).

    A model with fewer than k outputs (a 2-class model, top-5) gets -1 for the missing places."""
    if len(scores) < k:
        return np.concatenate([top_k(scores, len(scores)), np.full(k - len(scores), -1, np.int64)])
    kth = np.partition(scores, -k)[-k]
    above = np.flatnonzero(scores > kth)
    cand = np.concatenate([above, np.flatnonzero(scores == kth)[: k - len(above)]])
    return cand[np.lexsort((cand, -scores[cand].astype(np.float64)))]


def chunk_bounds(total: int, workers: int, largest: int = 64, smallest: int = 4) -> list[tuple[int, int]]:
    """[start, stop) chunks covering ``total`` items in order: ``largest`` while plenty remain, then
    shrinking with what is left (guided scheduling), so no worker idles long while the last one finishes."""
    bounds, start = [], 0
    while start < total:
        size = max(1, min(largest, max(smallest, (total - start) // (workers * 4))))
        bounds.append((start, min(start + size, total)))
        start += size
    return bounds


def default_workers(images: int) -> int:
    """One worker per CPU this process may run on (taskset, cgroup cpusets: not every CPU the host has);
    one in-process engine below ``SMALL_RUN`` images, where a spawned worker's ~0.3 s start-up dominates."""
    if images < SMALL_RUN:
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _is_nchw(shape: tuple[int, ...]) -> bool:
    return len(shape) == 4 and shape[1] in (1, 3) and shape[3] not in (1, 3)


_WORKER: _Evaluator | None = None


def _init_worker(*args: Any) -> None:
    global _WORKER
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    _WORKER = _Evaluator(*args)


def _run_chunk(bounds: tuple[int, int]) -> tuple[int, np.ndarray, np.ndarray, list[dict[str, str]], int]:
    assert _WORKER is not None
    return _WORKER.run(*bounds)


_KEPT: dict[str, _Evaluator] = {}


def evaluate_chunk(
    model: str, engine: str, spec: PreprocessingSpec, dataset: Dataset, start: int, stop: int,
    cache_root: str | None = None, companions: tuple[PreprocessingSpec, ...] = (),
) -> ChunkResult:  # fmt: skip
    """Items [start, stop) of ``dataset`` in this process, as one pool worker evaluates a chunk: the
    engine stays open for the next chunk of the same model (a long-lived worker, e.g. a Ray task's)."""
    key = json.dumps([model, engine, spec.to_json(), cache_root, [c.pixel_key for c in companions]],
                     sort_keys=True, default=str)  # fmt: skip
    ev = _KEPT.get(key)
    if ev is None:
        for old in _KEPT.values():
            old.close()
        _KEPT.clear()
        ev = _KEPT[key] = _Evaluator(model, engine, spec, dataset, cache_root, tuple(companions))
    ev.dataset = dataset
    return ev.run(start, stop)


@contextlib.contextmanager
def _chunk_results(args: tuple[Any, ...], bounds: list[tuple[int, int]], workers: int) -> Iterator[Iterator[Any]]:
    """Each chunk's ``_Evaluator.run`` result, in order: in this process for one worker, else from
    spawned workers (TensorFlow may be loaded here: never fork it). An executor, not mp.Pool: a
    worker that dies (engine crash, OOM killer) breaks it with an error where a Pool waits forever."""
    if workers == 1:
        ev = _Evaluator(*args)
        try:
            yield (ev.run(*b) for b in bounds)
        finally:
            ev.close()
        return
    helpers = workers - 1
    pool = ProcessPoolExecutor(helpers, mp_context=mp.get_context("spawn"), initializer=_init_worker, initargs=args)
    try:
        yield _shared_chunks(pool, helpers, args, bounds)
    finally:  # Ctrl-C or an error: drop the queued chunks, finish only the running ones
        pool.shutdown(wait=True, cancel_futures=True)


def _shared_chunks(
    pool: ProcessPoolExecutor, helpers: int, args: tuple[Any, ...], bounds: list[tuple[int, int]]
) -> Iterator[Any]:
    """This process is one of the workers: it evaluates chunks from the back of the (guided, shrinking)
    list while ``helpers`` spawned workers take them from the front, so no CPU waits on a spawn's
    start-up and the parent, already holding every import, is not idle. Results come in any order."""
    queue, pending = collections.deque(bounds), set()

    def top_up() -> None:
        with _sigint_blocked():  # a submit may spawn a worker: it inherits the mask (exec keeps it)
            while queue and len(pending) < 2 * helpers:
                pending.add(pool.submit(_run_chunk, queue.popleft()))

    top_up()
    ev = _Evaluator(*args)
    try:
        while queue or pending:
            for f in [f for f in pending if f.done()]:
                pending.discard(f)
                yield f.result()
            top_up()
            if queue:
                yield ev.run(*queue.pop())
            elif pending:
                f = next(as_completed(pending))
                pending.discard(f)
                yield f.result()
    finally:
        ev.close()


@contextlib.contextmanager
def threaded_chunks(args: tuple[Any, ...], bounds: list[tuple[int, int]], workers: int) -> Iterator[Iterator[Any]]:
    """Chunks on ``workers`` threads of this process, one engine each: no process to start, for cheap
    per-image work (cached inputs) where LiteRT's invoke, which releases the GIL, is most of the time."""
    local, opened, lock = threading.local(), [], threading.Lock()

    def run(b: tuple[int, int]) -> Any:
        if getattr(local, "ev", None) is None:
            local.ev = _Evaluator(*args)
            with lock:
                opened.append(local.ev)
        return local.ev.run(*b)

    pool = ThreadPoolExecutor(workers)
    try:
        yield pool.map(run, bounds)
    finally:  # Ctrl-C or an error: drop the queued chunks, finish the running ones, close every engine
        pool.shutdown(wait=True, cancel_futures=True)
        for ev in opened:
            ev.close()


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block SIGINT while workers are spawned: a Ctrl-C then reaches only this process, which shuts the
    pool down, instead of interrupting every worker mid-import (tracebacks, or a half-imported engine
    reported as "not installed")."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


# --- public API ------------------------------------------------------------------------------
def resolve_spec(
    model: str | Path, runner_inputs: Any, num_outputs: int, dataset: Dataset, preset: str | None = None
) -> PreprocessingSpec:
    """``preset`` when given (``eval --preprocessing``, a study's option), else the spec saved beside the
    artifact (a whole spec, or one naming a preset), else the data set's standard one for this input."""
    shape = tuple(int(s) for s in runner_inputs[0].shape)
    if _is_nchw(shape):
        shape = (shape[0], shape[2], shape[3], shape[1])
    classes = len(dataset.class_names)
    if preset is not None:
        return default_spec(shape, num_outputs, classes, preset=preset)
    doc = read_sidecar(model)
    named = sidecar_preset(doc) if doc is not None else None
    if named is not None:
        spec = default_spec(shape, num_outputs, classes, preset=named[0])
        return spec if named[1] is None else replace(spec, label_offset=named[1])
    if doc is not None:
        return spec_beside(model)  # the whole spec, its errors naming the sidecar
    if dataset.name == "fashion-mnist":
        from edgepareto.data.fashion_mnist import fashion_spec

        return fashion_spec(shape[1], channels=shape[3])
    return default_spec(shape, num_outputs, classes)


def check_spec_fits(spec: PreprocessingSpec, shape: tuple[int, ...], model: str) -> None:
    """The spec's image size and channels must be the model input's, before any image is decoded."""
    nhwc = (shape[0], shape[2], shape[3], shape[1]) if _is_nchw(shape) else shape
    if len(nhwc) != 4 or (nhwc[1], nhwc[2], nhwc[3]) != (spec.size, spec.size, spec.channels):
        raise ConfigError(
            f"{model}: its preprocessing gives {spec.size}x{spec.size}x{spec.channels} images but the model input is "
            f"{list(shape)}; fix or delete {Path(model).name}.preprocessing.json"
        )


def evaluate(
    model: str | Path,
    dataset: Dataset,
    *,
    engine: str | None = None,
    spec: PreprocessingSpec | None = None,
    preset: str | None = None,
    limit: int | None = None,
    balanced: bool = False,
    workers: int | None = None,
    labels: str | Path | None = None,
    predictions: str | Path | None = None,
    cache: bool = True,
    cache_root: Path | None = None,
    progress: Progress | None = None,
    companions: tuple[PreprocessingSpec, ...] = (),
    chunks: ChunkMap | None = None,
) -> EvalResult:
    """Evaluate ``model`` on ``dataset``; see the module docstring for how work is split.

    ``companions``: the specs of models to be evaluated next on the same images (a study): each image is
    decoded once and their cached inputs written too, so their evaluations read instead of decoding.
    ``chunks`` runs the chunks somewhere else (``workers`` is then how many run at once there).
    """
    model = str(model)
    engine = engine or engine_for(model)
    full = len(dataset)
    dataset = dataset.limit(limit, balanced=balanced)
    subset = "all" if len(dataset) == full else f"{'balanced' if balanced else 'first'} {len(dataset)}"
    if len(dataset) == 0:
        raise DatasetError(f"{dataset.source}: no images to evaluate")
    spec, encoding, version, num_outputs = _probe(model, engine, spec, dataset, preset)
    names = _check_labels(model, dataset, spec, num_outputs, labels)
    total = len(dataset)
    workers = max(1, min(default_workers(total) if workers is None else workers, total))
    root = str(cache_root if cache_root is not None else _default_root()) if cache else None
    run = _run_chunks((model, engine, spec, dataset, root, tuple(companions)), total, workers, progress,
                      chunks or _chunk_results)  # fmt: skip
    n = int(run.ok.sum())
    if n == 0:
        raise DatasetError(f"{dataset.source}: none of the {total} images could be read; see the skipped list")
    y, tk = dataset.labels[run.ok], run.topk[run.ok]
    c1, c5 = int((tk[:, 0] == y).sum()), int((tk == y[:, None]).any(axis=1).sum())
    result = EvalResult(
        model=model, engine=engine, engine_version=version, dataset=dataset.name, source=dataset.source, n=n,
        top1=c1 / n, top5=c5 / n, ci95_top1=wilson_interval(c1, n), ci95_top5=wilson_interval(c5, n),
        preprocessing={**spec.to_json(), "description": str(spec)}, input_encoding=encoding.describe(),
        skipped=tuple(list(dataset.skipped) + run.skipped), requested=total, workers=workers, seconds=run.seconds,
        cache=_cache_counts(dataset, root is not None, run.hits, n), steady_images_per_s=run.steady, subset=subset,
        classes=len(np.unique(y)), dataset_classes=len(dataset.class_names),
        files=tuple(f for f, good in zip(dataset.files, run.ok, strict=True) if good), labels=y, topk=tk,
    )  # fmt: skip
    if predictions is not None:
        write_predictions(result, Path(predictions), names, dataset.class_names, spec.label_offset)
    return result


def spec_for(model: str | Path, dataset: Dataset, *, engine: str | None = None, preset: str | None = None) -> Any:
    """The preprocessing ``evaluate`` would use for ``model`` on ``dataset`` (opens the model, runs nothing)."""
    model = str(model)
    return _probe(model, engine or engine_for(model), None, dataset, preset)[0]


def _probe(
    model: str, engine: str, spec: PreprocessingSpec | None, dataset: Dataset, preset: str | None = None
) -> tuple[PreprocessingSpec, InputEncoding, str, int]:
    """Open the model once here: its preprocessing, input encoding, engine version and output count."""
    from edgepareto.engines import open_runner

    probe = open_runner(model, engine, threads=1)
    try:
        if len(probe.inputs) != 1 or not probe.outputs:
            raise EngineError(f"{model}: expected one image input and a score output, got {len(probe.inputs)} inputs")
        _check_fixed_size(model, probe.inputs[0])
        num_outputs = int(np.prod([d for d in probe.outputs[0].shape if d > 0]))
        spec = spec or resolve_spec(model, probe.inputs, num_outputs, dataset, preset)
        inp = probe.inputs[0]
        check_spec_fits(spec, tuple(int(s) for s in inp.shape), model)
        return spec, spec.encoding(inp.dtype, inp.scale, inp.zero_point), probe.info.version, num_outputs
    finally:
        probe.close()


def _check_fixed_size(model: str, inp: Any) -> None:
    """A dynamic height or width is refused: the engine would run 1x1 images (LiteRT) or none (ONNX Runtime),
    and a top-1 of that is no accuracy of the model."""
    if inp.dynamic_beyond_batch:
        shape = [d if d > 0 else "?" for d in (inp.signature or inp.shape)]
        raise ModelFileError(
            f"{model}: input {inp.name!r} has no fixed height/width ({shape}); export the model with a fixed "
            "input size (e.g. keras.Input((224, 224, 3))) to evaluate it"
        )


def _check_labels(
    model: str, dataset: Dataset, spec: PreprocessingSpec, num_outputs: int, labels: str | Path | None
) -> list[str] | None:
    """The model's outputs must match the data set's classes (and a labels file, if given)."""
    classes = len(dataset.class_names)
    if num_outputs - spec.label_offset != classes:
        raise DatasetError(
            f"{model}: {num_outputs} outputs (label offset {spec.label_offset}) but {dataset.name} has {classes} "
            "classes; pick the matching model or data set"
        )
    if labels is None:
        return None
    names = read_labels(labels)
    if len(names) != num_outputs:
        raise DatasetError(
            f"{labels}: {len(names)} names but the model has {num_outputs} outputs; pass the labels file "
            "of this model (one line per output, e.g. 1001 with background first)"
        )
    return names


@dataclass
class _Run:
    """What the chunks brought back: top-k per image, which images were read, and how fast."""

    topk: np.ndarray
    ok: np.ndarray
    skipped: list[dict[str, str]] = field(default_factory=list)
    hits: int = 0
    seconds: float = 0.0
    steady: float = 0.0


def _run_chunks(args: tuple[Any, ...], total: int, workers: int, progress: Progress | None, chunks: ChunkMap) -> _Run:
    run = _Run(np.full((total, TOPK), -1, np.int64), np.zeros(total, bool))
    model, engine = args[0], args[1]
    done = returned = 0
    first: tuple[float, int] | None = None  # (time, images) once as many chunks as workers came back
    t0 = time.perf_counter()
    try:
        with chunks(args, chunk_bounds(total, workers), workers) as results:
            for start, k, m, skip, h in results:
                run.topk[start : start + len(k)], run.ok[start : start + len(m)] = k, m
                run.skipped += skip
                run.hits += h
                done += len(k)
                returned += 1
                if first is None and returned >= workers:
                    first = (time.perf_counter(), done)
                if progress:
                    progress(done, total)
    except EdgeParetoError:
        raise
    except BrokenProcessPool as exc:
        raise EngineError(
            f"{model}: an evaluation worker process died after {done} of {total} images (killed, out of memory "
            f"or an engine crash); rerun with --workers 1 to see the engine's own error"
        ) from exc
    except Exception as exc:  # an engine crash inside a worker arrives here re-raised
        raise EngineError(f"{model}: evaluation failed in {engine} ({type(exc).__name__}: {exc})") from exc
    t_end = time.perf_counter()
    run.seconds = t_end - t0
    if first and total > first[1] and t_end > first[0]:
        run.steady = (total - first[1]) / (t_end - first[0])
    return run


def _cache_counts(dataset: Dataset, cached: bool, hits: int, n: int) -> dict[str, int]:
    if isinstance(dataset, ArrayDataset):  # in-memory images: nothing decoded, nothing cached
        return {"hits": 0, "decoded": 0}
    return {"hits": hits, "decoded": n - hits} if cached else {"hits": 0, "decoded": n}


def _default_root() -> Path:
    from edgepareto.artifacts import home

    return home()


def write_predictions(
    result: EvalResult,
    path: Path,
    output_names: list[str] | None,
    class_names: tuple[str, ...],
    offset: int,
) -> None:
    """``file,label,top1,top5,label_name,top1_name`` per image (top5: space-separated class indices)."""

    def name(c: int) -> str:
        if output_names is not None:
            return output_names[c + offset]
        return class_names[c] if 0 <= c < len(class_names) else "background"

    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["file", "label", "top1", "top5", "label_name", "top1_name"])
    for file, label, row in zip(result.files, result.labels, result.topk, strict=True):
        w.writerow([csv_cell(file), int(label), int(row[0]), " ".join(str(int(c)) for c in row),
                    csv_cell(name(int(label))), csv_cell(name(int(row[0])))])  # fmt: skip
    write_atomic(path, buf.getvalue())

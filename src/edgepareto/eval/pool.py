"""The evaluation worker pool: one engine per process (or thread), chunks of the data set in, top-k out.

This process is one of the workers; spawned workers (never forked: TensorFlow may be loaded here)
take chunks from the front of a guided, shrinking list while this one takes them from the back. A
long-lived worker elsewhere (a Ray task) runs :func:`evaluate_chunk`; cheap cached inputs run on
threads (:func:`threaded_chunks`). As pyperf's ``_manager``/``_worker`` split: ``evaluate`` in
:mod:`.accuracy` only asks for chunks and adds them up.
"""

from __future__ import annotations

import collections
import contextlib
import json
import multiprocessing as mp
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np

from edgepareto.data.choice import is_nchw
from edgepareto.data.datasets import Dataset
from edgepareto.data.preprocessing import PreprocessingSpec
from edgepareto.errors import DatasetError
from edgepareto.eval.cache import InputCache

TOPK = 5
SMALL_RUN = 256  # below this many images, the default is one in-process engine

Progress = Callable[[int, int], None]  # (images done, images total)
ChunkResult = tuple[int, np.ndarray, np.ndarray, list[dict[str, str]], int]  # start, top-k, ok, skipped, hits
# How the chunks run: (model, engine, spec, dataset, cache root, companion specs), chunk bounds, workers -> their
# results, any order.
# The local pool (or this process) by default; an executor may pass its own (the sweep's Ray executor does).
ChunkMap = Callable[[tuple[Any, ...], list[tuple[int, int]], int], AbstractContextManager[Iterator[ChunkResult]]]


class _Evaluator:
    """One engine, one spec, one data set: turns item indices into top-k predictions."""

    def __init__(
        self,
        model: str,
        engine: str,
        spec: PreprocessingSpec,
        dataset: Dataset,
        cache_root: str | None,
        companions: tuple[PreprocessingSpec, ...] = (),
    ) -> None:
        from edgepareto.engines import open_runner

        self.runner = open_runner(model, engine, threads=1)
        self.spec, self.dataset = spec, dataset
        root = Path(cache_root) if cache_root is not None else None
        self.cache = InputCache(spec, root) if root is not None else None
        # Other models' specs fed from the same decode (a study): their cache entries are written on the way,
        # once per distinct pixel array (an fp32 and an int8 file of one resolution share theirs).
        wanted = {c.pixel_key: c for c in companions if c.decode_key == spec.decode_key}
        wanted.pop(spec.pixel_key, None)
        self.companions = [(c, InputCache(c, root)) for c in wanted.values()] if root is not None else []
        inp = self.runner.inputs[0]
        self.encoding = spec.encoding(inp.dtype, inp.scale, inp.zero_point)
        self.nchw = is_nchw(inp.shape)

    def close(self) -> None:
        for c in [self.cache, *(c[1] for c in self.companions)]:
            if c is not None:
                c.close()
        self.runner.close()

    def pixels_into(self, i: int, out: np.ndarray) -> bool:
        """Fill ``out`` with item ``i``'s uint8 pixels; True when they came from the cache."""
        ident = self.dataset.cache_identity(i) if self.cache is not None else None
        if ident is None or self.cache is None:  # no cache, or an item it cannot name
            out[...] = self.dataset.load(i, self.spec)
            return False
        if self.cache.get_into(ident, out):
            return True
        need = [c for c in self.companions if not c[1].has(ident)]
        if need and type(self.dataset) is Dataset:  # one decode for this spec and the companions it lacks
            arrays = self.spec.load_many(self.dataset.files[i], [c[0] for c in need])
            out[...] = arrays[0]
            for (_, cache), pixels in zip(need, arrays[1:], strict=True):
                cache.put(ident, pixels)
        else:
            out[...] = self.dataset.load(i, self.spec)
        self.cache.put(ident, out)
        return False

    def run(self, start: int, stop: int) -> tuple[int, np.ndarray, np.ndarray, list[dict[str, str]], int]:
        """Evaluate items [start, stop): (start, top-k rows, evaluated mask, skipped, cache hits).

        The chunk's pixels land in one buffer and are encoded in one vectorised call: per-image
        Python and allocation overhead is what keeps a small model's evaluation below the engine's rate.
        """
        n = stop - start
        topk = np.full((n, TOPK), -1, np.int64)
        ok = np.zeros(n, bool)
        skipped: list[dict[str, str]] = []
        hits = 0
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
        for row in np.flatnonzero(ok):
            runner.set_inputs([x[row : row + 1]])
            runner.invoke()
            topk[row] = top_k(runner.get_outputs()[0].reshape(-1), TOPK) - offset
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
    model: str,
    engine: str,
    spec: PreprocessingSpec,
    dataset: Dataset,
    start: int,
    stop: int,
    cache_root: str | None = None,
    companions: tuple[PreprocessingSpec, ...] = (),
) -> ChunkResult:
    """Items [start, stop) of ``dataset`` in this process, as one pool worker evaluates a chunk: the
    engine stays open for the next chunk of the same model (a long-lived worker, e.g. a Ray task's)."""
    key = json.dumps(
        [model, engine, spec.to_json(), cache_root, [c.pixel_key for c in companions]], sort_keys=True, default=str
    )
    ev = _KEPT.get(key)
    if ev is None:
        for old in _KEPT.values():
            old.close()
        _KEPT.clear()
        ev = _KEPT[key] = _Evaluator(model, engine, spec, dataset, cache_root, tuple(companions))
    ev.dataset = dataset
    return ev.run(start, stop)


@contextlib.contextmanager
def local_chunks(args: tuple[Any, ...], bounds: list[tuple[int, int]], workers: int) -> Iterator[Iterator[Any]]:
    """The default ``ChunkMap``. Each chunk's ``_Evaluator.run`` result, in order: in this process for one
    worker, else from spawned workers (TensorFlow may be loaded here: never fork it). An executor, not mp.Pool: a
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
    queue, pending = collections.deque(bounds), set[Future[Any]]()

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

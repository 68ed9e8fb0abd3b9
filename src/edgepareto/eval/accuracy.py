"""Top-1/top-5 accuracy of a model file on a labelled data set, on every core: the public ``evaluate``.

Engine-agnostic: the model is opened with :func:`edgepareto.engines.open_runner` (LiteRT for
``.tflite``, ONNX Runtime for ``.onnx``). With ``workers > 1`` each worker process holds one
single-thread engine and takes contiguous chunks of the data set (:mod:`.pool`); decoded inputs go
through the on-disk :class:`~edgepareto.eval.cache.InputCache`. ``n`` is always the number of images
actually evaluated: images that fail to decode are skipped, counted and listed. What comes back is an
:class:`~edgepareto.eval.result.EvalResult`; which preprocessing is used is chosen in
:mod:`edgepareto.data.choice`.
"""

from __future__ import annotations

import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from edgepareto.data.choice import check_spec_fits, resolve_spec
from edgepareto.data.datasets import ArrayDataset, Dataset, read_labels
from edgepareto.data.preprocessing import InputEncoding, PreprocessingSpec
from edgepareto.engines import engine_for
from edgepareto.errors import DatasetError, EdgeParetoError, EngineError, ModelFileError
from edgepareto.eval.pool import TOPK, ChunkMap, Progress, chunk_bounds, default_workers, local_chunks
from edgepareto.eval.result import EvalResult, write_predictions
from edgepareto.eval.stats import wilson_interval


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
    run = _run_chunks(
        (model, engine, spec, dataset, root, tuple(companions)), total, workers, progress, chunks or local_chunks
    )
    n = int(run.ok.sum())
    if n == 0:
        raise DatasetError(f"{dataset.source}: none of the {total} images could be read; see the skipped list")
    y, tk = dataset.labels[run.ok], run.topk[run.ok]
    c1, c5 = int((tk[:, 0] == y).sum()), int((tk == y[:, None]).any(axis=1).sum())
    result = EvalResult(
        model=model,
        engine=engine,
        engine_version=version,
        dataset=dataset.name,
        source=dataset.source,
        n=n,
        top1=c1 / n,
        top5=c5 / n,
        ci95_top1=wilson_interval(c1, n),
        ci95_top5=wilson_interval(c5, n),
        preprocessing={**spec.to_json(), "description": str(spec)},
        input_encoding=encoding.describe(),
        skipped=tuple(list(dataset.skipped) + run.skipped),
        requested=total,
        workers=workers,
        seconds=run.seconds,
        cache=_cache_counts(dataset, root is not None, run.hits, n),
        steady_images_per_s=run.steady,
        subset=subset,
        classes=len(np.unique(y)),
        dataset_classes=len(dataset.class_names),
        files=tuple(f for f, good in zip(dataset.files, run.ok, strict=True) if good),
        labels=y,
        topk=tk,
    )
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

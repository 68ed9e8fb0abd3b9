"""What a question about the store is about: which device, which data set's accuracy, which objectives.

The CLI and the Python API ask the same questions (``front``, ``recommend``) through here, so
a device named by a part of its name, or a data set left to its default, means the same in both.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, Protocol

from edgepareto.analysis.paired import paired_for
from edgepareto.analysis.pareto import Objective
from edgepareto.analysis.points import analyse_front, collect_points, published_twin
from edgepareto.analysis.recommend import Budget, recommend
from edgepareto.errors import ConfigError, DatasetError, DeviceError
from edgepareto.store import Device, MeasurementRecord


class Results(Protocol):
    """What these questions read: the store's devices and measurements."""

    def devices(self) -> list[Device]: ...
    def measurements(self, *, include_noisy: bool = False) -> list[MeasurementRecord]: ...


def usable_records(results: Results, *, accept_noisy: bool = False) -> list[MeasurementRecord]:
    """The records an answer may stand on: ``ok`` ones, and ``noisy`` ones only when asked (``--accept-noisy``)."""
    return results.measurements(include_noisy=True) if accept_noisy else results.measurements()


def resolve_device(name: str, known: list[str]) -> str:
    """A device by its name or a unique part of it (``Cortex-A7``)."""
    if name in known:
        return name
    hits = [d for d in known if name.lower() in d.lower()]
    if len(hits) == 1:
        return hits[0]
    what = "matches several devices" if hits else "is not in the store"
    raise DeviceError(f"device {name!r} {what}; choose one of: {'; '.join(known)}")


def measured_device(results: Results, name: str | None, command: str) -> str:
    """The device a question is about: ``name`` (or a unique part of it), else the only device with a measured
    latency in the store; with several, or none, a one-line error that lists the devices to choose from."""
    known = [d.name for d in results.devices()]
    if name:
        return resolve_device(name, known)
    measured = list(
        dict.fromkeys(
            r.device
            for r in results.measurements()
            if r.metric == "latency_ms" and r.source == "measured" and r.status == "ok" and r.device
        )
    )
    if len(measured) == 1:
        return measured[0]
    if measured:
        raise DeviceError(
            f"{command} needs --device: latency was measured on {len(measured)} devices; "
            f"choose one of: {'; '.join(measured)}"
        )
    raise DeviceError(
        f"{command} needs --device: no latency was measured in this store (measure one with "
        f"`edgepareto bench FILE --store STORE`); published devices: {'; '.join(known) or 'none'}"
    )


def missing_answer(
    records: list[MeasurementRecord], device: str, dataset: str | None, noisy: int = 0
) -> dict[str, str]:
    """Why nothing can be recommended on ``device``: what is missing and the command that fills it; latencies
    left out as ``noisy`` are named, so an empty answer on a busy host says why."""
    timed = {r.variant.name for r in records if r.device == device and r.metric == "latency_ms" and r.status == "ok"}
    if not timed and noisy:
        return {
            "missing": f"a latency on {device} that is not noisy ({noisy} stored noisy: CI past ±25%)",
            "message": f"nothing to recommend: the {noisy} latency record(s) on {device} are stored noisy",
            "fill": "measure again on a quieter host (edgepareto bench FILE --store STORE, or sweep "
            "--remeasure-noisy), or pass --accept-noisy",
        }
    if not timed:
        return {
            "missing": f"no latency on {device}",
            "message": f"nothing to recommend: no variant has a latency on {device}",
            "fill": "edgepareto bench FILE.tflite --store STORE (or sweep --models 'DIR/*.tflite')",
        }
    what = f"top-1 on {dataset}" if dataset else "a top-1 accuracy"
    return {
        "missing": f"{what} for the {len(timed)} variant(s) timed on {device}",
        "message": f"nothing to recommend: none of the {len(timed)} variant(s) timed on {device} has {what}",
        "fill": "edgepareto eval FILE.tflite --dataset imagenet --data-dir DIR --store STORE "
        "(or edgepareto sweep --models ... --data-dir DIR)",
    }


def choose_dataset(records: list[MeasurementRecord], device: str, dataset: str | None) -> tuple[str | None, list[str]]:
    """The dataset whose accuracy applies to the variants measured on ``device``: by default the one this store
    measured top-1 on for most of them (all of ImageNet val first), else the published ImageNet figures."""
    timed = {r.variant for r in records if r.device == device and r.metric == "latency_ms"}
    on_device = {v.name for v in timed} | {t for v in timed if (t := published_twin(v))}
    datasets = sorted({r.dataset for r in records if r.metric == "top1" and r.variant.name in on_device and r.dataset})
    if dataset is not None:
        if dataset not in datasets:
            raise DatasetError(
                f"no top-1 on dataset {dataset!r} for variants measured on {device}; "
                f"choose one of: {', '.join(datasets) or '(none: run edgepareto sweep)'}"
            )
        return dataset, datasets
    if not datasets:
        return None, datasets
    measured = Counter(
        r.dataset
        for r in records
        if r.metric == "top1" and r.source == "measured" and r.variant.name in on_device and r.dataset
    )
    if measured and "imagenet-val" not in measured:
        return max(sorted(measured), key=lambda d: measured[d]), datasets
    return ("imagenet-val" if "imagenet-val" in datasets else datasets[0]), datasets


def default_dataset(records: list[MeasurementRecord]) -> str:
    """Without a device: the data set this store measured most top-1 on (a user's subset is its own data set),
    else the published ImageNet validation figures."""
    measured = Counter(r.dataset for r in records if r.metric == "top1" and r.source == "measured" and r.dataset)
    if measured and "imagenet-val" not in measured:
        return max(sorted(measured), key=lambda d: measured[d])
    return "imagenet-val"


def parse_objectives(objectives: str | Iterable[str | Objective]) -> list[Objective]:
    items = objectives.split(",") if isinstance(objectives, str) else list(objectives)
    out = [o if isinstance(o, Objective) else Objective.parse(o) for o in items if str(o).strip()]
    if not out:
        raise ConfigError("objectives need at least one metric, e.g. latency_ms,top1")
    return out


def front(
    results: Results,
    *,
    device: str | None = None,
    objectives: str | Iterable[str | Objective] | None = None,
    dataset: str | None = None,
    accept_noisy: bool = False,
) -> dict[str, Any]:
    """The Pareto front of one device (or, without one, the hardware-independent one) with each point's status.

    Objectives default to latency and top-1 on a device, size and top-1 (the memory-accuracy front) without one.
    A ``noisy`` latency is left out unless ``accept_noisy`` (then its point says ``noisy``).
    """
    objs = parse_objectives(objectives or ("latency_ms,top1" if device else "size_mb,top1"))
    device = resolve_device(device, [d.name for d in results.devices()]) if device else None
    records = usable_records(results, accept_noisy=accept_noisy)
    if device is not None:
        dataset, _ = choose_dataset(records, device, dataset)
    else:
        dataset = dataset or default_dataset(records)
    points = collect_points(records, device=device, dataset=dataset, require=[o.metric for o in objs])
    paired = paired_for(results, points)
    entries = analyse_front(points, objs, paired)
    return {
        "device": device,
        "dataset": dataset,
        "accuracy_basis": accuracy_basis(paired),
        "objectives": [{"metric": o.metric, "sense": o.sense} for o in objs],
        "points": [e.to_json() for e in entries],
        "front": [e.point.label for e in entries if e.on_front],
    }


def recommend_on(
    results: Results,
    device: str | None,
    budget: Budget | None = None,
    *,
    dataset: str | None = None,
    engine: str | None = None,
    top: int = 3,
    accept_noisy: bool = False,
) -> dict[str, Any]:
    """The best variants for ``device`` (default: the only measured one) under ``budget``, each with why (see
    :func:`recommend`); ``noisy`` latencies only with ``accept_noisy``; with no variant to rank, what is missing
    and the command that fills it."""
    device = measured_device(results, device, "recommend")
    records = usable_records(results, accept_noisy=accept_noisy)
    dataset, datasets = choose_dataset(records, device, dataset)
    points = collect_points(records, device=device, dataset=dataset, require=("latency_ms", "top1"))
    if engine:
        points = [p for p in points if p.engine == engine]
    paired = paired_for(results, points)
    doc = {
        "device": device,
        "dataset": dataset,
        "datasets_available": datasets,
        "accuracy_basis": accuracy_basis(paired),
        **recommend(points, budget or Budget(), top=top, paired=paired),
    }
    if not points:
        noisy = 0 if accept_noisy else _noisy_latencies(results, device)
        doc.update(missing_answer(records, device, dataset, noisy))
    return doc


def _noisy_latencies(results: Results, device: str) -> int:
    every = results.measurements(include_noisy=True)
    return sum(1 for r in every if r.device == device and r.metric == "latency_ms" and r.status == "noisy")


def accuracy_basis(paired: object | None) -> str:
    """What top-1 comparisons rest on, said once per answer."""
    if paired:
        return "McNemar's exact test on per-image predictions where two files share images, else Wilson intervals"
    return "Wilson 95% intervals (no per-image predictions stored for these files)"

"""The report's first sections: the answer (per device, the Pareto-optimal variants), then the user's own
files (``kind = "models"``, ``bench``/``eval --store``) and, per device, the variant to deploy under the plan's
``[recommend]`` budget, with the runners-up and why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgepareto.analysis import Budget, collect_points, paired_for, recommend
from edgepareto.analysis.points import PUBLISHED_DATASET, current_records, path_suffixes, published_twin
from edgepareto.store import MeasurementRecord, Store

REALTIME_MS = 1000.0 / 30.0  # the seed's real-time criterion, the default latency bound


def plan_budget(store: Store) -> tuple[Budget, str]:
    """The ``[recommend]`` table of the newest run's plan that has one, else the real-time default."""
    for run in reversed(store.runs()):
        table = (run.get("plan") or {}).get("recommend")
        if table:
            return Budget(**table), f"the [recommend] table of plan {run['plan_name']!r}"
    return Budget(max_latency_ms=round(REALTIME_MS, 2)), "default: real time (30 FPS), no size or top-1 bound"


def your_models(store: Store, records: list[MeasurementRecord], *, accept_noisy: bool = False) -> dict[str, Any] | None:
    """Every given file with its measured figures (a ``noisy`` latency shown, marked), and the recommendation
    per device (on ``ok`` latencies only, unless ``accept_noisy``); None without any."""
    given = {a.sha256: a for a in store.artifacts() if a.origin == "given"}
    if not given:
        return None
    mine = current_records([r for r in records if r.artifact_sha256 in given and r.source == "measured"])
    stale = {r.artifact_sha256 for r in records if r.artifact_sha256 in given} - {r.artifact_sha256 for r in mine}
    given = {sha: a for sha, a in given.items() if sha not in stale}  # a file replaced in place: its newest bytes
    budget, basis = plan_budget(store)
    datasets = sorted({r.dataset for r in mine if r.metric == "top1" and r.dataset})
    devices = list(dict.fromkeys(r.device for r in mine if r.metric == "latency_ms" and r.device))
    answers = []
    choices: list[str | None] = [*datasets] or [None]  # no accuracy yet: one answer on latency alone
    for ds in choices:
        for d in devices:
            usable = mine if accept_noisy else [r for r in mine if r.status != "noisy"]
            pts = collect_points(usable, device=d, dataset=ds, require=("latency_ms", "top1"))
            if pts:
                paired = paired_for(store, pts)  # top-1 compared on the same images where both kept predictions
                answers.append({"device": d, "dataset": ds, **recommend(pts, budget, top=3, paired=paired)})
    published = {
        r.variant.name: r.value
        for r in records
        if r.source == "published" and r.metric == "top1" and r.dataset == PUBLISHED_DATASET
    }
    return {"files": _file_rows(given, mine, devices, published), "budget": budget.__dict__, "budget_basis": basis,
            "devices": devices, "answers": answers}  # fmt: skip


def _file_rows(
    given: dict[str, Any], mine: list[MeasurementRecord], devices: list[str], published: dict[str, float | None]
) -> list[dict[str, Any]]:
    """One row per given file; two files of one name are told apart by the shortest distinguishing end of their
    paths, and a file with a published twin (Google's) shows the published ImageNet top-1 beside its own."""
    rows = []
    labels = {(p.variant.name, p.file): p.label for p in collect_points(mine, device=None, dataset=None)}
    short = path_suffixes([a.path for a in given.values()])
    for sha, art in sorted(given.items(), key=lambda kv: Path(kv[1].path).name):
        recs = [r for r in mine if r.artifact_sha256 == sha]
        label = labels.get((art.variant.name, art.path)) or labels.get((art.variant.name, None)) or art.variant.label
        row: dict[str, Any] = {"file": short[art.path], "path": art.path, "variant": art.variant.name,
                               "label": label, "bytes": art.bytes, "scheme": art.scheme, "latency_ms": {},
                               "published_top1": published.get(published_twin(art.variant) or "")}  # fmt: skip
        for r in recs:
            if r.metric in ("top1", "top5"):
                row[r.metric] = {"value": r.value, "ci": [r.ci_low, r.ci_high], "n": r.n, "dataset": r.dataset,
                                 "source": r.source}  # fmt: skip
            elif r.metric == "latency_ms" and r.device in devices:
                row["latency_ms"][r.device] = {"value": r.value, "ci": [r.ci_low, r.ci_high], "source": r.source,
                                               "status": r.status, "marks": _marks(r)}  # fmt: skip
            elif r.metric == "e2e_latency_ms" and r.device in devices:
                row.setdefault("e2e_ms", {})[r.device] = {"value": r.value, "ci": [r.ci_low, r.ci_high],
                                                          "preset": (r.protocol or {}).get("preset")}  # fmt: skip
        rows.append(row)
    return rows


def _marks(r: MeasurementRecord) -> list[str]:
    """What a reader must know beside a latency: NOISY (CI too wide), partly delegated (not the fast path's alone)."""
    marks = ["NOISY" if r.status == "noisy" else ""]
    delegation = (r.record or {}).get("delegation") if isinstance(r.record, dict) else None
    if isinstance(delegation, dict) and delegation.get("full") is False:
        marks.append(
            f"partly delegated: {delegation.get('taken')} of {delegation.get('nodes')} nodes on "
            f"{delegation.get('path')}"
        )
    return [m for m in marks if m]


SHORT_SOURCE = {"measured": "m", "published": "p", "predicted": "e"}  # the answer table's tags, in its legend


def pareto_answer(studies: list[dict[str, Any]], devices: list[str]) -> dict[str, Any]:
    """The question the report's title asks, answered first: for each device in the store, the variants on its
    latency-accuracy front in each study (variant, latency, top-1, size and each number's source), and one
    sentence on what differs between the devices. A reader who stops here has the seed's finding."""
    per: dict[str, list[dict[str, Any]]] = {d: [] for d in devices}
    for study in studies:
        for view, entries in study["devices"].items():
            front = sorted((e for e in entries if e["on_front"]), key=lambda e: e.get("latency_ms") or 0.0)
            rows = [_answer_row(e) for e in front]
            device = _device_of(view, devices)
            per.setdefault(device, []).append({"view": view, "device": device, "dataset": study["dataset"],
                                               "description": study["description"], "rows": rows})  # fmt: skip
    return {
        "devices": [{"device": d, "fronts": fronts} for d, fronts in per.items()],
        "finding": _finding(studies, devices),
    }


def _device_of(view: str, devices: list[str]) -> str:
    """A report view is a device, or ``"device [engine]"`` when the device ran several engines."""
    if view in devices:
        return view
    return max((d for d in devices if view.startswith(d + " [")), key=len, default=view)


def _answer_row(entry: dict[str, Any]) -> dict[str, Any]:
    keep = ("latency_ms", "latency_ms_ci", "top1", "top1_ci", "size_mb")
    return {
        "label": entry["label"],
        "variant": entry["variant"],
        "stand_in": entry.get("stand_in"),
        "sources": dict(entry["sources"]),
        **{k: entry[k] for k in keep if k in entry},
    }


def _finding(studies: list[dict[str, Any]], devices: list[str]) -> str:
    """The seed's finding in one sentence: the front moves with the hardware (or, here, does not)."""
    compared = [s for s in studies if s["cross_device"]]
    if not compared:
        if len(devices) < 2:
            return "One device in the store: nothing to compare yet; add a board (sweep --devices) or a cluster."
        return "No study has the same variants on two devices yet, so the fronts cannot be compared."
    for s in compared:
        if s["moves"]:
            more = len(s["moves"]) - 2
            tail = f" (and {more} more such moves)" if more > 0 else ""
            return (
                f"What differs between devices ({s['dataset']}): the Pareto front moves with the hardware: "
                + "; ".join(s["moves"][:2])
                + tail
                + "."
            )
    return "The same variants are Pareto-optimal on every device compared: the front does not move here."


__all__ = ["pareto_answer", "plan_budget", "your_models"]

"""Assemble the report from the store: one study per dataset, one view per device (and engine).

The content is computed once into a plain document (also the ``--json`` output); the HTML
and Markdown writers only lay it out.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from edgepareto.analysis import Budget, Objective, analyse_front, collect_points, recommend, speedup_tables
from edgepareto.analysis.diff import cross_device_diff, moves
from edgepareto.analysis.paper import reproduce
from edgepareto.analysis.points import FrontEntry
from edgepareto.report._answers import pareto_answer, your_models
from edgepareto.report._energy import energy_section
from edgepareto.report.plots import plot_tradeoff
from edgepareto.store import MeasurementRecord, Store, now

ALPHA_FAMILY = "mobilenet_v1"  # the family the seed's Table II indexes by alpha
REALTIME_FPS = 30.0  # the seed's real-time criterion
LAT = [Objective("latency_ms", "min"), Objective("top1", "max")]
MEM = [Objective("size_mb", "min"), Objective("top1", "max")]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _entry_row(e: FrontEntry) -> dict[str, Any]:
    p = e.point
    row: dict[str, Any] = {
        "label": p.label,
        "variant": p.variant.name,
        "engine": p.engine,
        "status": e.status,
        "on_front": e.on_front,
        "dominated_by": list(e.dominated_by),
    }
    for m, est in p.metrics.items():
        row[m] = est.value
        if est.high != est.low:
            row[f"{m}_ci"] = [est.low, est.high]
    row["sources"] = p.sources()
    row["stand_in"] = p.stand_in
    row["noisy"] = p.noisy
    if "e2e_latency_ms" in p.provenance:
        row["e2e_preset"] = (p.provenance["e2e_latency_ms"].protocol or {}).get("preset")
    row["published_top1"] = p.published_top1  # the published twin's ImageNet figure, beside a measured one
    return row


def _views(records: list[MeasurementRecord], dataset: str) -> dict[str, list]:
    """Device (and engine, when a device has several) -> points with latency and top-1 on ``dataset``."""
    devices = list(dict.fromkeys(r.device for r in records if r.metric == "latency_ms" and r.device))
    views: dict[str, list] = {}
    for d in devices:
        pts = collect_points(records, device=d, dataset=dataset, require=("latency_ms", "top1"))
        if not pts:
            continue
        engines = sorted({p.engine or "" for p in pts})
        if len(engines) == 1:
            views[d] = pts
        else:
            for eng in engines:
                views[f"{d} [{eng}]"] = [p for p in pts if (p.engine or "") == eng]
    return views


PAPER_KEYS = ("alpha_speedup", "cluster_ratio_mean", "int8_gain_range", "moves", "flagged", "summary")


def build_report(store: Store, out_dir: Path, *, accept_noisy: bool = False) -> dict[str, Any]:
    """Compute every section and draw every plot into ``out_dir``; returns the report document.

    ``noisy`` latencies are shown (marked) in the first table, and enter fronts and plots only with
    ``accept_noisy`` (then marked there too)."""
    shown = store.measurements(include_noisy=True)
    records = shown if accept_noisy else [r for r in shown if r.status != "noisy"]
    datasets = {d.name: d for d in store.datasets()}
    devices = {d.name: d for d in store.devices()}
    names = sorted({r.dataset for r in records if r.metric == "top1" and r.dataset}, key=lambda n: n != "imagenet-val")
    studies = [_study(records, ds, datasets[ds].description if ds in datasets else ds, out_dir) for ds in names]
    paper = reproduce()
    return {
        "title": "edgepareto report: which MobileNet variant for which CPU?",
        "generated_at": now(),
        "store": str(store.path),
        "schema_version": store.schema_version,
        "answer": pareto_answer(studies, list(devices)),
        "yours": your_models(store, shown, accept_noisy=accept_noisy),
        "counts": dict(Counter(r.source for r in records)),
        "devices": [{"name": d.name, "kind": d.kind, "fingerprint": d.fingerprint} for d in devices.values()],
        "studies": studies,
        "paper": {k: paper[k] for k in PAPER_KEYS},
        "protocols": _protocols(records),
        "provenance": [_provenance(r) for r in records],
        "runs": store.runs(),
    }


def _training(records: list[MeasurementRecord], ds: str) -> dict[str, Any] | None:
    """What a trained study's models were trained on and for how long, and how far from the published figure."""
    rows, schedules, published = [], set(), None
    for r in records:
        extra = (r.record or {}).get("extra") or {}
        if r.metric != "top1" or r.dataset != ds or not extra.get("training"):
            continue
        schedules.add(str(extra["training"]))
        published = published or (extra.get("published_top1"), extra.get("published"))
        gap = None if published[0] is None or r.value is None else round(r.value - 100 * float(published[0]), 2)
        rows.append({"variant": r.variant.name, "top1": r.value, "ci": [r.ci_low, r.ci_high], "n": r.n,
                     "train_seconds": (r.record or {}).get("train_seconds"), "points_from_published": gap})  # fmt: skip
    if not rows:
        return None
    return {
        "schedules": sorted(schedules),
        "published": published[1] if published else None,
        "rows": sorted(rows, key=lambda x: x["variant"]),
    }


def _study(records: list[MeasurementRecord], ds: str, description: str, out_dir: Path) -> dict[str, Any]:
    """One data set's section: the memory front, a latency front per device, sizes, speed-ups, moves."""
    study: dict[str, Any] = {"dataset": ds, "description": description}
    plots: list[dict[str, Any]] = []
    mem_pts = collect_points(records, device=None, dataset=ds, require=("size_mb", "top1"))
    if mem_pts:
        mem = analyse_front(mem_pts, MEM)
        srcs = sorted({s for p in mem_pts for s in p.sources().values()})
        png, svg = plot_tradeoff(
            mem,
            "size_mb",
            "top1",
            f"Memory vs top-1 on {ds}",
            out_dir / f"memory-{_slug(ds)}",
            subtitle=f"hardware-independent; sources: {', '.join(srcs)}",
        )
        study["memory"] = [_entry_row(e) for e in mem]
        plots.append({"kind": "memory", "title": f"Memory vs top-1 ({ds})", "png": png.name, "svg": svg.name})
    views = _views(records, ds)
    res_count = Counter(p.variant.resolution for pts in views.values() for p in pts)
    main_res = res_count.most_common(1)[0][0] if res_count else None
    study["devices"], fronts, present, recs_by_view = {}, {}, {}, {}
    latency_map: dict[tuple[str, float, str], float] = {}
    left_out: set[str] = set()
    labels: dict[str, str] = {}
    for view, pts in views.items():
        entries = analyse_front(pts, LAT)
        srcs = sorted({f"{m}: {s}" for p in pts for m, s in p.sources().items() if m in ("latency_ms", "top1")})
        png, svg = plot_tradeoff(
            entries,
            "latency_ms",
            "top1",
            f"{view}: latency vs top-1 on {ds}",
            out_dir / f"latency-{_slug(ds)}-{_slug(view)}",
            subtitle="; ".join(srcs),
        )
        plots.append({"kind": "latency", "device": view, "title": view, "png": png.name, "svg": svg.name})
        study["devices"][view] = [_entry_row(e) for e in entries]
        # One name per file across views: the same file (or published variant) compared wherever it was timed.
        fronts[view] = {_same_label(e.point, labels) for e in entries if e.on_front}
        present[view] = {_same_label(e.point, labels) for e in entries}
        latency_map.update(_alpha_indexed(view, pts, main_res, left_out))
        recs_by_view[view] = _view_recommendations(pts)
    diff = cross_device_diff(fronts, present) if len(fronts) > 1 else []
    if energy := energy_section(views, records, ds, out_dir, main_res):
        study["energy"] = energy
        plots += energy["plots"]
    if training := _training(records, ds):
        study["training"] = training
    study.update(
        sizes=_size_rows(records, {p.variant.name for pts in views.values() for p in pts}),
        plots=plots,
        resolution=main_res,
        speedups=speedup_tables(latency_map).to_json(),
        fps_table=[
            {"device": d, "alpha": a, "precision": p, "latency_ms": v, "fps": 1000.0 / v}
            for (d, a, p), v in sorted(latency_map.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2]))
        ],
        cross_device=diff,
        moves=moves(diff),
        recommendations=recs_by_view,
    )
    if left_out:
        study["alpha_tables_note"] = (
            "left out of the alpha-indexed tables (not MobileNet v1: no width multiplier alpha to index by): "
            f"{', '.join(sorted(left_out))}; they are on the fronts above"
        )
    return study


def _same_label(point: Any, labels: dict[str, str]) -> str:
    """The label a point's file got in the first view that showed it: the cross-device difference compares files
    by identity (variant and file), not by the label each view's neighbours gave it (``@RES``, ``[path]``)."""
    return labels.setdefault(f"{point.variant.name}|{point.file or ''}", point.label)


def _alpha_indexed(view: str, pts: list[Any], resolution: int | None, left_out: set[str]) -> dict[tuple, float]:
    """(view, alpha, precision) -> latency for the Table II analogue and the speed-ups; a file of another family
    (no alpha) has no row there: it is named in ``left_out`` instead, and stays on every front."""
    out = {}
    for p in pts:
        if p.variant.alpha is None or p.variant.family != ALPHA_FAMILY:
            left_out.add(p.label)
        elif p.variant.resolution == resolution:
            out[(view, p.variant.alpha, str(p.variant.precision))] = p.value("latency_ms")
    return out


def _view_recommendations(pts: list[Any]) -> dict[str, Any]:
    rt = recommend(pts, Budget(max_latency_ms=1000.0 / REALTIME_FPS), top=1)
    best = recommend(pts, Budget(), top=1)
    return {
        "real_time": rt["recommendations"][:1] or rt.get("nearest", [])[:1],
        "real_time_met": bool(rt["recommendations"]),
        "most_accurate_on_front": best["recommendations"][:1],
    }


def _size_rows(records: list[MeasurementRecord], variants: set[str]) -> list[dict[str, Any]]:
    """File sizes by source, side by side: what was built here against what was published."""
    by: dict[str, dict[str, float]] = {}
    for r in records:
        if r.metric == "size_bytes" and r.variant.name in variants and r.value is not None:
            by.setdefault(r.variant.name, {})[r.source] = r.value
    rows = []
    for name in sorted(by):
        m, p = by[name].get("measured"), by[name].get("published")
        rows.append(
            {
                "variant": name,
                "measured_bytes": m,
                "published_bytes": p,
                "measured_over_published": None if not (m and p) else m / p,
            }
        )
    return rows


def _protocols(records: list[MeasurementRecord]) -> list[dict[str, Any]]:
    """Each distinct way latency was taken, with the devices and the count of figures it produced."""
    seen: dict[str, dict[str, Any]] = {}
    for r in records:
        if r.metric != "latency_ms":
            continue
        proto = r.protocol or {}
        k = repr((r.device, r.engine, r.engine_version, r.threads, sorted(proto.items())))
        entry = seen.setdefault(
            k,
            {
                "device": r.device,
                "source": r.source,
                "engine": r.engine,
                "engine_version": r.engine_version,
                "threads": r.threads,
                "protocol": proto,
                "kernel_path": (r.record or {}).get("kernel_path"),
                "count": 0,
            },
        )
        entry["count"] += 1
    return list(seen.values())


def _provenance(r: MeasurementRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "variant": r.variant.name,
        "metric": r.metric,
        "value": r.value,
        "unit": r.unit,
        "ci": None if r.ci_low is None else [r.ci_low, r.ci_high],
        "n": r.n,
        "source": r.source,
        "where": r.device or r.dataset or "",
        "engine": None if r.engine is None else f"{r.engine} {r.engine_version or ''}".strip(),
        "threads": r.threads,
        "protocol": (r.protocol or {}).get("name"),
        "citation": r.citation,
        "artifact": None if r.artifact_sha256 is None else r.artifact_sha256[:12],
        "tools": ", ".join(f"{k} {v}" for k, v in sorted((r.tool_versions or {}).items())),
        "created_at": r.created_at,
        "notes": latency_notes(r.record or {}) if r.metric == "latency_ms" else [],
    }


def latency_notes(record: dict[str, Any]) -> list[str]:
    """Per-point marks of a latency record: a graph only partly delegated, a CPU shared while timing, modes."""
    notes = []
    kernel = record.get("delegation") or {}
    if kernel and not kernel.get("full", True):
        left = ", ".join(f"{n} {op}" for op, n in sorted((kernel.get("leftover") or {}).items()))
        notes.append(
            f"partly delegated ({kernel.get('taken')}/{kernel.get('nodes')} nodes; {left} on "
            f"{kernel.get('leftover_on')})"
        )
    if record.get("noisy"):
        notes.append("noisy (CPU shared while timing)")
    if len(record.get("modes") or []) > 1:
        notes.append("modes: " + ", ".join(f"{m['median_ms']:.3g} ms ×{m['processes']}" for m in record["modes"]))
    return notes

"""The report's energy section: an accuracy–energy front per device and the Table II analogue in inferences per joule.

Only where a device's power sensor measured energy (``energy_mj`` records, source ``measured``); where it could
not, the section says why in the device's own words (no sensor, a root-only RAPL, a sensor too slow for the
model), read from its latency records, and draws nothing: the report never shows an estimated energy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edgepareto.analysis import Objective, analyse_front
from edgepareto.analysis.points import FrontEntry, Point
from edgepareto.report.plots import plot_tradeoff
from edgepareto.store import MeasurementRecord

ENERGY = [Objective("energy_mj", "min"), Objective("top1", "max")]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _row(e: FrontEntry) -> dict[str, Any]:
    p, rec = e.point, e.point.provenance["energy_mj"]
    est, per_j = p.metrics["energy_mj"], p.metrics["inferences_per_j"]
    return {"label": p.label, "variant": p.variant.name, "engine": p.engine, "energy_mj": est.value,
            "energy_mj_ci": [est.low, est.high], "inferences_per_j": per_j.value, "top1": p.value("top1"),
            "latency_ms": p.value("latency_ms"), "sensor": rec.notes, "source": rec.source, "status": e.status,
            "on_front": e.on_front, "dominated_by": list(e.dominated_by)}  # fmt: skip


def unavailable_reasons(records: list[MeasurementRecord]) -> dict[str, str]:
    """Device -> why its latency records carry no energy (the first reason each device gave)."""
    out: dict[str, str] = {}
    for r in records:
        energy = ((r.record or {}).get("telemetry") or {}).get("energy") or {}
        if r.metric == "latency_ms" and r.device and energy.get("status") == "unavailable":
            out.setdefault(r.device, str(energy.get("reason")))
    return out


def energy_section(
    views: dict[str, list[Point]], records: list[MeasurementRecord], ds: str, out_dir: Path, resolution: int | None
) -> dict[str, Any] | None:
    """Fronts, plots and the inferences-per-joule table for the views whose points carry a measured energy."""
    measured = {v: [p for p in pts if "energy_mj" in p.metrics] for v, pts in views.items()}
    measured = {v: pts for v, pts in measured.items() if pts}
    reasons = {d: why for d, why in unavailable_reasons(records).items() if not any(d in v for v in measured)}
    if not measured and not reasons:
        return None
    section: dict[str, Any] = {"devices": {}, "plots": [], "table": [], "unavailable": reasons}
    for view, pts in measured.items():
        entries = analyse_front(pts, ENERGY)
        png, svg = plot_tradeoff(
            entries,
            "energy_mj",
            "top1",
            f"{view}: energy per inference vs top-1 on {ds}",
            out_dir / f"energy-{_slug(ds)}-{_slug(view)}",
            subtitle="energy above idle, measured by the device's power sensor",
        )
        section["plots"].append(
            {"kind": "energy", "device": view, "title": f"{view} (energy)", "png": png.name, "svg": svg.name}
        )
        section["devices"][view] = [_row(e) for e in entries]
        section["table"] += [
            {
                "device": view,
                "alpha": p.variant.alpha,
                "precision": str(p.variant.precision),
                "inferences_per_j": p.value("inferences_per_j"),
                "energy_mj": p.value("energy_mj"),
            }
            for p in pts
            if resolution is None or p.variant.resolution == resolution
        ]
    return section


def _front_rows(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    cols = ["variant", "engine", "mJ per inference [95% CI]", "inferences per J", "top-1 %", "sensor", "status"]
    out = [
        [
            r["label"] + (" ★" if r["on_front"] else ""),
            r["engine"] or "–",
            f"{r['energy_mj']:.4g} [{r['energy_mj_ci'][0]:.4g}, {r['energy_mj_ci'][1]:.4g}]",
            f"{r['inferences_per_j']:.4g}",
            f"{r['top1']:.4g}",
            r["sensor"] or "–",
            r["status"],
        ]
        for r in rows
    ]
    return cols, out


def table_rows(section: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Alpha down, device × precision across: inferences per joule (the seed's Table II, with energy for time)."""
    return alpha_grid(section["table"], lambda r: f"{r['inferences_per_j']:.3g}")


def alpha_grid(table: list[dict[str, Any]], cell: Callable[[dict[str, Any]], str]) -> tuple[list[str], list[list[Any]]]:
    """The seed's Table II layout: alpha down, device × precision (fp32 first) across, ``cell(row)`` in each
    (frames per second, inferences per joule), "–" where the table has no row."""
    devices = list(dict.fromkeys(r["device"] for r in table))
    precisions = sorted({r["precision"] for r in table}, key=lambda p: (p != "fp32", p))
    cols = ["alpha"] + [f"{d} {p.upper()}" for d in devices for p in precisions]
    rows = []
    for a in sorted({r["alpha"] for r in table}):
        row: list[Any] = [f"{a:g}"]
        for d in devices:
            for p in precisions:
                hit = [r for r in table if r["device"] == d and r["alpha"] == a and r["precision"] == p]
                row.append(cell(hit[0]) if hit else "–")
        rows.append(row)
    return cols, rows


NOTE = (
    "Energy per inference is the energy the runs add above the idle power sampled just before them "
    "(window energy − idle power × window time, over the runs), from the device's own sensor; a sensor that "
    "updates fewer than 20 times inside the window is refused, not reported (README: Energy)."
)


def energy_blocks(section: dict[str, Any] | None) -> list[tuple[str, Any]]:
    """The section as (kind, content) blocks, laid out by the HTML and Markdown writers alike."""
    if not section:
        return []
    blocks: list[tuple[str, Any]] = [("h3", "Energy – accuracy"), ("p", NOTE)]
    for view, rows in section["devices"].items():
        blocks += [("h4", f"Energy – accuracy on {view} (★ on the front)"), ("table", _front_rows(rows))]
    if section["table"]:
        blocks += [("h4", "Table II analogue: inferences per joule"), ("table", table_rows(section))]
    for device, why in section["unavailable"].items():
        blocks.append(("p", f"{device}: {why}"))
    return blocks

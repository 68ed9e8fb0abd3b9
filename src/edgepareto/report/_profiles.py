"""The report's "where the time goes" section, from ``edgepareto profile --json`` documents.

Profiles are not in the store (a layer table is not one number), so the report takes the
documents a user saved; each bar and row names its file, engine, CPUs and where its times came from.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from edgepareto.errors import ConfigError

KINDS = ("standard", "depthwise", "pointwise", "fully_connected", "other")


def load_profiles(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """Read saved profile documents (one per file, or a list); a file that is not one is a one-line error."""
    docs = []
    for path in paths:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{path}: not a readable JSON profile ({exc.__class__.__name__}); "
                              "save one with `edgepareto profile FILE --json > profile.json`") from exc  # fmt: skip
        for doc in data if isinstance(data, list) else [data]:
            if not isinstance(doc, dict) or not isinstance(doc.get("by_kind_ms"), dict) or "variant" not in doc:
                raise ConfigError(f"{path}: not an `edgepareto profile --json` document (no variant/by_kind_ms)")
            _check_times(doc, path)
            docs.append(doc)
    return docs


def _check_times(doc: dict[str, Any], path: Path) -> None:
    """Every time a profile gives is a finite number of ms >= 0 (or absent): NaN never reaches a bar."""
    from edgepareto.validation import finite

    times = {**{f"by_kind_ms.{k}": v for k, v in doc["by_kind_ms"].items()}, "total_ms": doc.get("total_ms")}
    try:
        for name, value in times.items():
            if value is not None:
                finite(value, name, lo=0.0)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}; profile the file again") from exc


def _label(doc: dict[str, Any]) -> str:
    cpus = ",".join(str(c) for c in doc.get("cpus") or []) or "any CPU"
    return f"{doc['variant']} ({doc.get('engine', '?')}, CPU {cpus})"


def profile_section(docs: Sequence[dict[str, Any]], out_dir: Path) -> dict[str, Any] | None:
    """Rows (ms and share per layer kind, layer sum vs bench) and the stacked bar; None when nothing was timed."""
    from edgepareto.report.time_plot import plot_time_by_kind

    timed = [d for d in docs if d.get("total_ms") and all(v is not None for v in d["by_kind_ms"].values())]
    if not timed:
        return None
    rows = []
    for d in timed:
        total = float(d["total_ms"])
        bench = d.get("bench") or {}
        rows.append({"label": _label(d), "times_from": d.get("times_from") or "", "total_ms": total,
                     "ms": {k: float(d["by_kind_ms"].get(k) or 0.0) for k in KINDS},
                     "share": {k: float(d["by_kind_ms"].get(k) or 0.0) / total for k in KINDS},
                     "bench_ms": bench.get("median_ms") if bench.get("status") == "ok" else None,
                     "sum_vs_bench": d.get("layer_sum_vs_bench"), "source": d.get("source", "measured")})  # fmt: skip
    sources = sorted({r["times_from"] for r in rows if r["times_from"]})
    png, svg = plot_time_by_kind([{**d, "label": _label(d)} for d in timed], out_dir / "where-the-time-goes",
                                 title="Where the time goes (sum of per-layer times)",
                                 subtitle="; ".join(sources) or "measured")  # fmt: skip
    return {"rows": rows, "png": png.name, "svg": svg.name}

"""The report's "where the time goes" section, from ``edgepareto profile --json`` documents.

Profiles are not in the store (a layer table is not one number), so the report takes the
documents a user saved; each bar and row names its file, engine, CPUs and where its times came from.
A saved document is parsed once, into :class:`SavedProfile`, and every field the section shows is
checked there: a hand-edited or damaged file is one line, never a traceback or a ``nan`` in the report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgepareto.errors import ConfigError
from edgepareto.validation import display_path, finite, integer, parse_json, read_text

KINDS = ("standard", "depthwise", "pointwise", "fully_connected", "other")
FIX = "save one with `edgepareto profile FILE --json > profile.json`"


@dataclass(frozen=True)
class SavedProfile:
    """What the report takes from one ``profile --json`` document: times in ms (None: not timed)."""

    variant: str
    by_kind_ms: Mapping[str, float | None]
    total_ms: float | None = None
    engine: str = "?"
    cpus: tuple[int, ...] = ()
    times_from: str = ""
    bench_ms: float | None = None
    layer_sum_vs_bench: float | None = None
    source: str = "measured"

    def __post_init__(self) -> None:
        for name in ("variant", "engine", "times_from", "source"):
            if not isinstance(getattr(self, name), str):
                raise ConfigError(f"{name} must be a text, got {getattr(self, name)!r}")
        if not self.variant:
            raise ConfigError("variant must not be empty")
        if not isinstance(self.by_kind_ms, Mapping) or not set(self.by_kind_ms) <= set(KINDS):
            raise ConfigError(f"by_kind_ms must map layer kinds ({', '.join(KINDS)}) to ms")
        for kind, ms in self.by_kind_ms.items():
            _optional(ms, f"by_kind_ms.{kind}", lo=0.0)
        _optional(self.total_ms, "total_ms", lo=0.0)
        _optional(self.bench_ms, "bench.median_ms", lo=0.0)
        _optional(self.layer_sum_vs_bench, "layer_sum_vs_bench", lo=-1.0)
        if not isinstance(self.cpus, tuple):
            raise ConfigError(f"cpus must be a list of CPU numbers, got {self.cpus!r}")
        for cpu in self.cpus:
            integer(cpu, "each of cpus", lo=0, hi=65535)

    @classmethod
    def from_json(cls, doc: Any) -> SavedProfile:
        """The one place a saved document's fields are read (raises ConfigError naming the first bad one)."""
        if not isinstance(doc, dict) or not isinstance(doc.get("by_kind_ms"), dict) or "variant" not in doc:
            raise ConfigError("not an `edgepareto profile --json` document (no variant/by_kind_ms)")
        cpus = doc.get("cpus") or []
        if not isinstance(cpus, list):
            raise ConfigError(f"cpus must be a list of CPU numbers, got {cpus!r}")
        return cls(
            variant=doc["variant"],
            by_kind_ms=dict(doc["by_kind_ms"]),
            total_ms=doc.get("total_ms"),
            engine=doc.get("engine", "?"),
            cpus=tuple(cpus),
            times_from=doc.get("times_from") or "",
            bench_ms=_bench_ms(doc.get("bench")),
            layer_sum_vs_bench=doc.get("layer_sum_vs_bench"),
            source=doc.get("source", "measured"),
        )

    @property
    def timed(self) -> bool:
        return bool(self.total_ms) and all(v is not None for v in self.by_kind_ms.values())

    @property
    def label(self) -> str:
        cpus = ",".join(str(c) for c in self.cpus) or "any CPU"
        return f"{self.variant} ({self.engine}, CPU {cpus})"


def _optional(value: Any, name: str, *, lo: float) -> None:
    if value is not None:
        finite(value, name, lo=lo)


def _bench_ms(bench: Any) -> float | None:
    """The whole-model median when ``bench`` ran (``{"status": "ok", "median_ms": ...}``), else None."""
    if bench is None:
        return None
    if not isinstance(bench, dict):
        raise ConfigError(f"bench must be an object (or null), got {bench!r}")
    if bench.get("status") != "ok":
        return None
    return finite(bench.get("median_ms"), "bench.median_ms", lo=0.0)


def load_profiles(paths: Sequence[Path]) -> list[SavedProfile]:
    """Read saved profile documents (one per file, or a list); a file that is not one is a one-line error."""
    out = []
    for path in paths:
        data = parse_json(read_text(path, "profile"), f"profile {display_path(path)}", FIX)
        for doc in data if isinstance(data, list) else [data]:
            out.append(as_profile(doc, path))
    return out


def as_profile(doc: SavedProfile | dict[str, Any], path: Path | str = "profile") -> SavedProfile:
    """A document (a saved file's or :func:`~edgepareto.profile.profile_file`'s) as a checked SavedProfile."""
    if isinstance(doc, SavedProfile):
        return doc
    try:
        return SavedProfile.from_json(doc)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}; profile the file again, or {FIX}") from exc


def profile_section(docs: Sequence[SavedProfile | dict[str, Any]], out_dir: Path) -> dict[str, Any] | None:
    """Rows (ms and share per layer kind, layer sum vs bench) and the stacked bar; None when nothing was timed."""
    from edgepareto.report.time_plot import plot_time_by_kind

    timed = [p for p in (as_profile(d) for d in docs) if p.timed]
    if not timed:
        return None
    rows: list[dict[str, Any]] = []
    for p in timed:
        total = float(p.total_ms or 0.0)
        ms = {k: float(p.by_kind_ms.get(k) or 0.0) for k in KINDS}
        rows.append(
            {
                "label": p.label,
                "times_from": p.times_from,
                "total_ms": total,
                "ms": ms,
                "share": {k: v / total for k, v in ms.items()},
                "bench_ms": p.bench_ms,
                "sum_vs_bench": p.layer_sum_vs_bench,
                "source": p.source,
            }
        )
    sources = sorted({r["times_from"] for r in rows if r["times_from"]})
    bars = [{"variant": p.variant, "label": p.label, "by_kind_ms": dict(p.by_kind_ms)} for p in timed]
    png, svg = plot_time_by_kind(
        bars,
        out_dir / "where-the-time-goes",
        title="Where the time goes (sum of per-layer times)",
        subtitle="; ".join(sources) or "measured",
    )
    return {"rows": rows, "png": png.name, "svg": svg.name}

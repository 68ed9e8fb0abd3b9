"""Report: trade-off plots (PNG + SVG) in the seed's visual language, a self-contained HTML page, a Markdown summary."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from edgepareto.report._build import build_report
from edgepareto.report._layout import write_html, write_markdown
from edgepareto.report._profiles import SavedProfile, load_profiles, profile_section
from edgepareto.report.plots import plot_tradeoff

DEFAULT_DIR = Path("edgepareto-results") / "report"

__all__ = [
    "DEFAULT_DIR",
    "build_report",
    "load_profiles",
    "plot_tradeoff",
    "write_html",
    "write_markdown",
    "write_report",
]


def write_report(
    store: Any,
    out_dir: Path = DEFAULT_DIR,
    profiles: Sequence[SavedProfile | dict[str, Any]] = (),
    *,
    accept_noisy: bool = False,
) -> dict[str, Any]:
    """Build everything from ``store`` (and saved ``profile`` documents) into ``out_dir``; returns what it wrote.
    ``accept_noisy``: latencies stored ``noisy`` enter the fronts and plots too (marked)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = build_report(store, out_dir, accept_noisy=accept_noisy)
    if profiles and (section := profile_section(profiles, out_dir)) is not None:
        doc["time_goes"] = section
    doc["html"] = str(write_html(doc, out_dir))
    doc["markdown"] = str(write_markdown(doc, out_dir))
    doc["files"] = sorted(str(p) for p in out_dir.iterdir() if p.suffix in (".png", ".svg", ".html", ".md"))
    return doc

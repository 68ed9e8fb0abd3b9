"""Report: trade-off plots (PNG + SVG) in the seed's visual language, a self-contained HTML page, a Markdown summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgepareto.report._build import build_report
from edgepareto.report._layout import write_html, write_markdown
from edgepareto.report.plots import plot_tradeoff

DEFAULT_DIR = Path("edgepareto-results") / "report"

__all__ = ["DEFAULT_DIR", "build_report", "plot_tradeoff", "write_html", "write_markdown", "write_report"]


def write_report(store: Any, out_dir: Path = DEFAULT_DIR) -> dict[str, Any]:
    """Build everything from ``store`` into ``out_dir``; the document gains the paths it wrote."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = build_report(store, out_dir)
    doc["html"] = str(write_html(doc, out_dir))
    doc["markdown"] = str(write_markdown(doc, out_dir))
    doc["files"] = sorted(str(p) for p in out_dir.iterdir() if p.suffix in (".png", ".svg", ".html", ".md"))
    return doc

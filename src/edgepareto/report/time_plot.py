"""Where the time goes: one stacked bar per profiled variant (and device), by layer kind.

Standard convolution, depthwise, pointwise, fully connected and everything else, in ms, from
``edgepareto profile`` documents (their ``by_kind_ms``). The source of the times is in the
subtitle, so a bar never passes for more than it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from edgepareto.report.plots import save_figure

KIND_COLORS: dict[str, str] = {
    "standard": "#4c72b0",
    "depthwise": "#dd8452",
    "pointwise": "#55a868",
    "fully_connected": "#c44e52",
    "other": "#8c8c8c",
}


def plot_time_by_kind(
    profiles: Sequence[dict[str, Any]], stem: Path, *, title: str, subtitle: str
) -> tuple[Path, Path]:
    """Stacked bars of ``by_kind_ms`` per profile (label: ``label`` or ``variant``); writes PNG and SVG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [p for p in profiles if all(v is not None for v in p["by_kind_ms"].values())]
    if not rows:
        raise ValueError("no timed profile to plot; profile with ONNX Runtime or pass a benchmark_model log")
    labels = [p.get("label") or p["variant"] for p in rows]
    fig, ax = plt.subplots(figsize=(max(5.0, 1.1 * len(rows) + 2.5), 4.6), dpi=130)
    bottom = np.zeros(len(rows))
    for kind, color in KIND_COLORS.items():
        ms = np.array([p["by_kind_ms"].get(kind, 0.0) for p in rows])
        ax.bar(labels, ms, bottom=bottom, color=color, label=kind.replace("_", " "), width=0.6)
        bottom += ms
    ax.set_ylabel("ms per inference (sum of per-layer times)")
    ax.set_title(f"{title}\n{subtitle}", fontsize=9)
    ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    ax.legend(fontsize=7, framealpha=0.9)
    ax.grid(True, axis="y", ls=":", lw=0.6, color="#bbbbbb")
    fig.tight_layout()
    return save_figure(fig, stem)

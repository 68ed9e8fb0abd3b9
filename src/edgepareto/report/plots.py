"""Trade-off plots in the seed's visual language (its Fig. 4 and Fig. 5).

FP32 blue dots, INT8 orange crosses, configurations with the same alpha grouped in a
dashed black ellipse, the Pareto front as a solid red line; log x axis. Added here: the
CI of every point as error bars, and a grey ring around points whose front status is "too
close to call" given those CIs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from edgepareto.analysis.pareto import TOO_CLOSE
from edgepareto.analysis.points import FrontEntry

STYLE: dict[str, dict[str, object]] = {
    "fp32": {"marker": "o", "color": "#1f77b4", "label": "FP32", "filled": True},
    "int8": {"marker": "x", "color": "#ff7f0e", "label": "INT8", "filled": False},
    "fp16": {"marker": "^", "color": "#2ca02c", "label": "FP16", "filled": True},
    "int8-dynamic": {"marker": "D", "color": "#9467bd", "label": "INT8 dynamic", "filled": True},
}
AXIS_LABEL = {
    "latency_ms": "latency (ms per frame, single image)",
    "size_mb": "model file size (MB)",
    "top1": "top-1 accuracy (%)",
    "fps": "frames per second",
    "peak_rss_bytes": "peak memory (bytes)",
}


def _limits(lo: float, hi: float, log: bool, pad: float = 0.08) -> tuple[float, float]:
    if log:
        a, b = math.log10(lo), math.log10(hi)
        span = max(b - a, 0.3)
        return 10 ** (a - pad * span - 0.05), 10 ** (b + pad * span + 0.05)
    span = max(hi - lo, 1e-9)
    return lo - pad * span - 0.02 * abs(hi or 1), hi + pad * span + 0.02 * abs(hi or 1)


def plot_tradeoff(
    entries: Sequence[FrontEntry],
    x_metric: str,
    y_metric: str,
    title: str,
    stem: Path,
    *,
    log_x: bool = True,
    subtitle: str | None = None,
) -> tuple[Path, Path]:
    """Draw one trade-off plot and write ``stem.png`` and ``stem.svg``; returns both paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.2, 4.8), dpi=130)
    pts = [e for e in entries if x_metric in e.point.metrics and y_metric in e.point.metrics]
    xs = np.array([e.point.metrics[x_metric].value for e in pts], dtype=float)
    ys = np.array([e.point.metrics[y_metric].value for e in pts], dtype=float)
    if len(pts):
        x_lo = min(min(float(e.point.metrics[x_metric].low) for e in pts), float(xs.min()))
        x_hi = max(max(float(e.point.metrics[x_metric].high) for e in pts), float(xs.max()))
        y_lo = min(float(e.point.metrics[y_metric].low) for e in pts)
        y_hi = max(float(e.point.metrics[y_metric].high) for e in pts)
        xlim = _limits(max(x_lo, 1e-9), x_hi, log_x)
        ylim = _limits(y_lo, y_hi, False, pad=0.12)
    else:
        xlim, ylim = (0.1, 10.0) if log_x else (0.0, 1.0), (0.0, 1.0)
    if log_x:
        ax.set_xscale("log")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel(AXIS_LABEL.get(x_metric, x_metric) + (" (log scale)" if log_x else ""))
    ax.set_ylabel(AXIS_LABEL.get(y_metric, y_metric))
    if log_x:
        from matplotlib.ticker import FuncFormatter, LogLocator

        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    fig.suptitle(title, fontsize=11, y=0.985)
    if subtitle:
        fig.text(0.5, 0.925, subtitle, ha="center", fontsize=8, color="#444444")
    fig.tight_layout(rect=(0, 0, 1, 0.93 if subtitle else 0.96))
    fig.subplots_adjust(top=0.875 if subtitle else 0.9)

    # Same-alpha groups: dashed ellipses drawn in display-proportional axes space.
    bbox = ax.get_window_extent()
    aspect = bbox.height / bbox.width

    def to_axes(x: float, y: float) -> tuple[float, float]:
        fx = (
            (math.log10(x) - math.log10(xlim[0])) / (math.log10(xlim[1]) - math.log10(xlim[0]))
            if log_x
            else ((x - xlim[0]) / (xlim[1] - xlim[0]))
        )
        return fx, (y - ylim[0]) / (ylim[1] - ylim[0]) * aspect

    def from_axes(fx: float, fy: float) -> tuple[float, float]:
        fy /= aspect
        x = (
            10 ** (math.log10(xlim[0]) + fx * (math.log10(xlim[1]) - math.log10(xlim[0])))
            if log_x
            else (xlim[0] + fx * (xlim[1] - xlim[0]))
        )
        return x, ylim[0] + fy * (ylim[1] - ylim[0])

    groups: dict[tuple[float, int, str | None], list[int]] = {}
    for i, e in enumerate(pts):
        v = e.point.variant
        groups.setdefault((v.alpha, v.resolution, e.point.engine), []).append(i)
    resolutions = {k[1] for k in groups}
    for (alpha, res, _), idx in groups.items():
        coords = np.array([to_axes(xs[i], ys[i]) for i in idx])
        center = coords.mean(axis=0)
        if len(idx) > 1:
            d = coords[-1] - coords[0]
            far = max(np.linalg.norm(c - center) for c in coords)
            angle = math.atan2(d[1], d[0])
        else:
            far, angle = 0.0, 0.0
        a, b = far + 0.045, 0.035
        t = np.linspace(0, 2 * math.pi, 120)
        ex = center[0] + a * np.cos(t) * math.cos(angle) - b * np.sin(t) * math.sin(angle)
        ey = center[1] + a * np.cos(t) * math.sin(angle) + b * np.sin(t) * math.cos(angle)
        data = [from_axes(px, py) for px, py in zip(ex, ey, strict=True)]
        ax.plot([p[0] for p in data], [p[1] for p in data], ls="--", lw=0.8, color="black", zorder=1)
        tag = f"α={alpha:g}" + (f" @{res}" if len(resolutions) > 1 else "")
        # Outside the ellipse, across its minor axis on the lower/right side (the dominated side).
        nx, ny = math.sin(angle), -math.cos(angle)
        if nx - ny < 0:  # of the two normals, the one pointing right and down
            nx, ny = -nx, -ny
        anchor = from_axes(center[0] + nx * (b + 0.012), center[1] + ny * (b + 0.012))
        ax.annotate(tag, anchor, ha="left" if nx > 0.5 else "center", va="top" if ny < -0.5 else "center",
                    fontsize=8, color="#333333")  # fmt: skip

    # Points with CIs.
    seen = set()
    for i, e in enumerate(pts):
        st = STYLE.get(e.point.variant.precision, {"marker": "s", "color": "grey", "label": e.point.variant.precision})
        xm, ym = e.point.metrics[x_metric], e.point.metrics[y_metric]
        if xm.high > xm.low or ym.high > ym.low:  # type: ignore[operator]
            ax.errorbar(
                xs[i],
                ys[i],
                xerr=[[xs[i] - xm.low], [xm.high - xs[i]]],  # type: ignore[operator]
                yerr=[[ys[i] - ym.low], [ym.high - ys[i]]],  # type: ignore[operator]
                fmt="none",
                ecolor="#888888",
                elinewidth=0.8,
                capsize=2,
                zorder=2,
            )
        label = st["label"] if st["label"] not in seen else None
        seen.add(st["label"])
        ax.scatter(xs[i], ys[i], marker=st["marker"], color=st["color"], s=42, zorder=3, label=label, linewidths=1.6)
        if e.status == TOO_CLOSE:
            ax.scatter(xs[i], ys[i], marker="o", s=170, facecolors="none", edgecolors="#777777", zorder=3)

    # The front as a solid red line through the optimal points, ordered along x.
    front = sorted((i for i, e in enumerate(pts) if e.on_front), key=lambda i: (xs[i], ys[i]))
    if front:
        ax.plot(xs[front], ys[front], color="red", lw=1.6, zorder=2, label="Pareto front")
    if any(e.status == TOO_CLOSE for e in pts):
        ax.scatter([], [], marker="o", s=170, facecolors="none", edgecolors="#777777", label="too close to call")

    ax.grid(True, which="major", ls=":", lw=0.6, color="#bbbbbb")
    ax.legend(loc="lower right", fontsize=8, framealpha=0.9)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    fig.savefig(png)
    fig.savefig(svg)
    plt.close(fig)
    return png, svg

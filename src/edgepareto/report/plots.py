"""Trade-off plots in the seed's visual language (its Fig. 4 and Fig. 5).

FP32 blue dots, INT8 orange crosses, configurations with the same alpha grouped in a
dashed black ellipse, the Pareto front as a solid red line; log x axis. Added here: the
CI of every point as error bars, and a grey ring around points whose front status is "too
close to call" given those CIs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from edgepareto.analysis.pareto import TOO_CLOSE
from edgepareto.analysis.points import FrontEntry
from edgepareto.models import Precision

AXIS_LABEL = {
    "latency_ms": "latency (ms per frame, single image)",
    "size_mb": "model file size (MB)",
    "top1": "top-1 accuracy (%)",
    "fps": "frames per second",
    "peak_rss_bytes": "peak memory (bytes)",
    "energy_mj": "energy per inference (mJ, above idle)",
}


def _limits(lo: float, hi: float, log: bool, pad: float = 0.08) -> tuple[float, float]:
    if log:
        a, b = math.log10(lo), math.log10(hi)
        span = max(b - a, 0.3)
        return 10 ** (a - pad * span - 0.05), 10 ** (b + pad * span + 0.05)
    span = max(hi - lo, 1e-9)
    return lo - pad * span - 0.02 * abs(hi or 1), hi + pad * span + 0.02 * abs(hi or 1)


@dataclass(frozen=True)
class _Frame:
    """The axes' limits and scale, and the map to display-proportional coordinates (for round ellipses)."""

    xlim: tuple[float, float]
    ylim: tuple[float, float]
    log_x: bool
    aspect: float = 1.0

    def _fx(self, x: float) -> float:
        (a, b), f = self.xlim, (math.log10 if self.log_x else float)
        return (f(x) - f(a)) / (f(b) - f(a))

    def to_axes(self, x: float, y: float) -> tuple[float, float]:
        return self._fx(x), (y - self.ylim[0]) / (self.ylim[1] - self.ylim[0]) * self.aspect

    def from_axes(self, fx: float, fy: float) -> tuple[float, float]:
        (a, b), fy = self.xlim, fy / self.aspect
        x = 10 ** (math.log10(a) + fx * (math.log10(b) - math.log10(a))) if self.log_x else a + fx * (b - a)
        return x, self.ylim[0] + fy * (self.ylim[1] - self.ylim[0])


def _frame(pts: Sequence[FrontEntry], x_metric: str, y_metric: str, log_x: bool) -> _Frame:
    if not pts:
        return _Frame((0.1, 10.0) if log_x else (0.0, 1.0), (0.0, 1.0), log_x)
    xs = [e.point.metrics[x_metric] for e in pts]
    ys = [e.point.metrics[y_metric] for e in pts]
    x_lo = min(min(float(m.low) for m in xs), min(float(m.value) for m in xs))
    x_hi = max(max(float(m.high) for m in xs), max(float(m.value) for m in xs))
    y_lo, y_hi = min(float(m.low) for m in ys), max(float(m.high) for m in ys)
    return _Frame(_limits(max(x_lo, 1e-9), x_hi, log_x), _limits(y_lo, y_hi, False, pad=0.12), log_x)


def _setup_axes(fig, ax, frame: _Frame, x_metric: str, y_metric: str, title: str, subtitle: str | None) -> None:
    if frame.log_x:
        from matplotlib.ticker import FuncFormatter, LogLocator

        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
    ax.set_xlim(*frame.xlim)
    ax.set_ylim(*frame.ylim)
    ax.set_xlabel(AXIS_LABEL.get(x_metric, x_metric) + (" (log scale)" if frame.log_x else ""))
    ax.set_ylabel(AXIS_LABEL.get(y_metric, y_metric))
    fig.suptitle(title, fontsize=11, y=0.985)
    if subtitle:
        fig.text(0.5, 0.925, subtitle, ha="center", fontsize=8, color="#444444")
    fig.tight_layout(rect=(0, 0, 1, 0.93 if subtitle else 0.96))
    fig.subplots_adjust(top=0.875 if subtitle else 0.9)


def _draw_groups(ax, pts: Sequence[FrontEntry], xs: np.ndarray, ys: np.ndarray, frame: _Frame) -> None:
    """Same-alpha groups: dashed ellipses drawn in display-proportional axes space, labelled outside."""
    groups: dict[tuple[str, float | None, int, str | None], list[int]] = {}
    for i, e in enumerate(pts):
        v = e.point.variant
        groups.setdefault((v.family, v.alpha, v.resolution, e.point.engine), []).append(i)
    several_resolutions = len({k[2] for k in groups}) > 1
    several_families = len({k[0] for k in groups}) > 1
    for (family, alpha, res, _), idx in groups.items():
        coords = np.array([frame.to_axes(xs[i], ys[i]) for i in idx])
        center = coords.mean(axis=0)
        far, angle = 0.0, 0.0
        if len(idx) > 1:
            d = coords[-1] - coords[0]
            far, angle = max(float(np.linalg.norm(c - center)) for c in coords), math.atan2(d[1], d[0])
        a, b = far + 0.045, 0.035
        t = np.linspace(0, 2 * math.pi, 120)
        ex = center[0] + a * np.cos(t) * math.cos(angle) - b * np.sin(t) * math.sin(angle)
        ey = center[1] + a * np.cos(t) * math.sin(angle) + b * np.sin(t) * math.cos(angle)
        data = [frame.from_axes(px, py) for px, py in zip(ex, ey, strict=True)]
        ax.plot([p[0] for p in data], [p[1] for p in data], ls="--", lw=0.8, color="black", zorder=1)
        tag = (f"{short_family(family)} " if several_families else "") + (f"α={alpha:g}" if alpha is not None else "")
        tag += f" @{res}" if several_resolutions else ""
        # Outside the ellipse, across its minor axis on the lower/right side (the dominated side).
        nx, ny = math.sin(angle), -math.cos(angle)
        if nx - ny < 0:  # of the two normals, the one pointing right and down
            nx, ny = -nx, -ny
        anchor = frame.from_axes(center[0] + nx * (b + 0.012), center[1] + ny * (b + 0.012))
        ax.annotate(
            tag.strip(),
            anchor,
            ha="left" if nx > 0.5 else "center",
            va="top" if ny < -0.5 else "center",
            fontsize=8,
            color="#333333",
        )


def _draw_points(ax, pts: Sequence[FrontEntry], xs: np.ndarray, ys: np.ndarray, x_metric: str, y_metric: str) -> None:
    """Points in their precision's style, with CIs as error bars and a grey ring when too close to call; across
    families, the colour is the precision's and the marker the family's (``family_markers``)."""
    seen = set()
    markers = family_markers(pts)
    for i, e in enumerate(pts):
        st = Precision.parse(e.point.variant.precision).style
        if markers:  # the legend names families by marker and precisions by colour (_family_legend)
            st = replace(st, marker=markers[e.point.variant.family], label="")
        xm, ym = e.point.metrics[x_metric], e.point.metrics[y_metric]
        if xm.high > xm.low or ym.high > ym.low:
            ax.errorbar(
                xs[i],
                ys[i],
                xerr=[[xs[i] - xm.low], [xm.high - xs[i]]],
                yerr=[[ys[i] - ym.low], [ym.high - ys[i]]],
                fmt="none",
                ecolor="#888888",
                elinewidth=0.8,
                capsize=2,
                zorder=2,
            )
        label = st.label if st.label and st.label not in seen else None
        seen.add(st.label)
        if "predicted" in (e.point.sources().get(m) for m in (x_metric, y_metric)):
            # predicted: hollow, its interval drawn as the error bar above
            ax.scatter(
                xs[i],
                ys[i],
                marker=st.marker,
                facecolors="none",
                edgecolors=st.color,
                s=42,
                zorder=3,
                label=label,
                linewidths=1.2,
            )
        else:
            ax.scatter(xs[i], ys[i], marker=st.marker, color=st.color, s=42, zorder=3, label=label, linewidths=1.6)
        if e.status == TOO_CLOSE:
            ax.scatter(xs[i], ys[i], marker="o", s=170, facecolors="none", edgecolors="#777777", zorder=3)
        if e.point.stand_in and x_metric == "latency_ms":
            ax.scatter(
                xs[i],
                ys[i],
                marker="s",
                s=120,
                facecolors="none",
                edgecolors="#d62728",
                linewidths=0.9,
                linestyle=":",
                zorder=3,
            )
        if e.point.noisy:
            ax.scatter(xs[i], ys[i], marker="x", s=110, color="#d62728", linewidths=1.0, zorder=4)
    if markers:
        _family_legend(ax, pts, markers)
    # The front as a solid red line through the optimal points, ordered along x.
    front = sorted((i for i, e in enumerate(pts) if e.on_front), key=lambda i: (xs[i], ys[i]))
    if front:
        ax.plot(xs[front], ys[front], color="red", lw=1.6, zorder=2, label="Pareto front")
    if any(e.status == TOO_CLOSE for e in pts):
        ax.scatter([], [], marker="o", s=170, facecolors="none", edgecolors="#777777", label="too close to call")
    if any("predicted" in e.point.sources().values() for e in pts):
        ax.scatter([], [], marker="s", s=42, facecolors="none", edgecolors="#333333", label="hollow: predicted")
    if any(e.point.noisy for e in pts):
        ax.scatter([], [], marker="x", s=110, color="#d62728", label="noisy latency (--accept-noisy)")
    if x_metric == "latency_ms" and any(e.point.stand_in for e in pts):
        ax.scatter(
            [],
            [],
            marker="s",
            s=120,
            facecolors="none",
            edgecolors="#d62728",
            linestyle=":",
            label="stand-in: latency of a file built here",
        )


FAMILY_MARKERS = ("o", "s", "^", "D", "v", "P", "*", "h")


def short_family(family: str) -> str:
    """``mobilenet_v3_small`` -> ``v3_small``: what a plot label has room for (other families as they are)."""
    return family.removeprefix("mobilenet_")


def family_markers(pts: Sequence[FrontEntry]) -> dict[str, str]:
    """A marker per family when the points span several (one front across families), else none (the seed's
    markers per precision stay)."""
    families = sorted({e.point.variant.family for e in pts})
    if len(families) < 2:
        return {}
    return {f: FAMILY_MARKERS[i % len(FAMILY_MARKERS)] for i, f in enumerate(families)}


def _family_legend(ax, pts: Sequence[FrontEntry], markers: dict[str, str]) -> None:
    """Legend entries: each family by its marker (grey), each precision by its colour (a bar)."""
    for family, marker in markers.items():
        ax.scatter([], [], marker=marker, color="#555555", s=42, label=family)
    for precision in dict.fromkeys(Precision.parse(e.point.variant.precision) for e in pts):
        ax.plot([], [], ls="-", lw=5, color=precision.style.color, label=precision.style.label)


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
    frame = _frame(pts, x_metric, y_metric, log_x)
    _setup_axes(fig, ax, frame, x_metric, y_metric, title, subtitle)
    bbox = ax.get_window_extent()
    frame = replace(frame, aspect=bbox.height / bbox.width)
    _draw_groups(ax, pts, xs, ys, frame)
    _draw_points(ax, pts, xs, ys, x_metric, y_metric)
    ax.grid(True, which="major", ls=":", lw=0.6, color="#bbbbbb")
    ax.legend(loc="lower right", fontsize=8, framealpha=0.9)
    return save_figure(fig, stem)


def save_figure(fig, stem: Path) -> tuple[Path, Path]:
    """Write ``stem.png`` and ``stem.svg`` and close the figure; returns both paths."""
    import matplotlib.pyplot as plt

    stem.parent.mkdir(parents=True, exist_ok=True)
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    fig.savefig(png)
    fig.savefig(svg)
    plt.close(fig)
    return png, svg

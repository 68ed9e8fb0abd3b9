"""Statistics of one latency measurement: pure functions of the run times (NumPy only, no I/O).

Bootstrap CIs are seeded, so the same times always give the same figures. The stopping rule of
the fast protocol uses the distribution-free order-statistic CI of the median instead: exact in
coverage and cheap enough to evaluate inside the timed loop's bookkeeping.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np

#: Spread above which a measurement is flagged noisy: (p90 - median) / median.
NOISY_TAIL = 0.25
#: ... or a half-width of the bootstrap CI of the median above this fraction of the median.
NOISY_CI = 0.05


def median_ci_order(sorted_values: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free CI of the median from order statistics (normal approximation to Binomial(n, 1/2)).

    ``sorted_values`` must be sorted ascending. For n < 6 the CI is the whole range.
    """
    n = len(sorted_values)
    if n == 0:
        return (math.nan, math.nan)
    if n < 6:
        return (float(sorted_values[0]), float(sorted_values[-1]))
    z = _z(confidence)
    half = z * math.sqrt(n) / 2.0
    lo = max(0, math.floor(n / 2.0 - half) - 1)  # 1-based j = floor(n/2 - half)
    hi = min(n - 1, math.ceil(n / 2.0 + half))  # 1-based k = ceil(1 + n/2 + half)
    return (float(sorted_values[lo]), float(sorted_values[hi]))


def _z(confidence: float) -> float:
    if not 0.5 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0.5, 1), got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def relative_halfwidth(ci: tuple[float, float], center: float) -> float:
    """Largest distance from ``center`` to a CI bound, as a fraction of ``center``."""
    if not center or math.isnan(ci[0]):
        return math.inf
    return max(center - ci[0], ci[1] - center) / center


def bootstrap_ci(
    values: np.ndarray, stat: str = "median", *, confidence: float = 0.95, n_boot: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap CI of the median or mean; seeded and vectorised (chunks keep memory bounded)."""
    x = np.asarray(values, dtype=np.float64)
    n = len(x)
    if n == 0:
        return (math.nan, math.nan)
    if n == 1:
        return (float(x[0]), float(x[0]))
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_boot, 4_000_000 // n))
    stats = []
    done = 0
    while done < n_boot:
        k = min(chunk, n_boot - done)
        idx = rng.integers(0, n, size=(k, n))
        sample = x[idx]
        stats.append(np.median(sample, axis=1) if stat == "median" else sample.mean(axis=1))
        done += k
    s = np.concatenate(stats)
    a = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(s, [a, 1.0 - a])
    return (float(lo), float(hi))


def outliers(values: np.ndarray) -> int:
    """Runs outside Tukey's fences (1.5 IQR beyond the quartiles)."""
    x = np.asarray(values, dtype=np.float64)
    if len(x) < 4:
        return 0
    q1, q3 = np.percentile(x, [25, 75])
    iqr = q3 - q1
    return int(np.count_nonzero((x < q1 - 1.5 * iqr) | (x > q3 + 1.5 * iqr)))


def summarize(times_ms: list[float] | np.ndarray, *, seed: int = 0, n_boot: int = 2000) -> dict[str, Any]:
    """Every figure the issue asks for, from run times in milliseconds; ``warnings`` says if it was noisy.

    FPS is 1000 / mean (throughput of back-to-back runs), as TFLite's benchmark tool reports it.
    """
    x = np.asarray(times_ms, dtype=np.float64)
    if len(x) == 0:
        raise ValueError("no run times to summarize")
    median = float(np.median(x))
    mean = float(x.mean())
    p90, p99 = (float(v) for v in np.percentile(x, [90, 99]))
    ci_med = bootstrap_ci(x, "median", n_boot=n_boot, seed=seed)
    ci_mean = bootstrap_ci(x, "mean", n_boot=n_boot, seed=seed + 1)
    out: dict[str, Any] = {
        "runs": len(x),
        "median_ms": median,
        "mean_ms": mean,
        "p90_ms": p90,
        "p99_ms": p99,
        "std_ms": float(x.std(ddof=1)) if len(x) > 1 else 0.0,
        "min_ms": float(x.min()),
        "max_ms": float(x.max()),
        "fps": 1000.0 / mean if mean > 0 else None,
        "ci95_median_ms": [ci_med[0], ci_med[1]],
        "ci95_mean_ms": [ci_mean[0], ci_mean[1]],
        "outliers": outliers(x),
    }
    out["warnings"] = noise_warnings(out)
    return out


def noise_warnings(s: dict[str, Any]) -> list[str]:
    """Plain-language warnings when the spread says the machine was busy or the figure is not stable."""
    warnings = []
    median = s["median_ms"]
    tail = (s["p90_ms"] - median) / median if median > 0 else 0.0
    half = relative_halfwidth(tuple(s["ci95_median_ms"]), median)
    if tail > NOISY_TAIL:
        warnings.append(
            f"noisy: p90 is {tail:.0%} above the median (other load on these CPUs?); "
            f"pin to an idle cluster or raise --runs"
        )
    if half > NOISY_CI:
        warnings.append(f"unstable: the 95% CI of the median is ±{half:.1%} of it; run more (--runs) or on idle CPUs")
    if s["runs"] >= 10 and s["outliers"] > 0.1 * s["runs"]:
        warnings.append(f"noisy: {s['outliers']} of {s['runs']} runs are outliers (Tukey fences)")
    return warnings


#: Process medians more than this fraction apart (sorted neighbours) belong to different modes.
MODE_GAP = 0.05


def median_ci_exact(values: list[float] | np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Distribution-free CI of the median from order statistics, exact (Binomial(n, 1/2)): ``(lo, hi, level)``.

    The interval is ``[x_(j), x_(n+1-j)]`` with the largest ``j`` whose coverage ``1 - 2 P(B < j)`` is at
    least ``confidence``; ``level`` is that coverage. With too few values for ``confidence`` (fewer than 6
    at 95%) it is the whole range and ``level`` says how much less it covers.
    """
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = len(x)
    if n == 0:
        return (math.nan, math.nan, 0.0)
    _z(confidence)  # validates the level
    j, level = 1, 1.0 - 2.0 * 0.5**n
    while j + 1 <= n // 2:
        cover = 1.0 - 2.0 * sum(math.comb(n, i) for i in range(j + 1)) * 0.5**n
        if cover < confidence:
            break
        j, level = j + 1, cover
    return (float(x[j - 1]), float(x[n - j]), level)


def modes(medians: list[float], gap: float = MODE_GAP) -> list[dict[str, Any]]:
    """Groups of process medians: sorted neighbours more than ``gap`` (relative) apart start a new group."""
    x = sorted(float(v) for v in medians)
    if not x:
        return []
    groups: list[list[float]] = [[x[0]]]
    for v in x[1:]:
        if v > groups[-1][-1] * (1.0 + gap):
            groups.append([])
        groups[-1].append(v)
    return [{"median_ms": float(np.median(g)), "processes": len(g), "min_ms": g[0], "max_ms": g[-1]} for g in groups]

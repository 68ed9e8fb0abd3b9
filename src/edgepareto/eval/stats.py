"""Confidence intervals for accuracies: Wilson score intervals (pure functions, no I/O)."""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # two-sided 95% normal quantile


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion: honest near 0 and 1 and for small n."""
    if n < 1:
        raise ValueError(f"a confidence interval needs n >= 1 trials, got {n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be in [0, n={n}], got {successes}")
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def agreement(a: list[int] | tuple[int, ...], b: list[int] | tuple[int, ...]) -> float:
    """Share of positions where two prediction lists agree (e.g. fp32 vs int8 top-1)."""
    if len(a) != len(b) or not a:
        raise ValueError(f"agreement needs two non-empty lists of equal length, got {len(a)} and {len(b)}")
    return sum(int(x == y) for x, y in zip(a, b, strict=True)) / len(a)

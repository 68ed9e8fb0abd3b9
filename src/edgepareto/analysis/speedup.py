"""Speed-up tables like the seed's Table II discussion: alpha scaling, precision gains, cluster ratios.

Pure functions over ``{(device, alpha, precision): latency_ms}``. A speed-up is a ratio of
latencies (equivalently of FPS); "averaged over alpha" is the mean of the per-alpha ratios,
which is how the seed's 4.8x/4.1x come out of its table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import permutations
from statistics import fmean
from typing import Any

Key = tuple[str, float, str]  # (device, alpha, precision)


@dataclass(frozen=True)
class SpeedupTables:
    alpha_scaling: list[dict[str, Any]]
    precision_gain: list[dict[str, Any]]
    cluster_ratio: list[dict[str, Any]]
    cluster_ratio_mean: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "alpha_scaling": self.alpha_scaling,
            "precision_gain": self.precision_gain,
            "cluster_ratio": self.cluster_ratio,
            "cluster_ratio_mean": self.cluster_ratio_mean,
        }


def _axes(latency: Mapping[Key, float]) -> tuple[list[str], list[float], list[str]]:
    devices = list(dict.fromkeys(k[0] for k in latency))
    alphas = sorted({k[1] for k in latency})
    precisions = sorted({k[2] for k in latency}, key=lambda p: (p != "fp32", p))
    return devices, alphas, precisions


def alpha_scaling(latency: Mapping[Key, float]) -> list[dict[str, Any]]:
    """Per device and precision: how much faster each alpha is than the largest (1.0 -> 0.25 is the headline)."""
    devices, alphas, precisions = _axes(latency)
    rows = []
    for d in devices:
        for p in precisions:
            have = [a for a in alphas if (d, a, p) in latency]
            if len(have) < 2:
                continue
            top = max(have)
            for a in sorted(have, reverse=True)[1:]:
                rows.append(
                    {
                        "device": d,
                        "precision": p,
                        "from_alpha": top,
                        "to_alpha": a,
                        "speedup": latency[(d, top, p)] / latency[(d, a, p)],
                    }
                )
    return rows


def precision_gain(latency: Mapping[Key, float], baseline: str = "fp32") -> list[dict[str, Any]]:
    """Per device and alpha: latency of ``baseline`` over latency of each other precision."""
    devices, alphas, precisions = _axes(latency)
    rows = []
    for d in devices:
        for p in precisions:
            if p == baseline:
                continue
            for a in alphas:
                if (d, a, baseline) in latency and (d, a, p) in latency:
                    rows.append(
                        {
                            "device": d,
                            "alpha": a,
                            "baseline": baseline,
                            "precision": p,
                            "speedup": latency[(d, a, baseline)] / latency[(d, a, p)],
                        }
                    )
    return rows


def cluster_ratio(latency: Mapping[Key, float]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """For each ordered pair of devices: slower latency / faster latency per alpha, and the mean over alpha."""
    devices, alphas, precisions = _axes(latency)
    rows: list[dict[str, Any]] = []
    means: list[dict[str, Any]] = []
    for fast, slow in permutations(devices, 2):
        for p in precisions:
            ratios = [
                (a, latency[(slow, a, p)] / latency[(fast, a, p)])
                for a in alphas
                if (fast, a, p) in latency and (slow, a, p) in latency
            ]
            if not ratios:
                continue
            mean = fmean(r for _, r in ratios)
            if mean < 1.0:
                continue  # report each pair once, as "fast is N x faster than slow"
            rows.extend({"faster": fast, "slower": slow, "precision": p, "alpha": a, "ratio": r} for a, r in ratios)
            means.append(
                {
                    "faster": fast,
                    "slower": slow,
                    "precision": p,
                    "alphas": [a for a, _ in ratios],
                    "mean_ratio": mean,
                }
            )
    return rows, means


def speedup_tables(latency: Mapping[Key, float], baseline: str = "fp32") -> SpeedupTables:
    rows, means = cluster_ratio(latency)
    return SpeedupTables(alpha_scaling(latency), precision_gain(latency, baseline), rows, means)

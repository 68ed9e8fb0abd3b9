"""The cross-device difference: which variants enter or leave the front from one device to another.

The seed's example: alpha=0.5-FP32 is on the Cortex-A15 front and off the Cortex-A7 front,
so the optimal set moves with the hardware.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import permutations
from typing import Any


def cross_device_diff(fronts: Mapping[str, set[str]], present: Mapping[str, set[str]]) -> list[dict[str, Any]]:
    """For every ordered device pair (a -> b), among variants measured on both: enters, leaves, stays.

    ``fronts[d]`` are the labels on d's front, ``present[d]`` every label measured on d.
    """
    out = []
    for a, b in permutations(fronts, 2):
        common = present[a] & present[b]
        fa, fb = fronts[a] & common, fronts[b] & common
        out.append(
            {
                "from": a,
                "to": b,
                "enters": sorted(fb - fa),
                "leaves": sorted(fa - fb),
                "stays": sorted(fa & fb),
                "compared": len(common),
                "only_on_from": sorted(present[a] - present[b]),
                "only_on_to": sorted(present[b] - present[a]),
            }
        )
    return out


def moves(diff: list[dict[str, Any]]) -> list[str]:
    """Sentences in the seed's words: 'alpha=0.5-FP32 is on the front for A but not for B'."""
    lines = []
    for d in diff:
        for label in d["leaves"]:
            lines.append(f"{label} is on the front for {d['from']} but not for {d['to']}")
    return lines

"""Analysis: Pareto fronts (2 and N metrics) per device, status under uncertainty, cross-device
difference, speed-up tables, GMAC/s, recommendations (top-1 compared by a paired test where two files
have predictions on the same images) and the seed-paper reproduction.

Pure functions over records and points; the store and the report are at the edges.
"""

from __future__ import annotations

from edgepareto.analysis.diff import cross_device_diff, moves
from edgepareto.analysis.paired import PairedAccuracy, PairedTest, mcnemar_exact, paired_for
from edgepareto.analysis.pareto import (
    DOMINATED,
    ON_FRONT,
    TOO_CLOSE,
    Estimate,
    Objective,
    dominates,
    pareto_front,
    status_under_uncertainty,
)
from edgepareto.analysis.points import FrontEntry, Point, analyse_front, collect_points
from edgepareto.analysis.recommend import Budget, recommend
from edgepareto.analysis.reference import load_reference, open_results
from edgepareto.analysis.select import (
    choose_dataset,
    front,
    measured_device,
    parse_objectives,
    recommend_on,
    resolve_device,
)
from edgepareto.analysis.speedup import SpeedupTables, speedup_tables

__all__ = [
    "DOMINATED",
    "ON_FRONT",
    "TOO_CLOSE",
    "Budget",
    "Estimate",
    "FrontEntry",
    "Objective",
    "PairedAccuracy",
    "PairedTest",
    "Point",
    "SpeedupTables",
    "analyse_front",
    "choose_dataset",
    "collect_points",
    "cross_device_diff",
    "dominates",
    "front",
    "load_reference",
    "mcnemar_exact",
    "measured_device",
    "moves",
    "open_results",
    "paired_for",
    "pareto_front",
    "parse_objectives",
    "recommend",
    "recommend_on",
    "resolve_device",
    "speedup_tables",
    "status_under_uncertainty",
]

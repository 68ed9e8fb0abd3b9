"""Pareto fronts (2 and N metrics) and status under uncertainty, on small exact cases."""

from __future__ import annotations

import pytest

from edgepareto.analysis import DOMINATED, ON_FRONT, TOO_CLOSE, Estimate, Objective, dominates, pareto_front
from edgepareto.analysis.pareto import dominators, status_under_uncertainty
from edgepareto.errors import ConfigError

MIN_MAX = ("min", "max")  # latency, accuracy


def test_two_metric_front():
    rows = [(10, 70), (20, 71), (15, 65), (5, 50), (10, 69), (30, 71)]
    assert pareto_front(rows, MIN_MAX) == [0, 1, 3]
    assert dominators(rows, MIN_MAX, 2) == [0, 4]  # (15, 65) is beaten by (10, 70) and (10, 69)
    assert set(dominators(rows, MIN_MAX, 5)) == {1}  # equal accuracy, slower


def test_ties_are_both_on_the_front():
    assert pareto_front([(1, 1), (1, 1)], MIN_MAX) == [0, 1]
    assert not dominates((1, 1), (1, 1), MIN_MAX)


def test_three_metrics():
    # (latency, size, accuracy): the third point is only better in size and stays on the front.
    rows = [(10, 5, 70), (12, 6, 70), (20, 1, 60), (25, 2, 60)]
    assert pareto_front(rows, ("min", "min", "max")) == [0, 2]
    # Without the size objective, the small model drops off.
    assert pareto_front([(r[0], r[2]) for r in rows], MIN_MAX) == [0]
    assert pareto_front([(r[1], r[2]) for r in rows], MIN_MAX) == [0, 2]


def test_status_under_uncertainty():
    e = Estimate
    points = [
        [e(10, 9.5, 10.5), e(70, 69, 71)],  # clearly optimal
        [e(20, 19, 21), e(60, 59, 61)],  # clearly dominated by the first
        [e(10.4, 10.2, 10.8), e(69.5, 68.9, 70.1)],  # overlaps the first: too close to call
        [e(5, 4.9, 5.1), e(40, 39, 41)],  # fastest: optimal
    ]
    assert status_under_uncertainty(points, MIN_MAX) == [TOO_CLOSE, DOMINATED, TOO_CLOSE, ON_FRONT]


def test_point_estimates_reduce_to_the_plain_front():
    rows = [(10, 70), (20, 71), (15, 65), (5, 50)]
    status = status_under_uncertainty([[Estimate(a), Estimate(b)] for a, b in rows], MIN_MAX)
    front = pareto_front(rows, MIN_MAX)
    assert [s == ON_FRONT for s in status] == [i in front for i in range(len(rows))]
    assert all(s in (ON_FRONT, DOMINATED) for s in status)


def test_errors_name_the_problem():
    with pytest.raises(ConfigError, match="sense"):
        Objective("latency_ms", "smaller")
    with pytest.raises(ConfigError, match="must contain the value"):
        Estimate(1.0, 1.1, 1.2)
    with pytest.raises(ConfigError, match="needs 2 values"):
        pareto_front([(1, 2, 3)], MIN_MAX)
    assert Objective.parse("top1") == Objective("top1", "max")
    assert Objective.parse("latency_ms") == Objective("latency_ms", "min")
    assert Objective.parse("+size_mb") == Objective("size_mb", "max")


def test_an_estimate_without_an_interval_has_float_bounds_at_its_value() -> None:
    """Readers (fronts, plots, the fps inversion) use ``low``/``high`` without testing for None."""
    e = Estimate(3)
    assert (e.low, e.high) == (3.0, 3.0) and isinstance(e.low, float) and isinstance(e.high, float)
    assert Estimate(2.0, high=2.5) == Estimate(2.0, 2.0, 2.5)
    assert e.oriented("max") == (-3.0, -3, -3.0)
    with pytest.raises(ConfigError, match="finite"):
        Estimate(float("nan"))

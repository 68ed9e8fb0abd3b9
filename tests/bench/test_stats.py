"""Statistics are pure functions of the run times: exact on constructed data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from edgepareto.bench.stats import bootstrap_ci, median_ci_order, outliers, relative_halfwidth, summarize


def test_summary_figures_match_numpy_definitions():
    rng = np.random.default_rng(1)
    x = rng.normal(10.0, 0.2, size=500)
    s = summarize(x, seed=3)
    assert s["runs"] == 500
    assert s["median_ms"] == pytest.approx(float(np.median(x)))
    assert s["mean_ms"] == pytest.approx(float(x.mean()))
    assert s["p90_ms"] == pytest.approx(float(np.percentile(x, 90)))
    assert s["p99_ms"] == pytest.approx(float(np.percentile(x, 99)))
    assert s["std_ms"] == pytest.approx(float(x.std(ddof=1)))
    assert (s["min_ms"], s["max_ms"]) == (x.min(), x.max())
    assert s["fps"] == pytest.approx(1000.0 / x.mean())
    lo, hi = s["ci95_median_ms"]
    assert lo < s["median_ms"] < hi
    lo, hi = s["ci95_mean_ms"]
    assert lo < s["mean_ms"] < hi
    assert s["warnings"] == []


def test_bootstrap_is_seeded_and_covers_the_truth():
    rng = np.random.default_rng(7)
    covered = 0
    for _ in range(40):
        x = rng.exponential(1.0, size=200)
        lo, hi = bootstrap_ci(x, "median", seed=0, n_boot=500)
        covered += lo <= math.log(2) <= hi
    assert covered >= 34  # nominal 95% of 40 = 38
    x = rng.normal(size=50)
    assert bootstrap_ci(x, seed=5) == bootstrap_ci(x, seed=5)


def test_order_statistic_ci_brackets_the_median():
    x = np.sort(np.arange(1, 101, dtype=float))
    lo, hi = median_ci_order(x)
    assert lo < 50.5 < hi
    assert (lo, hi) == (40.0, 61.0)  # 1-based j = floor(50 - 9.8) = 40, k = ceil(1 + 50 + 9.8) = 61
    assert relative_halfwidth((40.0, 61.0), 50.5) == pytest.approx(10.5 / 50.5)
    assert median_ci_order(np.array([1.0, 2.0, 3.0])) == (1.0, 3.0)


def test_outliers_use_tukey_fences():
    x = np.array([10.0] * 20 + [10.5] * 20 + [30.0, 31.0])
    assert outliers(x) == 2


def test_noisy_runs_get_a_plain_warning():
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(5, 0.05, 70), rng.normal(9, 0.5, 30)])
    s = summarize(x)
    assert any(w.startswith("noisy") for w in s["warnings"])

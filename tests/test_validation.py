"""The central checks of edgepareto.validation: finite numbers, integer ranges, seeds, threads, CSV cells."""

from __future__ import annotations

import math
import os

import pytest

from edgepareto.errors import ConfigError
from edgepareto.validation import csv_cell, display_path, finite, integer, no_duplicates, seed, threads, usable_cpus


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, True, "1", None])
def test_finite_refuses_nan_inf_bool_and_non_numbers(bad):
    with pytest.raises(ConfigError, match="timeout"):
        finite(bad, "timeout")


def test_integer_seed_and_threads_ranges():
    assert integer(3, "n", lo=1, hi=3) == 3 and seed(2**32 - 1) == 2**32 - 1
    for bad in (True, 1.0, 0, 4):
        with pytest.raises(ConfigError):
            integer(bad, "n", lo=1, hi=3)
    with pytest.raises(ConfigError, match=r"in \[0, 4294967295\]"):
        seed(-1)
    with pytest.raises(ConfigError, match="one per CPU"):
        threads(usable_cpus() + 1)


def test_csv_cells_cannot_be_formulas_and_stay_utf8():
    assert [csv_cell(x) for x in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "plain")] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "plain",
    ]
    name = os.fsdecode(b"caf\xe9.jpg")
    assert csv_cell(name) == display_path(name) == "caf\\xe9.jpg"
    csv_cell(name).encode("utf-8")


def test_duplicates_are_named():
    assert no_duplicates((1, 2), "alphas") == (1, 2)
    with pytest.raises(ConfigError, match="alphas lists 2 twice"):
        no_duplicates((1, 2, 2), "alphas")


@pytest.mark.parametrize(
    "override",
    [
        {"timeout_s": math.nan},
        {"time_limit_s": math.inf},
        {"pause_s": -math.inf},
        {"target_ci": math.nan},
        {"cool_down_to_c": math.nan},
        {"runs": True},
        {"seed": -1},
        {"warmup": 1.5},
    ],
)
def test_protocol_refuses_non_finite_and_mistyped_values(override):
    from edgepareto.bench.protocol import Protocol

    with pytest.raises(ConfigError, match=next(iter(override))):
        Protocol.fast(**override)

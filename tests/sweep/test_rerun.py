"""A second sweep with the store of the first measures nothing: every task, a noisy latency's included, is done
(issue 27: `make main` run again answers from the store). A noisy record is kept, marked, and measured again only
when asked (``remeasure_noisy``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from edgepareto.store import Store
from edgepareto.sweep import load_plan, run_sweep
from tests.conftest import FLOAT_MODEL
from tests.sweep.tiny import seed_home_cache, write_plan


@pytest.fixture
def swept(tmp_path, monkeypatch, fixtures_dir):
    """The tiny latency-only plan swept once (its conversion from the home cache); returns (plan, store path)."""
    plan = write_plan(tmp_path)
    monkeypatch.setenv("EDGEPARETO_HOME", str(tmp_path / "home"))
    seed_home_cache(tmp_path / "home", plan, FLOAT_MODEL)
    store = tmp_path / "r" / "results.sqlite"
    first = run_sweep(load_plan(plan), store, live=False, report_dir=None)
    assert first.failed == 0 and first.done == first.tasks == 2, first.failures
    return plan, store


def _latency(store: Path) -> tuple[int, str, float]:
    """(run id, status, value) of the one measured latency record."""
    with sqlite3.connect(store) as db:
        rows = db.execute(
            "SELECT run_id, status, value FROM measurements WHERE metric = 'latency_ms' AND source = 'measured'"
        ).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def _mark_noisy(store: Path) -> None:
    """What a loaded host leaves: the latency stored ``noisy`` (its CI too wide), its other records ``ok``."""
    with sqlite3.connect(store) as db:
        assert (
            db.execute(
                "UPDATE measurements SET status = 'noisy' WHERE metric = 'latency_ms' AND source = 'measured'"
            ).rowcount
            == 1
        )


@pytest.mark.e2e
@pytest.mark.parametrize("noisy", [False, True], ids=["ok", "noisy"])
def test_a_rerun_measures_nothing_and_rewrites_the_report(swept, noisy, tmp_path):
    plan, store = swept
    if noisy:
        _mark_noisy(store)
    before = _latency(store)
    report = tmp_path / "report"
    again = run_sweep(load_plan(plan), store, live=False, report_dir=report)
    assert again.done == 0 and again.failed == 0 and again.skipped == again.tasks == 2
    assert again.new_records == 0 and again.timings == []  # no task ran: nothing measured, nothing built
    assert _latency(store) == before  # the noisy record is kept, still marked
    assert again.report is not None and Path(again.report["html"]).is_file()


@pytest.mark.e2e
def test_a_noisy_latency_is_measured_again_when_asked(swept):
    plan, store = swept
    _mark_noisy(store)
    old_run = _latency(store)[0]
    again = run_sweep(load_plan(plan), store, live=False, report_dir=None, remeasure_noisy=True)
    assert again.failed == 0 and again.done == 1 and again.skipped == 1  # the latency task only, not the conversion
    assert again.new_records >= 2  # the latency and its derived records (peak memory, start-up), all new
    new_run, _, value = _latency(store)
    assert new_run == again.run_id != old_run and value > 0
    with Store(store) as s:
        runs = {m.run_id for m in s.measurements(source="measured", include_noisy=True) if m.metric != "size_bytes"}
    assert runs == {again.run_id}, (
        runs
    )  # latency, memory and start-up all from the new measurement, none left from the old


def test_forget_measured_drops_only_measured_records_with_those_keys(tmp_path):
    from edgepareto.store import MeasurementRecord, Variant

    v = Variant("mobilenet_v1", 0.25, 128, 1001, "fp32")
    size = {"variant": v, "metric": "size_bytes", "value": 1000.0, "n": 1}
    with Store(tmp_path / "r.sqlite") as store:
        store.add(MeasurementRecord(**size, source="measured", key="a"))
        store.add(MeasurementRecord(**size, source="measured", key="b"))
        store.add(MeasurementRecord(**size, source="published", citation="a paper", key="c"))
        assert store.forget_measured(["a", "c"]) == 1 and store.forget_measured([]) == 0
        assert not store.has("a") and store.has("b") and store.has("c")

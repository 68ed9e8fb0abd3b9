"""No record silently lost or mis-attributed: one transaction per artifact, every promised key checked,
artifacts verified by sha256 before reuse, failed measurements counted, temp files kept under the store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from edgepareto.artifacts import Artifact
from edgepareto.errors import StoreError
from edgepareto.store import MeasurementRecord, Store, Variant
from edgepareto.sweep import load_plan, run_sweep
from tests.conftest import FLOAT_MODEL
from tests.sweep.tiny import canonical, seed_home_cache, sweep_cli, write_plan

V = Variant("mobilenet_v1", 0.25, 128, 1001, "fp32")


@pytest.fixture
def tiny(tmp_path, monkeypatch, fixtures_dir):
    """The tiny plan with its conversion in the home cache; returns (plan, store path)."""
    plan = write_plan(tmp_path)
    monkeypatch.setenv("EDGEPARETO_HOME", str(tmp_path / "home"))
    seed_home_cache(tmp_path / "home", plan, FLOAT_MODEL)
    return plan, tmp_path / "r" / "results.sqlite"


def _sweep(plan: Path, store: Path):
    return run_sweep(load_plan(plan), store, live=False, report_dir=None)


def _delete(store: Path, key: str) -> None:
    with sqlite3.connect(store) as db:
        assert db.execute("DELETE FROM measurements WHERE key = ?", (key,)).rowcount == 1


def test_the_artifact_row_and_its_size_commit_together(tmp_path):
    f = tmp_path / "m.tflite"
    f.write_bytes(FLOAT_MODEL.read_bytes() if FLOAT_MODEL.exists() else b"x" * 100)
    from edgepareto.artifacts.verify import sha256_of

    art = Artifact(sha256_of(f), V, "tflite", str(f), f.stat().st_size, "fp32", None, "recipe-1")
    size = MeasurementRecord(
        variant=V,
        metric="size_bytes",
        value=float(art.bytes),
        source="measured",
        artifact_sha256=art.sha256,
        device="no such device",
        key="size-1",
    )
    with Store(tmp_path / "r.sqlite") as store:
        with pytest.raises(StoreError, match="unknown device"):
            store.add_artifact(art, [size])  # the size cannot be written (as on a full disk) ...
        assert store.artifacts() == [] and store.artifact_by_recipe("recipe-1") is None  # ... so neither is the row
        ok = MeasurementRecord(**{**size.__dict__, "device": None, "id": None, "created_at": None})
        assert store.add_artifact(art, [ok]) == 1
        assert store.artifact_by_recipe("recipe-1") == art and store.has("size-1")


@pytest.mark.e2e
def test_a_rerun_after_deleting_any_one_record_rewrites_it(tiny):
    plan, store = tiny
    first = _sweep(plan, store)
    # size, latency, peak memory, first inference, load time
    assert first.failed == 0 and first.new_records == 5, first.failures
    clean = canonical(store)
    for key, metric, *_ in clean["records"]:
        _delete(store, key)
        again = _sweep(plan, store)
        assert again.failed == 0 and again.new_records == 1, (metric, again.failures)
        assert canonical(store) == clean, f"{metric} was not written again"


@pytest.mark.e2e
def test_a_same_size_corrupted_artifact_is_rebuilt_not_measured(tiny):
    plan, store = tiny
    assert _sweep(plan, store).failed == 0
    clean = canonical(store)
    with Store(store) as s:
        (art,) = s.artifacts()
        latency = [m.key for m in s.measurements(source="measured", include_noisy=True) if m.metric != "size_bytes"]
    path = Path(art.path)
    path.write_bytes(bytes(b ^ 0xFF for b in path.read_bytes()))  # same size, other content
    for key in latency:
        _delete(store, key)  # the latency is measured again: on the original file, not on the damaged one
    again = _sweep(plan, store)
    assert again.failed == 0 and again.new_records == len(latency) == 4, again.failures
    assert canonical(store) == clean  # same sha256 everywhere, and the file is intact again


@pytest.mark.e2e
def test_failed_measurements_count_as_failures_and_the_sweep_exits_nonzero(tiny):
    plan, store = tiny
    hopeless = write_plan(plan.parent / "hopeless", extra="timeout_s = 0.01")  # the child cannot even start
    for _ in range(2):  # every rerun tries again, fails again, and says so
        rc, doc, err = sweep_cli(hopeless, store, {})
        assert rc == 1, err[-2000:]
        assert doc["status"] == "finished with failures" and doc["failed"] == 1, doc
        (failure,) = doc["failures"]
        assert failure["task"].startswith("latency") and "did not finish within 0.01 s" in failure["error"]
    with Store(store) as s:
        (m,) = s.measurements(metric="latency_ms", source="measured", include_failed=True)
        assert m.status == "failed"
    rc, doc, err = sweep_cli(plan, store, {})
    assert rc == 0 and doc["failed"] == 0 and doc["status"] == "finished", err[-2000:]


@pytest.mark.e2e
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_interrupting_a_sweep_mid_measurement_exits_within_a_second_without_a_child(tiny, how):
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.bench.test_orphans import _wait_for_child
    from tests.procs import TAG, kill_all, new_tag, wait_until_gone

    plan, store = tiny
    forever = write_plan(plan.parent / "forever", extra="timeout_s = 600", runs=1_000_000)
    tag = new_tag()
    cmd = [sys.executable, "-m", "edgepareto", "sweep", str(forever), "--store", str(store), "--no-report",
           "--no-live", "--json"]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, TAG: tag},
        start_new_session=True,
    )
    try:
        _wait_for_child(tag, proc, cpu_s=1.0)  # the latency task's child is measuring
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)  # the terminal's Ctrl-C: the whole foreground group
        else:
            proc.terminate()
        t0 = time.monotonic()
        out, err = proc.communicate(timeout=60)
        took = time.monotonic() - t0
        assert wait_until_gone(tag, 0.5) == []
        assert took < 1.0, f"{how} took {took:.2f} s"
        assert proc.returncode == 130 and out == "", err[-2000:]
        with Store(store) as s:
            assert s.runs()[-1]["status"] == "interrupted"
            assert s.measurements(metric="size_bytes", source="measured")  # what finished is kept
    finally:
        kill_all(tag)

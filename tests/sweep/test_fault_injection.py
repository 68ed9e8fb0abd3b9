"""Fault injection: a sweep killed anywhere (between two commits included) and run again ends with the
store a clean run writes, no process left behind, and no temporary file outside the store's folder."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from edgepareto.store import Store
from tests.conftest import FLOAT_MODEL
from tests.procs import TAG, kill_all, new_tag, wait_until_gone
from tests.sweep.tiny import canonical, seed_home_cache, sweep_cli, write_plan

pytestmark = pytest.mark.e2e  # end to end: sweeps or boards in child processes (make test-all)

POINTS = ("artifact-file", "artifact-row", "measured", "latency-row")  # see edgepareto.faults


@dataclass(frozen=True)
class Reference:
    plan: Path
    home: Path  # holds every conversion of the plan
    records: dict[str, Any]  # canonical() of a clean run
    seconds: float  # how long a clean run with that home takes


@dataclass(frozen=True)
class Fault:
    point: str | None = None  # EDGEPARETO_FAULT=POINT:NTH, or None: SIGKILL after ``delay_s``
    nth: int = 1
    delay_s: float = 0.0
    cold: bool = False  # a fresh home cache: the conversion runs (TensorFlow) and can be killed

    def __str__(self) -> str:
        where = f"{self.point}:{self.nth}" if self.point else f"after {self.delay_s:.2f} s"
        return where + (" (converting)" if self.cold else "")


def _reference(folder: Path, plan: Path, home: Path) -> Reference:
    store = folder / "clean" / "results.sqlite"
    t0 = time.monotonic()
    rc, doc, err = sweep_cli(plan, store, {"EDGEPARETO_HOME": str(home)})
    assert rc == 0 and doc["failed"] == 0, err[-3000:]
    seconds = time.monotonic() - t0
    records = canonical(store)
    assert records["records"] and all(r[5] == "ok" for r in records["records"])
    assert all(a[-1] for a in records["artifacts"])  # every artifact file intact
    return Reference(plan, home, records, seconds)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, fixtures_dir) -> Reference:
    """Google's float model stands in for the conversion (home cache): no TensorFlow, a few seconds a run."""
    folder = tmp_path_factory.mktemp("seeded")
    plan = write_plan(folder, resolutions="128")
    seed_home_cache(folder / "home", plan, FLOAT_MODEL)
    return _reference(folder, plan, folder / "home")


@pytest.fixture(scope="module")
def converted(tmp_path_factory, fixtures_dir) -> Reference:
    """Two real conversions (alpha 0.25 at 32 and 64, fp32); the clean run fills the home cache."""
    folder = tmp_path_factory.mktemp("converted")
    plan = write_plan(folder, resolutions="32, 64")
    cold = _reference(folder / "cold", plan, folder / "home")
    warm = _reference(folder / "warm", plan, folder / "home")
    assert warm.records == cold.records  # conversion is deterministic: a cached one is the same artifact
    return warm


def _kill_and_rerun(ref: Reference, fault: Fault, folder: Path) -> None:
    """Run the sweep into a fresh store, kill it at ``fault``, run it again; the store must be the clean one."""
    home = folder / "home"
    if not fault.cold:
        shutil.copytree(ref.home, home)
    store, systmp, tag = folder / "r" / "results.sqlite", folder / "systmp", new_tag()
    systmp.mkdir(parents=True)
    env = {"EDGEPARETO_HOME": str(home), "TMPDIR": str(systmp), TAG: tag, "TF_CPP_MIN_LOG_LEVEL": "3"}
    try:
        rc = _killed_run(ref.plan, store, {**os.environ, **env}, fault)
        if fault.point:
            assert rc == -signal.SIGKILL, f"{fault}: the fault point was never reached (exit {rc})"
        assert wait_until_gone(tag, 2.0) == [], f"{fault}: a process outlived the killed sweep"
        rc, doc, err = sweep_cli(ref.plan, store, env)
        assert rc == 0 and doc["failed"] == 0, f"{fault}: rerun failed: {doc and doc['failures']} {err[-3000:]}"
        assert canonical(store) == ref.records, f"{fault}: the store differs from a clean run's"
        with Store(store) as s:
            assert s.integrity_check() == "ok"
        assert wait_until_gone(tag, 2.0) == [], f"{fault}: a process outlived the rerun"
        assert list(systmp.iterdir()) == [], f"{fault}: temporary files left in the system temp folder"
        assert list((store.parent / ".tmp").iterdir()) == [], f"{fault}: the killed run's temp folder was kept"
    finally:
        kill_all(tag)


def _killed_run(plan: Path, store: Path, env: dict[str, str], fault: Fault) -> int:
    cmd = [sys.executable, "-m", "edgepareto", "sweep", str(plan), "--store", str(store), "--no-report",
           "--no-live", "--json"]  # fmt: skip
    if fault.point:
        env = {**env, "EDGEPARETO_FAULT": f"{fault.point}:{fault.nth}"}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    if fault.point is None:
        try:
            proc.wait(timeout=fault.delay_s)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=600)


@pytest.mark.parametrize("point", POINTS)
def test_killed_between_commits_then_rerun_equals_a_clean_run(seeded, point, tmp_path):
    _kill_and_rerun(seeded, Fault(point), tmp_path)


def _twenty_faults(ref: Reference) -> list[Fault]:
    rng = random.Random(11)
    faults = [Fault(p, nth) for p in POINTS for nth in (1, 2)]  # every point, for both variants of the plan
    faults.append(Fault("home-cache", 1, cold=True))  # the converted file half cached in $EDGEPARETO_HOME
    faults.append(Fault(delay_s=rng.uniform(4.0, 12.0), cold=True))  # somewhere in the first conversion
    faults += [Fault(delay_s=rng.uniform(0.0, ref.seconds)) for _ in range(20 - len(faults))]
    return faults


@pytest.mark.slow
def test_killed_at_twenty_random_points_then_rerun_equals_a_clean_run(converted, tmp_path):
    faults = _twenty_faults(converted)
    assert len(faults) == 20
    for i, fault in enumerate(faults):
        _kill_and_rerun(converted, fault, tmp_path / f"fault{i:02d}")


def test_a_sweep_killed_while_converting_keeps_its_temp_files_under_the_store(tmp_path, fixtures_dir):
    """The conversion's folder is in ``<store>/.tmp``, not the system temp folder; the next run removes it."""
    plan, store, systmp, tag = write_plan(tmp_path, "32"), tmp_path / "r" / "results.sqlite", tmp_path / "t", new_tag()
    systmp.mkdir()
    env = {"EDGEPARETO_HOME": str(tmp_path / "home"), "TMPDIR": str(systmp), TAG: tag}
    try:
        rc = _killed_run(plan, store, {**os.environ, **env}, Fault("home-cache"))  # converted, half cached
        assert rc == -signal.SIGKILL
        assert list(systmp.iterdir()) == []
        (stale,) = (store.parent / ".tmp").iterdir()
        assert any(stale.rglob("*.tflite"))  # the killed conversion's folder, with the model it wrote
        rc, doc, err = sweep_cli(plan, store, env)
        assert rc == 0 and doc["failed"] == 0, err[-3000:]
        assert not stale.exists() and list((store.parent / ".tmp").iterdir()) == []
        assert list(systmp.iterdir()) == [] and wait_until_gone(tag, 2.0) == []
    finally:
        kill_all(tag)

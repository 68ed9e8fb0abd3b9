"""A run whose process was killed is marked ``killed`` when a sweep next opens the store (issue 31, item 20)."""

from __future__ import annotations

import os
import subprocess
import sys

from edgepareto.store import Store
from edgepareto.store._liveness import process_start, run_is_alive


def _run_of(store_path, pid: int, started_at: str) -> int:
    with Store(store_path) as s:
        run = s.start_run("killed-plan", {})
        s._db.execute("UPDATE runs SET pid = ?, started_at = ? WHERE id = ?", (pid, started_at, run))
    return run


def test_a_run_of_a_killed_process_is_marked_killed_on_the_next_open_for_writing(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    store_path = tmp_path / "results.sqlite"
    with Store(store_path) as s:
        started = s._db.execute("SELECT strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')").fetchone()[0]
    dead = _run_of(store_path, child.pid, started)
    child.kill()  # kill -9: the run is never finished
    child.wait()
    with Store(store_path) as s:
        assert {r["id"]: r["status"] for r in s.runs()}[dead] == "running"  # reading changes nothing
        mine = s.start_run("next", {})
        status = {r["id"]: (r["status"], r["finished_at"]) for r in s.runs()}
    assert status[dead][0] == "killed" and status[dead][1] is not None
    assert status[mine][0] == "running"  # the live run (this process) is left alone


def test_a_reused_pid_does_not_keep_a_dead_run_alive(tmp_path):
    store_path = tmp_path / "results.sqlite"
    reused = _run_of(store_path, os.getpid(), "2001-01-01T00:00:00.000+00:00")  # pid alive, but started later
    with Store(store_path) as s:
        s.start_run("next", {})
        assert {r["id"]: r["status"] for r in s.runs()}[reused] == "killed"


def test_liveness_reads_pid_and_start_time():
    start = process_start(os.getpid())
    assert start is not None
    from datetime import UTC, datetime

    assert run_is_alive(os.getpid(), datetime.now(UTC).isoformat())
    assert not run_is_alive(os.getpid(), datetime.fromtimestamp(start - 3600, UTC).isoformat())

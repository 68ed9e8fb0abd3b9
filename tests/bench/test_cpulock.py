"""Two measurements on one CPU take turns (issue 31, item 20): the second waits, says so, then runs."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading

import pytest

import edgepareto.bench._run as run_module
from edgepareto.bench import measure
from edgepareto.bench.cpulock import cpus_locked
from tests.conftest import QUANT_MODEL

HOLDER = (
    "import sys; from edgepareto.bench.cpulock import cpus_locked\nwith cpus_locked([0]):\n"
    "    print('held', flush=True); sys.stdin.read()\n"
)


@pytest.fixture
def locks(tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEPARETO_LOCK_DIR", str(tmp_path / "locks"))
    return tmp_path / "locks"


def _is_locked(path) -> bool:
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_a_second_measurement_on_the_same_cpu_waits_and_says_for_whom(locks):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with cpus_locked([1], say=pytest.fail):  # a disjoint CPU: no wait, no message
            pass
        said: list[str] = []
        entered = threading.Event()

        def second() -> None:
            with cpus_locked([0, 1], say=said.append):
                entered.set()

        t = threading.Thread(target=second, daemon=True)
        t.start()
        for _ in range(600):  # until it says it waits (30 s at most)
            if said:
                break
            t.join(0.05)
        assert not entered.is_set()  # it said it waits, and it has not started: the holder still has CPU 0
        assert len(said) == 1 and "waiting for CPU 0" in said[0] and f"pid {holder.pid}" in said[0]
        holder.stdin.close()  # the first measurement ends (a kill -9 releases the same way)
        t.join(60)
        assert entered.is_set()
    finally:
        holder.kill()
        holder.wait()


def test_measure_holds_its_cpus_while_the_child_runs(locks, monkeypatch, fixtures_dir):
    seen: list[bool] = []

    def fake_child(request, **_kw):
        seen.append(_is_locked(locks / "cpu0.lock"))
        raise RuntimeError("stop here")

    monkeypatch.setattr(run_module, "run_child", fake_child)
    with pytest.raises(RuntimeError, match="stop here"):
        measure(QUANT_MODEL, cpus=[0])
    assert seen == [True]
    assert not _is_locked(locks / "cpu0.lock")  # released when the measurement ends, even by an exception

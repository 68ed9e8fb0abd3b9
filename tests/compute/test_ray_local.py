"""The local Ray head that `--executor ray` starts without an address dies with its driver (issue 31, item 14).

`ray.init()` without an address left `ray::DashboardAgent`, `ray::RuntimeEnvAgent` and busy workers alive with
ppid 1 for about 100 s after a kill -9 of the sweep. Each test runs a real driver process that starts the head,
keeps one worker busy, and is then killed (or closes); every process that was below the driver must be gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

NO_RAY = "Ray is not installed: pip install 'edgepareto[ray]' to run the Ray tests"

DRIVER = """
import sys, time
from edgepareto.compute import ExecutorChoice, make_executor
executor = make_executor(ExecutorChoice("ray"))
import ray

@ray.remote(num_cpus=1)
def spin():
    t = time.time()
    while time.time() - t < 300:
        pass

ref = spin.remote()
deadline = time.time() + 60
while time.time() < deadline and not any(b"ray::spin" in p.read_bytes() for p in _cmdlines()):
    time.sleep(0.2)
print("READY", flush=True)
if sys.argv[1] == "close":
    executor.close()
    print("CLOSED", flush=True)
else:
    time.sleep(600)
"""

HELPERS = """
from pathlib import Path
def _cmdlines():
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                d.joinpath("cmdline").read_bytes()
                out.append(d / "cmdline")
            except OSError:
                pass
    return out
"""


def _stat(pid: int) -> tuple[int, int] | None:
    """(ppid, start time) of a live process, None when it is gone (or a zombie)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else (int(fields[1]), int(fields[19]))


def _below(root: int) -> dict[int, int]:
    """pid -> start time of every live process below ``root``."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit() and (st := _stat(int(d.name))) is not None:
            children.setdefault(st[0], []).append(int(d.name))
    found, todo = {}, [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            if (st := _stat(pid)) is not None:
                found[pid] = st[1]
                todo.append(pid)
    return found


def _alive(procs: dict[int, int]) -> list[int]:
    return [pid for pid, start in procs.items() if (st := _stat(pid)) is not None and st[1] == start]


def _titles(pids: list[int]) -> list[str]:
    out = []
    for pid in pids:
        try:
            out.append(Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace"))
        except OSError:
            continue
    return out


def _start_driver(tmp_path: Path, mode: str) -> tuple[subprocess.Popen, dict[int, int]]:
    script = tmp_path / "driver.py"
    script.write_text(HELPERS + DRIVER)
    proc = subprocess.Popen(
        [sys.executable, str(script), mode],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=(tmp_path / "driver.err").open("w"),
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    try:
        line = proc.stdout.readline()
        assert line.strip() == "READY", (line, (tmp_path / "driver.err").read_text()[-2000:])
        below = _below(proc.pid)
        assert any("ray::spin" in t for t in _titles(list(below))), _titles(list(below))
    except BaseException:
        proc.kill()  # its head goes with it
        raise
    return proc, below


def _gone_within(procs: dict[int, int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (alive := _alive(procs)) and time.monotonic() < deadline:
        time.sleep(0.25)
    for pid in alive:  # never leave them behind, even when the test fails
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return alive


@pytest.mark.ray
def test_kill_9_of_the_driver_takes_the_whole_local_head_with_it(tmp_path):
    pytest.importorskip("ray", reason=NO_RAY)
    proc, below = _start_driver(tmp_path, "kill")
    titles = _titles(list(below))
    assert any("raylet" in t for t in titles) and any("DashboardAgent" in t for t in titles), titles
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    left = _gone_within(below, 15.0)
    assert not left, f"still alive 15 s after kill -9 of the driver: {_titles(left) or left}"


@pytest.mark.ray
def test_closing_the_executor_ends_the_local_head(tmp_path):
    pytest.importorskip("ray", reason=NO_RAY)
    token = Path.home() / ".ray" / "auth_token"
    had_token = token.exists()
    proc, below = _start_driver(tmp_path, "close")
    assert proc.stdout is not None and proc.stdout.readline().strip() == "CLOSED"
    assert proc.wait(timeout=60) == 0
    left = _gone_within(below, 5.0)
    assert not left, f"still alive after close(): {_titles(left) or left}"
    assert had_token or not token.exists()  # the head's token is the driver's own: ~/.ray is left alone

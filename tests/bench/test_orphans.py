"""The measuring child never outlives its parent: kill -9, Ctrl-C, on the host and in the board agent."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.procs import TAG, kill_all, new_tag, tagged, wait_until_gone

SRC = Path(__file__).resolve().parents[2] / "src" / "edgepareto"
LONG = {"name": "long", "warmup": 1, "runs": 1_000_000, "timeout_s": 600}  # minutes of runs: only a kill ends it

MEASURE_FOREVER = f"""
import sys
from edgepareto.bench import Protocol, measure
measure(sys.argv[1], protocol=Protocol(**{LONG!r}))  # no progress: a sweep's child writes nothing until the end
"""


def _env(tag: str, **extra: str) -> dict[str, str]:
    return {**os.environ, TAG: tag, "TF_CPP_MIN_LOG_LEVEL": "3", **extra}


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_for_child(tag: str, parent: subprocess.Popen, cpu_s: float = 0.0, timeout: float = 60.0) -> None:
    """Until a child of ``parent`` runs and has used ``cpu_s`` of CPU (it is measuring, not starting)."""
    deadline = time.monotonic() + timeout
    while not any(_cpu_s(pid) >= cpu_s for pid in tagged(tag) if pid != parent.pid):
        assert parent.poll() is None and time.monotonic() < deadline, "the measuring child never started"
        time.sleep(0.05)


@pytest.mark.parametrize("guard", ["prctl", "pipe watchdog only"])
def test_kill_9_of_the_parent_mid_measurement_leaves_no_child(float_model, guard):
    tag = new_tag()
    extra = {"EDGEPARETO_NO_PDEATHSIG": "1"} if guard != "prctl" else {}
    parent = subprocess.Popen([sys.executable, "-c", MEASURE_FOREVER, str(float_model)], env=_env(tag, **extra))
    try:
        _wait_for_child(tag, parent, cpu_s=1.5)  # loaded and well into its timed loop
        assert len(tagged(tag)) == 2
        parent.kill()
        parent.wait()
        assert wait_until_gone(tag, 2.0) == []
    finally:
        kill_all(tag)


@pytest.mark.e2e
def test_ctrl_c_of_bench_json_exits_within_a_second_and_kills_the_child(float_model):
    tag = new_tag()
    cmd = [sys.executable, "-m", "edgepareto", "bench", str(float_model), "--json", "--runs", "1000000",
           "--timeout", "600"]  # fmt: skip
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tag), start_new_session=True
    )
    try:
        _wait_for_child(tag, proc)
        time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends: the whole foreground group
        t0 = time.monotonic()
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - t0
        assert wait_until_gone(tag, 0.5) == []
        assert took < 1.0, f"Ctrl-C took {took:.2f} s"
        assert proc.returncode == 130 and out == ""
        assert err.strip().splitlines()[-1].endswith("interrupted; results already written are kept")
    finally:
        kill_all(tag)


def test_kill_9_of_the_board_agent_leaves_no_child(float_model, tmp_path):
    from edgepareto.remote.board import AGENT_FILES

    for name, rel in AGENT_FILES.items():
        shutil.copy(SRC / rel, tmp_path / name)
    request = {"model": str(float_model), "engine": "litert", "threads": 1, "protocol": LONG, "agent_timeout_s": 600}
    tag = new_tag()
    agent = subprocess.Popen(
        [sys.executable, str(tmp_path / "edgepareto_agent.py"), "measure"],
        stdin=subprocess.PIPE,
        text=True,
        env=_env(tag),
    )
    try:
        agent.stdin.write(json.dumps(request))
        agent.stdin.close()
        _wait_for_child(tag, agent, cpu_s=1.5)
        agent.kill()
        agent.wait()
        assert wait_until_gone(tag, 2.0) == []
        assert not list(tmp_path.glob("request-*"))  # the request went over a pipe, not a file
    finally:
        kill_all(tag)

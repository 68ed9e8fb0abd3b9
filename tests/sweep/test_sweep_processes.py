"""Real sweeps in real processes: killed mid-way and resumed, and two at once on one store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from edgepareto.store import Store

pytestmark = pytest.mark.e2e  # end to end: sweeps or boards in child processes (make test-all)

PLAN = """
name = "tiny"
[[study]]
name = "tiny"
kind = "latency-only"
alphas = [0.25, 0.5]
resolutions = [32]
precisions = ["fp32", "int8"]
calibration_samples = 4
"""


def sweep(tmp: Path, *extra: str, plan_text: str = PLAN) -> subprocess.Popen:
    plan = tmp / "plan.toml"
    plan.write_text(plan_text)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "EDGEPARETO_HOME": str(tmp / "home")}
    cmd = [
        sys.executable,
        "-m",
        "edgepareto",
        "sweep",
        str(plan),
        "--store",
        str(tmp / "r" / "results.sqlite"),
        "--no-report",
        "--no-live",
        "--json",
        *extra,
    ]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def sizes(tmp: Path) -> dict[str, tuple[int | None, str | None]]:
    path = tmp / "r" / "results.sqlite"
    if not path.exists():
        return {}
    with Store(path) as s:
        return {m.key: (m.id, m.created_at) for m in s.measurements(metric="size_bytes", source="measured")}


def test_killed_sweep_keeps_what_finished_and_resumes(tmp_path):
    p = sweep(tmp_path)
    deadline = time.monotonic() + 240
    while len(sizes(tmp_path)) < 2 and p.poll() is None and time.monotonic() < deadline:  # the first task's two
        time.sleep(0.2)
    first = sizes(tmp_path)
    assert first, f"no size record before the deadline: {p.communicate()[1][-2000:]}"
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    with Store(tmp_path / "r" / "results.sqlite") as s:
        assert s.integrity_check() == "ok"
    r = sweep(tmp_path)
    out, err = r.communicate(timeout=300)
    assert r.returncode == 0, err[-2000:]
    doc = json.loads(out)  # stdout is exactly one JSON document
    assert doc["skipped"] >= 1  # the conversion finished before the kill is not redone
    after = sizes(tmp_path)
    assert len(after) == 4 and all(after[k] == v for k, v in first.items())  # kept as written, not rewritten
    third = sweep(tmp_path)
    doc3 = json.loads(third.communicate(timeout=300)[0])
    assert doc3["skipped"] >= 2 and doc3["new_records"] == 0  # both conversions cached by recipe


def test_two_sweeps_at_once_on_one_store(tmp_path):
    one_alpha = PLAN.replace("alphas = [0.25, 0.5]", "alphas = [0.25]")
    procs = [sweep(tmp_path, plan_text=one_alpha), sweep(tmp_path, plan_text=one_alpha)]
    docs = []
    for p in procs:
        out, err = p.communicate(timeout=400)
        assert p.returncode == 0, err[-2000:]
        docs.append(json.loads(out))
    with Store(tmp_path / "r" / "results.sqlite") as s:
        assert s.integrity_check() == "ok"
        measured = s.measurements(source="measured")
        runs = s.runs()
    assert len(sizes(tmp_path)) == 2  # one size per recipe, whoever converted it
    assert len({m.key for m in measured}) == len(measured)
    assert len(runs) == 2 and all(r["status"].startswith("finished") for r in runs)
    assert all(not f["error"].startswith(("StoreError", "OperationalError")) for d in docs for f in d["failures"])

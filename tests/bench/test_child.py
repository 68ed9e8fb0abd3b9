"""The measuring child, run as the board runs it: flat files in one folder, no edgepareto importable."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from edgepareto.remote.board import AGENT_FILES
from tests.bench.fakesys import make_exynos5422

SRC = Path(__file__).resolve().parents[2] / "src" / "edgepareto"
CORE = [rel for rel in AGENT_FILES.values() if rel != "remote/_agent.py"]  # what the board agent ships


@pytest.fixture
def flat(tmp_path):
    """The core copied flat, plus a blocker package that makes any ``import edgepareto`` fail."""
    folder = tmp_path / "agent"
    folder.mkdir()
    for rel in CORE:
        shutil.copy(SRC / rel, folder / Path(rel).name)
    blocker = tmp_path / "block" / "edgepareto"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('edgepareto must not be imported on a board')\n")
    return folder, tmp_path / "block"


def _run(folder: Path, block: Path, request: dict, env_extra: dict | None = None) -> dict:
    req = folder / "request.json"
    req.write_text(json.dumps(request))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(block), "TF_CPP_MIN_LOG_LEVEL": "2", **(env_extra or {})}
    proc = subprocess.run(
        [sys.executable, str(folder / "_child.py"), str(req)], capture_output=True, text=True, env=env, timeout=120
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert lines, proc.stderr
    return json.loads(lines[-1])


def test_flat_child_measures_without_edgepareto(float_model, flat):
    folder, block = flat
    proto = {"name": "test", "warmup": 1, "runs": 5}
    doc = _run(folder, block, {"model": str(float_model), "threads": 1, "protocol": proto, "keep_times": True})
    assert doc["status"] == "ok", doc["error"]
    assert doc["runs"] == 5 and len(doc["times_ms"]) == 5 and len(doc["warmup_ms"]) == 1
    assert doc["engine"] == "litert" and doc["engine_version"].startswith("ai-edge-litert")
    assert doc["kernel_path"] == "XNNPACK delegate"
    assert doc["inputs"] == [{"name": doc["inputs"][0]["name"], "shape": [1, 128, 128, 3], "dtype": "float32"}]
    assert doc["peak_rss_bytes"] > doc["rss_before_load_bytes"] > 0
    assert doc["min_ms"] <= doc["median_ms"] <= doc["max_ms"]


def test_flat_child_reports_a_corrupt_model_in_one_line(flat, tmp_path):
    folder, block = flat
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a flatbuffer" * 10)
    doc = _run(folder, block, {"model": str(bad), "protocol": {"runs": 3}})
    assert doc["status"] == "failed" and doc["error_kind"] == "model"
    assert "\n" not in doc["error"] and "bad.tflite" in doc["error"]


def test_flat_child_on_a_fake_board_resolves_the_cluster_but_cannot_verify(float_model, flat, tmp_path):
    folder, block = flat
    env = make_exynos5422(tmp_path / "xu4")
    doc = _run(folder, block, {"model": str(float_model), "cluster": "big", "protocol": {"runs": 3}}, env)
    assert doc["status"] == "ok", doc["error"]
    assert doc["cpus"] == [4, 5, 6, 7]
    assert doc["pinning"]["status"] == "not verifiable: fake sysfs"
    assert doc["telemetry"]["available"] == {"frequency": True, "thermal": True}
    assert doc["telemetry"]["start"]["freq_khz"] == 2000000
    assert doc["device"]["clusters"][1]["core"] == "Cortex-A15"


def test_flat_child_unknown_cluster_is_one_line(float_model, flat, tmp_path):
    folder, block = flat
    env = make_exynos5422(tmp_path / "xu4")
    doc = _run(folder, block, {"model": str(float_model), "cluster": "huge", "protocol": {"runs": 3}}, env)
    assert doc["status"] == "failed" and doc["error_kind"] == "device"
    assert "cluster 'huge' does not exist" in doc["error"] and "big (Cortex-A15, CPUs 4-7)" in doc["error"]


def test_flat_child_coordinates_several_processes_without_edgepareto(float_model, flat):
    """A board runs the multi-process protocol from the same flat folder: the coordinator starts its siblings."""
    folder, block = flat
    proto = {"name": "fast", "warmup": 1, "runs": 2, "processes": 2}
    doc = _run(folder, block, {"model": str(float_model), "protocol": proto})
    assert doc["status"] == "ok", doc["error"]
    assert len(doc["processes"]) == 2 and doc["runs"] == 4 and doc["protocol"]["processes"] == 2
    assert doc["ci95_median_ms"][0] <= doc["median_ms"] <= doc["ci95_median_ms"][1]

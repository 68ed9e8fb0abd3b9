"""plans/families.toml end to end, on a reduced copy: two families (v1 and v2), one alpha each, at their smallest
published resolution, built, converted and timed here into one store and one report with one front across them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from edgepareto.analysis import Budget, front
from edgepareto.analysis.select import measured_device, recommend_on
from edgepareto.store import Store
from edgepareto.sweep import load_plan
from edgepareto.sweep.plan import parse_plan

PLAN = Path(__file__).resolve().parents[2] / "plans" / "families.toml"
pytestmark = pytest.mark.e2e


def reduced_copy(folder: Path) -> Path:
    """The shipped plan with its families cut to v1 0.25 at 128 and v2 0.35 at 96, and a short protocol."""
    doc = tomllib.loads(PLAN.read_text())
    study = doc["study"][0]
    study["families"] = {
        "mobilenet_v1": {"alphas": [0.25], "resolutions": [128]},
        "mobilenet_v2": {"alphas": [0.35], "resolutions": [96]},
    }
    study.update(calibration_samples=4, clusters=["all"], options={"protocol": {"warmup": 1, "runs": 5}})
    path = folder / "families-small.toml"
    path.write_text(parse_plan(doc, str(PLAN)).to_toml())
    return path


def test_the_shipped_plan_holds_four_families_at_their_published_widths():
    (study,) = load_plan(PLAN).studies
    names = [c.name for c in study.configs()]
    assert len(names) == 4 + 6 + 2 + 2 and {n.rsplit("_", 1)[1] for n in names} == {"224"}
    assert {c.family for c in study.configs()} == {
        "mobilenet_v1",
        "mobilenet_v2",
        "mobilenet_v3_small",
        "mobilenet_v3_large",
    }
    assert study.precisions == ("fp32", "int8") and study.kind == "imagenet-published"


def test_a_reduced_families_plan_runs_into_one_report_with_one_front_across_families(tmp_path):
    plan = reduced_copy(tmp_path)
    store = tmp_path / "r" / "results.sqlite"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "EDGEPARETO_HOME": str(tmp_path / "home")}
    cmd = [sys.executable, "-m", "edgepareto", "sweep", str(plan), "--store", str(store), "--no-live", "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900, check=False)
    assert proc.returncode == 0 and proc.stdout, proc.stderr[-3000:]
    doc = json.loads(proc.stdout)
    assert doc["failed"] == 0, doc["failures"]
    with Store(store) as s:
        device = measured_device(s, None, "front")
        entries = front(s, device=device, accept_noisy=True)["points"]
        rec = recommend_on(s, device, Budget(), accept_noisy=True)
    assert {e["family"] for e in entries} == {"mobilenet_v1", "mobilenet_v2"}, entries
    assert any(e["on_front"] for e in entries)
    labels = {e["label"] for e in entries}
    assert all(label.startswith(("mobilenet_v1 ", "mobilenet_v2 ")) for label in labels), labels
    assert all(e["stand_in"] for e in entries)  # built here, each family's published checkpoint's top-1
    assert {r["family"] for r in rec["recommendations"]} <= {"mobilenet_v1", "mobilenet_v2"} and rec["recommendations"]
    report = (store.parent / "report" / "report.md").read_text()
    assert "mobilenet_v2 alpha=0.35" in report and "mobilenet_v1 alpha=0.25" in report

"""The front door: a notebook session does the seed study from ``import edgepareto as ep`` alone."""

from __future__ import annotations

import subprocess
import sys

import pytest

import edgepareto as ep

PLAN = """
name = "notebook"
[[study]]
name = "tiny"
kind = "latency-only"
alphas = [0.25, 0.5]
resolutions = [32]
precisions = ["fp32"]
[study.options.protocol]
min_runs = 3
max_runs = 5
time_limit_s = 1.0
"""


@pytest.mark.e2e
def test_a_latency_only_plan_through_the_public_api(tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEPARETO_HOME", str(tmp_path / "home"))
    (tmp_path / "plan.toml").write_text(PLAN)
    plan = ep.load_plan(tmp_path / "plan.toml")
    outcome = ep.run_sweep(plan, tmp_path / "r.sqlite", live=False)
    assert outcome.status == "finished" and outcome.failed == 0 and outcome.done == outcome.tasks
    with ep.open_results(tmp_path / "r.sqlite") as store:
        host = next(d.name for d in store.devices() if d.kind == "host")
        doc = ep.front(store, device=host, objectives="latency_ms,size_mb", accept_noisy=True)  # a loaded host: noisy
        assert {p["label"] for p in doc["points"]} == {"alpha=0.25-FP32", "alpha=0.5-FP32"}
        assert "alpha=0.25-FP32" in doc["front"]  # smaller and faster: never dominated
        seed = ep.recommend(store, "Cortex-A7", ep.Budget(max_latency_ms=400, min_top1=60))
        assert seed["recommendations"][0]["label"] == "alpha=0.75-UINT8"  # the seed's INT8: Google's uint8 QAT file
    assert ep.Variant.parse("mobilenet_v1_0.75_224_quant.tflite").precision is ep.Precision.UINT8
    again = ep.run_sweep(tmp_path / "plan.toml", tmp_path / "r.sqlite", live=False)
    assert again.skipped == again.tasks and again.new_records == 0


def test_importing_the_package_loads_no_heavy_module():
    code = (
        "import sys, edgepareto as ep; assert ep.Variant and ep.Precision;"
        "heavy = ('tensorflow', 'keras', 'matplotlib', 'paramiko', 'edgepareto.sweep');"
        "heavy = [m for m in heavy if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_api_names_resolve_and_unknown_ones_fail():
    assert sorted(ep.__all__) == sorted(["EdgeParetoError", "__version__", *ep._API])
    assert set(ep.__all__) >= {
        "load_plan",
        "run_sweep",
        "export",
        "measure",
        "evaluate",
        "open_results",
        "front",
        "recommend",
        "write_report",
        "Variant",
        "Precision",
    }
    for name in ep.__all__:
        assert getattr(ep, name) is not None
    try:
        ep.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("an unknown name must raise AttributeError")

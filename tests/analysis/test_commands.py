"""The paper, recommend, front and results commands as a user runs them (real processes, --json)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys


def cli(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edgepareto", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )


def test_paper_json_is_one_document_with_the_acceptance_figures(tmp_path):
    r = cli(tmp_path, "paper", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    speed = {(d["device"].split()[-1], d["precision"]): d["speedup"] for d in doc["alpha_speedup"]}
    assert f"{speed[('Cortex-A15', 'fp32')]:.2f}" == "10.54" and f"{speed[('Cortex-A15', 'int8')]:.2f}" == "6.26"
    assert any(c["stated"] == 2.21 for c in doc["flagged"])
    flagged = cli(tmp_path, "paper", "--flagged-only")
    assert "2.21" in flagged.stdout and "unsupported" in flagged.stdout


def test_recommend_json_and_one_line_errors(tmp_path):
    r = cli(tmp_path, "recommend", "--device", "Cortex-A15", "--max-latency-ms", "100", "--min-top1", "60", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["device"] == "ODROID-XU4 Cortex-A15" and doc["dataset"] == "imagenet-val"
    best = doc["recommendations"][0]
    assert best["label"] == "alpha=0.75-UINT8" and best["why"]  # 73.4 ms, 66.9 %
    assert (tmp_path / "edgepareto-results" / "results.sqlite").is_file()
    bad = cli(tmp_path, "recommend", "--device", "ODROID", "--json")
    assert bad.returncode == 2 and bad.stdout == "" and bad.stderr.count("\n") == 1 and "several devices" in bad.stderr


def test_front_over_three_metrics(tmp_path):
    r = cli(tmp_path, "front", "--device", "A7", "--objectives", "latency_ms,size_mb,top1", "--json")
    doc = json.loads(r.stdout)
    assert "alpha=0.5-FP32" not in doc["front"] and "alpha=1.0-UINT8" in doc["front"]
    assert [o["sense"] for o in doc["objectives"]] == ["min", "min", "max"]


def test_results_export(tmp_path):
    out = tmp_path / "x.csv"
    r = cli(tmp_path, "results", "--format", "csv", "--out", str(out), "--json")
    assert json.loads(r.stdout)["measurements"] == 112  # Table II's 16 and Google's 16 files' size, top-1, top-5
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 112 and {r["source"] for r in rows} == {"published"}
    summary = json.loads(cli(tmp_path, "results", "--json").stdout)
    assert summary["measurements"] == 112 and len(summary["devices"]) == 2

"""`edgepareto bench` and `edgepareto devices` as a user runs them: one JSON document, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.bench.fakesys import make_exynos5422
from tests.bench.test_importer import LOG_2X


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edgepareto", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_bench_json_is_one_document_with_the_issue_fields(quant_model):
    args = ("--threads", "1", "--cpus", "0", "--runs", "3", "--warmup", "1", "--processes", "2", "--json")
    r = cli("bench", str(quant_model), *args)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    for key in (
        "median_ms",
        "mean_ms",
        "p90_ms",
        "p99_ms",
        "ci95_median_ms",
        "runs",
        "cpus",
        "engine",
        "engine_version",
        "threads",
        "peak_rss_bytes",
        "protocol",
        "telemetry",
        "warnings",
        "device_id",
    ):
        assert key in doc, key
    assert doc["runs"] == 6 and doc["cpus"] == [0] and doc["engine"] == "litert" and doc["status"] == "ok"
    assert doc["protocol"]["runs"] == 3 and doc["protocol"]["processes"] == 2 and doc["protocol"]["name"] == "fast"
    assert [p["runs"] for p in doc["processes"]] == [3, 3]  # --runs counts per process
    assert doc["protocol"]["process_gap_s"] == 0.5  # the fast protocol's default spacing


def test_bench_process_gap_is_a_protocol_field_and_refuses_a_negative_one(quant_model):
    args = ("--cpus", "0", "--runs", "2", "--warmup", "1", "--processes", "2", "--json")
    r = cli("bench", str(quant_model), *args, "--process-gap", "0")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["protocol"]["process_gap_s"] == 0.0
    bad = cli("bench", str(quant_model), *args, "--process-gap", "-1")
    assert bad.returncode != 0 and "process_gap_s must be >= 0" in bad.stderr and len(bad.stderr.splitlines()) == 1


def test_bench_human_view_has_a_table(quant_model):
    r = cli("bench", str(quant_model), "--protocol", "paper", "--runs", "4", "--pause", "0")
    assert r.returncode == 0, r.stderr
    assert "median" in r.stdout and "95% CI" in r.stdout and "protocol paper" in r.stdout


def test_bench_bad_input_is_one_line_with_exit_2(tmp_path, quant_model):
    cases = [
        ((str(tmp_path / "missing.tflite"),), "model file not found"),
        ((str(quant_model), "--cluster", "gigantic"), "cluster 'gigantic' does not exist"),
        ((str(quant_model), "--cpus", "999"), "offline or absent"),
        ((str(quant_model), "--engine", "tensorrt"), "unknown engine 'tensorrt'"),
        ((str(quant_model), "--runs", "0"), "runs must be >= 1"),
    ]
    for args, needle in cases:
        r = cli("bench", *args, "--json")
        assert r.returncode == 2, (args, r.stderr)
        assert r.stdout == ""
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], (args, r.stderr)


def test_bench_imports_a_benchmark_model_log(tmp_path):
    log = tmp_path / "run.log"
    log.write_text(LOG_2X)
    doc = json.loads(cli("bench", str(log), "--import", "--json").stdout)
    assert doc["source"] == "imported" and doc["median_ms"] == 34.7 and doc["threads"] == 4


def test_devices_json_on_a_fake_exynos(tmp_path):
    r = cli("devices", "--json", env=make_exynos5422(tmp_path))
    assert r.returncode == 0, r.stderr
    host = json.loads(r.stdout)["host"]
    assert [(c["name"], c["core"], c["cpu_list"]) for c in host["clusters"]] == [
        ("LITTLE", "Cortex-A7", "0-3"),
        ("big", "Cortex-A15", "4-7"),
    ]


def test_devices_on_this_host():
    r = cli("devices")
    assert r.returncode == 0, r.stderr
    assert "cluster" in r.stdout and "runtimes" in r.stdout

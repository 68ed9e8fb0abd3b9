"""Several files measured in the same processes, taking turns: records, ratios, failures, the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from edgepareto.bench import Interleave, Measurement, Protocol, measure_interleaved
from edgepareto.bench.interleaved import ratios
from edgepareto.cli import main
from edgepareto.errors import ConfigError

CPU = max(os.sched_getaffinity(0))
QUICK = Protocol.fast(processes=3, process_gap_s=0.0)


def _children() -> list[str]:
    """Command lines of live interleaved measuring processes (none may outlive a measurement)."""
    out = []
    for d in Path("/proc").iterdir():
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "edgepareto.bench.interleaved" in cmd:
            out.append(cmd)
    return out


def test_every_file_is_measured_in_the_same_processes_and_a_corrupt_one_fails_alone(tmp_path, quant_model, float_model):
    bad = tmp_path / "corrupt.tflite"
    bad.write_bytes(b"this is not a flatbuffer")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a model either")
    files = [float_model, bad, quant_model, notes]
    ms = measure_interleaved(files, cpus=[CPU], protocol=QUICK, interleave=Interleave(4, 2))
    assert [m.model for m in ms] == [str(p) for p in files]
    f, b, q, n = ms
    assert not n.ok and "unknown model format" in n.error
    assert not b.ok and b.error_kind == "model" and "\n" not in b.error and "corrupt.tflite" not in (f.error or "")
    for m in (f, q):
        assert m.ok and m.runs == 3 * 4 * 2 and len(m.processes) == 3
        assert m.protocol["interleaved"] == {"rounds": 4, "per_visit": 2, "files": 4}
        assert m.stopped_by == "processes (3) x rounds (4)"
        assert m.ci95_median_ms[0] <= m.median_ms <= m.ci95_median_ms[1]
        assert m.pinning["status"] == "verified" and m.cpus == [CPU]
        assert m.peak_rss_bytes is None  # the process held every file: no per-file figure
        assert len(m.warmup_ms) == 3 * QUICK.warmup
    assert f.engine_version == q.engine_version and "XNNPACK" in f.kernel_path
    assert not _children()


def _record(model: str, process_medians: list[float]) -> Measurement:
    procs = [{"median_ms": v} for v in process_medians]
    return Measurement(
        status="ok",
        model=model,
        engine="litert",
        threads=1,
        protocol={},
        processes=procs,
        median_ms=sorted(process_medians)[len(procs) // 2],
    )


def test_ratios_are_taken_process_by_process_so_the_host_state_cancels():
    # the host was twice as slow in the second process: both files moved, their ratio did not
    a, b = _record("a", [1.0, 2.0, 1.0, 2.0, 1.0, 2.0]), _record("b", [1.5, 3.0, 1.5, 3.0, 1.5, 3.0])
    failed = Measurement.failed("broken", "model", model="c")
    out = ratios([a, b, failed])
    assert out[0]["ratio"] == 1.0 and out[1]["ratio"] == pytest.approx(1.5)
    assert out[1]["ci95"] == pytest.approx([1.5, 1.5]) and out[1]["ci_level"] > 0.95
    assert out[2] == {"model": "c", "ratio": None, "ci95": None}


@pytest.mark.parametrize("rounds, per_visit", [(0, 3), (40, 0), (True, 3), (2.5, 3), (10_001, 1)])
def test_an_out_of_range_interleave_is_refused(rounds, per_visit):
    with pytest.raises(ConfigError, match="interleave"):
        Interleave(rounds, per_visit)


def test_one_file_or_the_same_file_twice_is_refused_before_anything_runs(float_model):
    for paths in ([float_model], [float_model, float_model]):
        with pytest.raises(ConfigError, match="two or more distinct files"):
            measure_interleaved(paths)


def test_a_process_past_its_timeout_fails_every_file_in_one_line_and_leaves_nothing_behind(quant_model, float_model):
    hours = Interleave(10_000, 1000)  # 2 x 10^7 runs: far past the 1 s limit
    ms = measure_interleaved(
        [float_model, quant_model], cpus=[CPU], protocol=Protocol.fast(timeout_s=1.0), interleave=hours
    )
    assert [m.error_kind for m in ms] == ["timeout", "timeout"]
    assert all("raise --timeout" in m.error and "\n" not in m.error for m in ms)
    assert not _children()


def test_bench_compare_prints_each_file_and_its_ratio_to_the_first(tmp_path, quant_model, float_model, capsys):
    missing = tmp_path / "gone.tflite"
    argv = ["bench", str(float_model), "--compare", str(quant_model), str(missing), "--cpus", str(CPU),
            "--processes", "2", "--process-gap", "0", "--visits", "3", "--per-visit", "1", "--json"]  # fmt: skip
    assert main(argv) == 1  # the missing file fails; the two others are measured
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert [m["status"] for m in doc["compared"]] == ["ok", "ok", "failed"]
    assert doc["compared"][1]["runs"] == 2 * 3 * 1
    assert doc["ratios"][0]["ratio"] == 1.0 and doc["ratios"][1]["ratio"] > 0 and doc["ratios"][2]["ratio"] is None
    assert "gone.tflite" in captured.err and captured.err.count("\n") == 1


def test_bench_compare_refuses_a_store_and_an_imported_log(tmp_path, quant_model, float_model, capsys):
    base = ["bench", str(float_model), "--compare", str(quant_model)]
    assert main([*base, "--store", str(tmp_path / "s.sqlite")]) == 2
    assert main([*base, "--import"]) == 2
    err = capsys.readouterr().err
    assert "--compare does not write a store" in err and "drop --import or --compare" in err

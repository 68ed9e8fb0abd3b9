"""The on-board agent, shipped flat to a "board" whose Python has only NumPy and ai-edge-litert."""

from __future__ import annotations

from pathlib import Path

from edgepareto.bench.protocol import Measurement, Protocol
from edgepareto.remote import RemoteBoard, fingerprint, measure
from tests.conftest import QUANT_MODEL

QUICK = Protocol.fast(min_runs=5, max_runs=30, time_limit_s=1.0, timeout_s=60.0)


def test_measure_on_a_board_runs_the_bench_core_there(make_board, fixtures_dir):
    board, _ = make_board("b1")
    m = measure(board, QUANT_MODEL, QUICK, threads=1)
    assert isinstance(m, Measurement)
    assert m.ok, m.error
    assert m.model == str(QUANT_MODEL)  # the host's name, not the board's hash path
    assert m.median_ms and m.median_ms > 0 and 5 <= m.runs <= 30
    assert m.engine == "litert" and m.engine_version.startswith("ai-edge-litert")
    assert m.device and m.device["clusters"] and m.device_id == m.device["id"]
    assert m.protocol["max_runs"] == 30  # the protocol travelled to the board intact


def test_a_model_that_fails_on_the_board_is_a_failed_measurement(make_board, tmp_path):
    board, _ = make_board("b1")
    bad = tmp_path / "broken.tflite"
    bad.write_bytes(b"not a flatbuffer at all" * 100)
    m = measure(board, bad, QUICK)
    assert not m.ok and m.error_kind == "model" and "\n" not in m.error
    assert m.model == str(bad)


def test_fingerprint_comes_from_the_board(make_board):
    board, _ = make_board("b1")
    fp = fingerprint(board)
    assert fp.clusters and fp.id
    assert fp.runtimes  # the board's runtime versions, from its own site-packages


def test_agent_files_land_once_per_content(make_board, fixtures_dir):
    board, _ = make_board("b1")
    with RemoteBoard(board) as rb:
        folder = rb.ensure_agent()
        names = sorted(p.name for p in Path(folder).iterdir())
    assert "edgepareto_agent.py" in names and "_child.py" in names and "cpus.py" in names


def test_a_hung_measurement_on_the_board_is_killed_there_and_reported(make_board, fixtures_dir):
    board, _ = make_board("b1")
    slow = Protocol(name="slow", runs=100, pause_s=0.5, timeout_s=2.0)  # needs ~50 s; the board gives it 2
    m = measure(board, QUANT_MODEL, slow)
    assert not m.ok and m.error_kind == "timeout"
    assert "board b1" in m.error and "within 2 s" in m.error and m.model == str(QUANT_MODEL)

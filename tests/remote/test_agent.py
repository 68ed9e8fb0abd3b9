"""The on-board agent, shipped flat to a "board" whose Python has only NumPy and ai-edge-litert."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgepareto.bench.protocol import Measurement, Protocol
from edgepareto.remote import RemoteBoard, fingerprint, measure
from tests.remote.conftest import board_folder

QUICK = Protocol.fast(min_runs=5, max_runs=30, time_limit_s=1.0, timeout_s=60.0)


@pytest.mark.e2e
def test_measure_on_a_board_runs_the_bench_core_there(make_board, quant_model):
    board, _ = make_board("b1")
    m = measure(board, quant_model, QUICK, threads=1)
    assert isinstance(m, Measurement)
    assert m.ok, m.error
    assert m.model == str(quant_model)  # the host's name, not the board's hash path
    assert m.median_ms and m.median_ms > 0 and m.runs == 60  # the fast protocol: 6 processes x 10 timed runs
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


def test_agent_files_land_once_per_content(make_board):  # no model: runs without ../shared
    board, _ = make_board("b1")
    with RemoteBoard(board) as rb:
        folder = rb.ensure_agent()
        names = sorted(p.name for p in Path(folder).iterdir())
    assert "edgepareto_agent.py" in names and "_child.py" in names and "cpus.py" in names


def test_a_hung_measurement_on_the_board_is_killed_there_and_reported(make_board, quant_model):
    board, _ = make_board("b1")
    slow = Protocol(name="slow", runs=100, pause_s=0.5, timeout_s=2.0)  # needs ~50 s; the board gives it 2
    m = measure(board, quant_model, slow)
    assert not m.ok and m.error_kind == "timeout"
    assert "board b1" in m.error and "within 2 s" in m.error and m.model == str(quant_model)


def test_two_sessions_on_one_board_take_turns(make_board, quant_model):
    import threading

    board, _ = make_board("b1")
    turn = Protocol(name="turn", warmup=1, runs=8, pause_s=0.1, timeout_s=60.0)  # ~0.8 s of timed loop
    results = []

    def one() -> None:
        with RemoteBoard(board) as rb:  # a separate connection, as a second sweep would have
            results.append(rb.measure(quant_model, protocol=turn))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(m.ok for m in results)
    (a_end, _), (b_end, b_len) = sorted((m.created, m.wall_s) for m in results)
    assert a_end <= b_end - b_len  # the second timed loop began after the first ended


def test_stale_partial_uploads_are_swept_but_fresh_ones_kept(make_board):
    import os
    import time

    board, _ = make_board("b1")
    tmp = board_folder(board) / "tmp"
    tmp.mkdir(parents=True)
    old, fresh = tmp / "abc.tflite.1234.part", tmp / "def.tflite.5678.part"
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    with RemoteBoard(board) as rb:
        rb.conn.root()
    assert not old.exists() and fresh.exists()

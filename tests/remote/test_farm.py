"""The farm against two real sshd "boards": parallel boards, one job at a time each, drops, back-off, resume."""

from __future__ import annotations

import threading
import time

import pytest

from edgepareto.bench.protocol import Protocol
from edgepareto.remote import Job, RetryPolicy, run_farm

pytestmark = pytest.mark.e2e  # end to end: sweeps or boards in child processes (make test-all)

QUICK = Protocol.fast(min_runs=5, max_runs=20, time_limit_s=0.5, timeout_s=60.0)
SLOW = Protocol(name="slow", warmup=1, runs=15, pause_s=0.1, timeout_s=60.0)  # ~1.5 s on the board


def test_two_boards_in_parallel_one_measurement_at_a_time_each(make_board, quant_model, float_model):
    a, _ = make_board("a")
    b, _ = make_board("b")
    jobs = [
        Job(board.name, model, QUICK, tag=i)
        for i, (board, model) in enumerate([(a, quant_model), (a, float_model), (b, quant_model), (b, float_model)])
    ]
    seen: list[tuple[str, str, float]] = []
    threads_seen: set[str] = set()

    def on_result(job, m):
        threads_seen.add(threading.current_thread().name)
        seen.append((job.board, m.model, m.created))
        assert m.ok, m.error

    report = run_farm([a, b], jobs, on_result)
    assert report.complete and len(report.done) == 4 and not report.failed_boards
    assert threads_seen == {threading.main_thread().name}  # results arrive in the caller's thread
    assert sorted((x[0], x[1]) for x in seen) == sorted((j.board, str(j.artifact)) for j in jobs)
    for name in ("a", "b"):  # per board, in job order (one at a time)
        assert [x[1] for x in seen if x[0] == name] == [str(quant_model), str(float_model)]


def test_a_board_killed_mid_run_loses_nothing_finished_and_a_rerun_completes(make_board, quant_model, float_model):
    a, _ = make_board("a")
    b, b_sshd = make_board("b")
    jobs = [Job("a", quant_model, QUICK), Job("a", float_model, QUICK)]
    jobs += [Job("b", quant_model, QUICK, tag="first"), Job("b", float_model, SLOW), Job("b", quant_model, SLOW)]
    stored: list[tuple[str, str]] = []
    events: list[tuple[str, str]] = []
    killer: list[threading.Timer] = []

    def on_result(job, m):
        stored.append((job.board, str(job.artifact)))  # "the store": written as each result arrives
        if job.tag == "first":  # b's next job is running now: pull the plug in the middle of it
            t = threading.Timer(0.8, b_sshd.kill)
            t.start()
            killer.append(t)

    policy = RetryPolicy(retries=2, backoff_s=0.2, max_backoff_s=1.0)
    report = run_farm([a, b], jobs, on_result, policy=policy, on_event=lambda n, k, msg: events.append((n, k)))
    killer[0].join()
    assert ("b", str(quant_model)) in stored and sum(1 for s in stored if s[0] == "a") == 2
    assert set(report.failed_boards) == {"b"} and "gave up after 3 attempts" in report.failed_boards["b"]
    assert [(j.board, j.artifact) for j, _ in report.not_done] == [("b", float_model), ("b", quant_model)]
    assert [k for n, k in events if n == "b"] == ["retry", "retry", "failed"]
    assert len(report.done) == len(stored) == 3

    b_sshd.start()  # the board is back: the rerun measures exactly what was not done
    again: list[Job] = []
    report2 = run_farm([a, b], [j for j, _ in report.not_done], lambda j, m: again.append(j) if m.ok else None)
    assert report2.complete and again == [j for j, _ in report.not_done]


def test_a_board_that_comes_back_during_back_off_is_retried_successfully(make_board, quant_model):
    b, b_sshd = make_board("b")
    b_sshd.kill()
    threading.Timer(1.0, b_sshd.start).start()
    results = []
    t0 = time.monotonic()
    report = run_farm(
        [b], [Job("b", quant_model, QUICK)], lambda j, m: results.append(m), policy=RetryPolicy(5, 0.4, 2.0)
    )
    assert report.complete and results[0].ok
    assert report.retries["b"] >= 1 and time.monotonic() - t0 >= 1.0


def test_a_job_whose_file_is_gone_fails_alone_and_the_board_goes_on(make_board, tmp_path, quant_model):
    b, _ = make_board("b")
    got = []
    jobs = [Job("b", tmp_path / "gone.tflite", QUICK), Job("b", quant_model, QUICK)]
    report = run_farm([b], jobs, lambda j, m: got.append(m))
    assert report.complete and not report.failed_boards
    assert not got[0].ok and "model file not found" in got[0].error
    assert got[1].ok

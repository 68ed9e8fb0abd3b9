"""Measure across a farm of boards: boards in parallel, one measurement at a time on each board.

A board that drops off is retried with exponential back-off (a reconnect, then the same job again);
after ``retries`` failed attempts in a row it is marked failed and its remaining jobs are reported
as not done, so a rerun picks them up. Results are handed to ``on_result`` in the *calling* thread,
one at a time, as each measurement finishes: the caller can write it to SQLite at once and nothing
finished is lost if the run stops later.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgepareto.errors import ConfigError, EdgeParetoError
from edgepareto.remote.errors import RemoteError
from edgepareto.remote.inventory import Board

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One measurement on one board; ``tag`` is the caller's own key (e.g. the sweep's variant id)."""

    board: str
    artifact: Path
    protocol: Any = None  # edgepareto.bench.Protocol; None: the bench default
    threads: int = 1
    cluster: str | None = None
    cpus: tuple[int, ...] | None = None
    engine: str = "litert"
    tag: Any = None
    options: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.threads < 1:
            raise ConfigError(f"job on {self.board}: threads must be >= 1, got {self.threads}")
        if self.cluster is not None and self.cpus is not None:
            raise ConfigError(f"job on {self.board}: give a cluster or a CPU list, not both")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try a board that dropped off: ``retries`` attempts after the first, waits doubling."""

    retries: int = 3
    backoff_s: float = 2.0
    max_backoff_s: float = 60.0

    def __post_init__(self) -> None:
        if not 0 <= self.retries <= 100:
            raise ConfigError(f"retries must be in 0..100, got {self.retries}")
        if not 0 <= self.backoff_s <= self.max_backoff_s:
            raise ConfigError(f"backoff_s must be in 0..max_backoff_s ({self.max_backoff_s}), got {self.backoff_s}")

    def wait(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based): backoff, 2x backoff, 4x ..., capped."""
        return min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))


@dataclass
class FarmReport:
    """What a farm run did: finished jobs, jobs not done (with why), boards given up."""

    done: list[Job] = field(default_factory=list)
    not_done: list[tuple[Job, str]] = field(default_factory=list)
    failed_boards: dict[str, str] = field(default_factory=dict)
    retries: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.not_done

    def to_json(self) -> dict[str, Any]:
        return {
            "done": len(self.done),
            "not_done": [{"board": j.board, "artifact": str(j.artifact), "reason": why} for j, why in self.not_done],
            "failed_boards": dict(self.failed_boards),
            "retries": dict(self.retries),
        }


OnResult = Callable[[Job, Any], None]
OnEvent = Callable[[str, str, str], None]  # (board, kind, message): kind in retry|failed|connected


def _failed(job: Job, exc: Exception) -> Any:
    from edgepareto.bench.protocol import Measurement

    proto = job.protocol.to_json() if job.protocol is not None else {}
    return Measurement.failed(
        str(exc),
        "config",
        model=str(job.artifact),
        engine=job.engine,
        threads=job.threads,
        cluster=job.cluster,
        protocol=proto,
    )


def _worker(
    board: Board,
    jobs: Sequence[Job],
    out: queue.Queue[tuple[str, Any, Any, Any]],
    stop: threading.Event,
    policy: RetryPolicy,
    accept_new_host_key: bool,
) -> None:
    from edgepareto.remote.board import RemoteBoard

    session = RemoteBoard(board, accept_new_host_key=accept_new_host_key)
    i = 0
    try:
        for i, job in enumerate(jobs):  # i is read after a crash
            attempt = 0
            while True:
                if stop.is_set():
                    for rest in jobs[i:]:
                        out.put(("not_done", rest, "run stopped", None))
                    return
                try:
                    m = session.measure(
                        job.artifact,
                        protocol=job.protocol,
                        threads=job.threads,
                        cluster=job.cluster,
                        cpus=list(job.cpus) if job.cpus is not None else None,
                        engine=job.engine,
                        **dict(job.options),
                    )
                except RemoteError as exc:
                    session.close()
                    if exc.transient and attempt < policy.retries:
                        attempt += 1
                        wait = policy.wait(attempt)
                        msg = f"{exc} (retry {attempt}/{policy.retries} in {wait:g} s)"
                        out.put(("event", board.name, "retry", msg))
                        stop.wait(wait)
                        continue
                    why = str(exc) if not exc.transient else f"{exc} (gave up after {attempt + 1} attempts)"
                    out.put(("board_failed", board.name, why, None))
                    for rest in jobs[i:]:
                        out.put(("not_done", rest, why, None))
                    return
                except EdgeParetoError as exc:  # this job's own problem (e.g. its file is gone): the board goes on
                    m = _failed(job, exc)
                out.put(("result", job, m, attempt))
                break
    except Exception as exc:  # a bug must not hang the farm: report the board's jobs as not done
        log.debug("board %s: worker crashed", board.name, exc_info=True)
        out.put(("board_failed", board.name, f"board {board.name}: {type(exc).__name__}: {exc}", None))
        for rest in jobs[i:]:
            out.put(("not_done", rest, f"worker crashed: {exc}", None))
        return
    finally:
        session.close()
        out.put(("finished", board.name, None, None))


def _hand_over(
    report: FarmReport, kind: str, msg: tuple[Any, Any, Any], on_result: OnResult, on_event: OnEvent | None
) -> None:
    """One message from a board's worker, handled in the calling thread (results, failures, progress)."""
    a, b, c = msg
    if kind == "result":
        report.done.append(a)
        if c:
            report.retries[a.board] = report.retries.get(a.board, 0) + c
        on_result(a, b)
    elif kind == "not_done":
        report.not_done.append((a, b))
    elif kind == "board_failed":
        report.failed_boards[a] = b
        log.warning("%s", b)
        if on_event:
            on_event(a, "failed", b)
    elif kind == "event":
        log.info("%s", c)
        if on_event:
            on_event(a, b, c)


def run_farm(
    boards: Iterable[Board],
    jobs: Iterable[Job],
    on_result: OnResult,
    *,
    policy: RetryPolicy | None = None,
    accept_new_host_key: bool = False,
    on_event: OnEvent | None = None,
) -> FarmReport:
    """Run ``jobs`` (each names its board) with one worker thread per board; see the module docstring.

    ``on_result(job, measurement)`` and ``on_event(board, kind, message)`` run in the calling thread.
    If ``on_result`` raises, the other boards stop after their current measurement and the error
    propagates; results already handed over stay handed over.
    """
    policy = policy or RetryPolicy()
    by_name = {b.name: b for b in boards}
    per_board: dict[str, list[Job]] = {name: [] for name in by_name}
    for job in jobs:
        if job.board not in by_name:
            raise ConfigError(f"job names board {job.board!r}, which is not among {', '.join(by_name) or 'none'}")
        per_board[job.board].append(job)
    report = FarmReport()
    out: queue.Queue[tuple[str, Any, Any, Any]] = queue.Queue()
    stop = threading.Event()
    threads = []
    for name, board_jobs in per_board.items():
        if not board_jobs:
            continue
        t = threading.Thread(
            target=_worker,
            args=(by_name[name], board_jobs, out, stop, policy, accept_new_host_key),
            name=f"board-{name}",
            daemon=True,
        )
        threads.append(t)
        t.start()
    running = len(threads)
    try:
        while running:
            kind, a, b, c = out.get()
            if kind == "finished":
                running -= 1
            else:
                _hand_over(report, kind, (a, b, c), on_result, on_event)
    except BaseException:
        stop.set()
        raise
    for t in threads:
        t.join(timeout=5)
    return report

"""The sweep's remote half: latency tasks of board devices run as one farm (``edgepareto.remote``).

Boards run in parallel, one measurement at a time per board, each result committed to the
store the moment it arrives. A board that drops off is retried with back-off and then given
up; its unfinished tasks stay pending, so the same command run again measures exactly those.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from edgepareto.bench import Measurement
from edgepareto.errors import EdgeParetoError
from edgepareto.remote import Board, Job, OnEvent, RetryPolicy, run_farm
from edgepareto.store import MeasurementRecord, tool_versions
from edgepareto.sweep.tasks import Context, Task

OnTask = Callable[[Task, float, str, int], None]
#: versions the board's own software decides: never this host's
_BOARD_SIDE = ("python", "numpy", "ai-edge-litert", "tflite-runtime", "onnxruntime")


def board_records(recs: list[MeasurementRecord], m: Measurement) -> list[MeasurementRecord]:
    """A board's records carry the board's Python/NumPy/runtime versions (the host's converter beside them)
    and, when its CPUs were emulated, a note saying so."""
    device = m.device or {}
    versions = {k: v for k, v in tool_versions().items() if k not in _BOARD_SIDE}
    versions.update({k: str(v) for k, v in (device.get("runtimes") or {}).items()})
    if m.engine == "tflite benchmark_model":
        versions["benchmark_model"] = str(m.engine_version or "version not in its log")
    if device.get("machine"):
        versions["board machine"] = str(device["machine"])
    emulation = device.get("emulation")
    out = []
    for r in recs:
        notes = r.notes
        if emulation:
            notes = f"emulated ({emulation}): not the board's real speed" + (f"; {notes}" if notes else "")
        out.append(replace(r, tool_versions=versions, notes=notes))
    return out


@dataclass
class RemoteOutcome:
    """What the farm part of a sweep did, in the sweep's own terms."""

    done: int = 0
    failed: int = 0
    new_records: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)

    def fail(self, task: Task, why: str) -> None:
        self.failed += 1
        self.failures.append({"task": task.label, "error": why})


def _jobs(ctx: Context, tasks: list[Task], out: RemoteOutcome) -> list[Job]:
    """One farm job per task; the artifact is built or found first (here, on the host)."""
    jobs = []
    for task in tasks:
        j = task.job
        assert j is not None, "board tasks are latency tasks"
        try:
            art = ctx.artifact(j.recipe)
        except EdgeParetoError as exc:
            out.fail(task, str(exc))
            continue
        where = ctx.devices[j.device]
        jobs.append(
            Job(
                where["board"],
                Path(art.path),
                protocol=j.protocol_preset(),
                threads=j.threads,
                cluster=where.get("cluster"),
                engine=j.engine,
                tag=(task, art),
            )
        )
    return jobs


def run_remote_tasks(
    ctx: Context,
    tasks: list[Task],
    boards: list[Board],
    *,
    policy: RetryPolicy | None = None,
    accept_new_host_key: bool = False,
    on_event: OnEvent | None = None,
    on_task: OnTask | None = None,
) -> RemoteOutcome:
    """Run the remote latency ``tasks`` on the farm; every result is in the store when this returns."""
    out = RemoteOutcome()
    jobs = _jobs(ctx, tasks, out)
    since: dict[str, float] = {}  # board -> when its previous job ended: a task's time is its board's time
    started = time.monotonic()

    def on_result(job: Job, m: Any) -> None:
        now = time.monotonic()
        seconds, since[job.board] = now - since.get(job.board, started), now
        task, art = job.tag
        ctx.clear_for(task.job)
        records = board_records(task.job.records(m, art), m)
        n = ctx.store.add_many(records, run_id=ctx.run_id)
        out.new_records += n
        ok = records[0].status != "failed"  # done as Store.has counts it: a noisy latency too (kept, marked)
        if ok:
            out.done += 1
        else:
            out.fail(task, records[0].error or "the board returned no latency and no error; see its log")
        if on_task:
            on_task(task, seconds, "ok" if ok else "failed", n)

    by_name = {b.name: b for b in boards}
    report = run_farm(
        [by_name[n] for n in sorted({j.board for j in jobs})],
        jobs,
        on_result,
        policy=policy,
        accept_new_host_key=accept_new_host_key,
        on_event=on_event,
    )
    for job, why in report.not_done:
        out.fail(job.tag[0], why)
    return out

"""Run a plan: skip what the store holds, run the rest one task at a time, commit each result at once.

Ctrl-C or a kill loses only the task in flight: every finished measurement is already
committed, and a rerun finds it by its key. Converter and engine chatter goes to a log file
beside the store, so the live view (stderr) stays readable and ``--json`` stdout stays one
document.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgepareto.analysis import load_reference
from edgepareto.compute import Executor, ExecutorChoice, LocalExecutor, make_executor
from edgepareto.errors import EdgeParetoError, first_line
from edgepareto.native_output import appended_to
from edgepareto.remote import Board
from edgepareto.store import DEFAULT_PATH, Device, Store
from edgepareto.sweep._tmp import private_tmp
from edgepareto.sweep.devices import board_devices, host_devices
from edgepareto.sweep.devices import ray_devices as ray_node_devices
from edgepareto.sweep.estimate import Learner
from edgepareto.sweep.expand import expand
from edgepareto.sweep.live import LiveView
from edgepareto.sweep.plan import Plan, load_plan
from edgepareto.sweep.predicted import predict_plan
from edgepareto.sweep.tasks import Context, Task

log = logging.getLogger(__name__)


@dataclass
class SweepOutcome:
    plan: str
    store: str
    run_id: int | None
    status: str
    tasks: int
    skipped: int
    done: int
    failed: int
    new_records: int
    seconds: float
    devices: list[str]
    failures: list[dict[str, str]] = field(default_factory=list)
    timings: list[dict[str, Any]] = field(default_factory=list)
    log: str = ""
    notes: list[str] = field(default_factory=list)
    report: dict[str, Any] | None = None
    first_report: dict[str, Any] | None = None  # written before training: {"html", "at_s" after the sweep's start}
    estimate: dict[str, Any] | None = None  # learnt from the first training steps: {"at_s", "remaining_s"}

    def timed(self, task: Task, seconds: float, result: str) -> None:
        self.timings.append({"task": task.label, "kind": task.kind, "seconds": round(seconds, 3),
                             "outcome": result, "estimate_s": task.estimate_s})  # fmt: skip


def plan_tasks(
    plan: Plan,
    store: Store,
    artifacts_dir: Path,
    *,
    boards: list[Board] | None = None,
    host: bool = True,
    accept_new_host_key: bool = False,
    executor: Executor | None = None,
    ray_devices: tuple[str, ...] = (),
) -> tuple[Context, list[Task], list[Device], str | None]:
    """Tasks for this host's clusters (``host``), every cluster of ``boards`` and of the boards that are Ray
    nodes (``ray_devices``, fingerprinted through ``executor``)."""
    wanted = {c for s in plan.studies for c in s.clusters}
    devices, where, note = host_devices(wanted) if host else ([], {}, None)
    if boards:
        b_devices, b_where, b_notes = board_devices(boards, wanted, accept_new_host_key=accept_new_host_key)
        devices, where = devices + b_devices, {**where, **b_where}
        note = "; ".join(n for n in (note, *b_notes) if n) or None
    executor = executor or LocalExecutor()
    if ray_devices:
        r_devices, r_where = ray_node_devices(executor, ray_devices, wanted)
        devices, where = devices + r_devices, {**where, **r_where}
    ctx = Context(store, artifacts_dir, devices=where, executor=executor)
    tasks = [t for study in plan.studies for t in expand(study, [d.name for d in devices], ctx)]
    return ctx, tasks, devices, note


def run_sweep(
    plan: Plan | str | Path | None = None,
    store_path: str | Path = DEFAULT_PATH,
    *,
    artifacts_dir: Path | None = None,
    report_dir: Path | None = None,
    live: bool = True,
    dry_run: bool = False,
    boards: list[Board] | None = None,
    host: bool = True,
    accept_new_host_key: bool = False,
    retries: int = 3,
    executor: str | None = None,
    ray_address: str | None = None,
    remeasure_noisy: bool = False,
) -> SweepOutcome:
    """Run ``plan`` (a Plan, a TOML file, or None: the default) into the store at ``store_path``.

    ``executor`` (``local`` or ``ray``, with ``ray_address``) overrides the plan's: where conversion,
    training and evaluation run. Latency is measured on its device whatever the executor.

    The report is written into ``report_dir`` unless it is None.

    ``boards`` add each board's clusters as devices; their latency tasks run last, as one farm
    (boards in parallel), each result committed as it arrives.

    A task is done when the store holds every record it promises, a latency stored ``noisy`` included (kept and
    marked: a rerun measures nothing); ``remeasure_noisy`` measures those latencies again, each replacing its record.
    """
    t0 = time.monotonic()
    plan = plan if isinstance(plan, Plan) else load_plan(plan)
    store_path = Path(store_path)
    log_path = store_path.parent / "sweep.log"
    view = LiveView(enabled=live and not dry_run)
    choice = _choice(plan, executor, ray_address)
    compute_devices = () if dry_run else choice.devices  # boards that are Ray nodes: fingerprinted when run
    with Store(store_path) as store:
        load_reference(store, {c.family for s in plan.studies if s.kind == "imagenet-published" for c in s.configs()})
        compute = LocalExecutor() if dry_run else make_executor(choice)  # fails (one line) before the run starts
        try:
            ctx, tasks, devices, note = plan_tasks(
                plan, store, Path(artifacts_dir or store_path.parent / "artifacts"), boards=boards, host=host,
                accept_new_host_key=accept_new_host_key, executor=compute, ray_devices=compute_devices,
            )  # fmt: skip
            for d in devices:
                store.add_device(d)
            pending = _pending(ctx, tasks, remeasure_noisy)
            outcome = SweepOutcome(
                plan=plan.name, store=str(store_path), run_id=None, status="planned", tasks=len(tasks),
                skipped=len(tasks) - len(pending), done=0, failed=0, new_records=0, seconds=0.0,
                devices=[d.name for d in devices], log=str(log_path), notes=[note] if note else [],
            )  # fmt: skip
            if dry_run:
                outcome.failures = [{"task": t.label, "error": "pending"} for t in pending]
                return outcome
            ctx.run_id = outcome.run_id = store.start_run(plan.name, plan.to_json())
            if not isinstance(compute, LocalExecutor):  # submit every conversion ahead; weights fetched quietly
                with appended_to(log_path):
                    compute.prepare([spec for t in pending if t.prefetch and (spec := t.prefetch(ctx))])
            first = None if report_dir is None else lambda: _first_report(store, report_dir, view, log_path,
                                                                          outcome, t0)  # fmt: skip
            _run_pending(ctx, pending, boards or [], outcome, view, log_path, accept_new_host_key, retries, t0, first)
        finally:
            compute.close()
        predicted, skipped = predict_plan(store, plan, [d.name for d in devices])
        outcome.new_records, outcome.notes = outcome.new_records + predicted, outcome.notes + skipped
        if report_dir is not None:
            outcome.report = _report(store, report_dir, view, log_path)
            if outcome.first_report is not None:
                view.say(f"report rewritten with every study: {outcome.report['html']}")
        outcome.seconds = time.monotonic() - t0
    view.close()
    return outcome


def _pending(ctx: Context, tasks: list[Task], remeasure_noisy: bool) -> list[Task]:
    """The tasks to run, in the plan's order: those missing a record, and (on request) latencies stored noisy."""
    if remeasure_noisy:
        found = ctx.store.measurements(source="measured", metric="latency_ms", include_noisy=True)
        noisy = {m.key for m in found if m.status == "noisy"}
        ctx.remeasure = frozenset(t.job.key for t in tasks if t.job is not None and t.job.key in noisy)
    return [t for t in tasks if not t.done(ctx.store) or (t.job is not None and t.job.key in ctx.remeasure)]


def _choice(plan: Plan, executor: str | None, ray_address: str | None) -> ExecutorChoice:
    """The plan's executor, with what the command line or the API asked for on top."""
    base = plan.executor
    name = executor or ("ray" if ray_address else base.name)
    return ExecutorChoice(name, ray_address or base.address, base.shared_paths, base.devices)


def _run_pending(
    ctx: Context, pending: list[Task], boards: list[Board], outcome: SweepOutcome, view: LiveView,
    log_path: Path, accept_new_host_key: bool, retries: int, t0: float, before_training: Callable[[], None] | None,
) -> None:  # fmt: skip
    """Host tasks one at a time, then the boards' as one farm; the run's status is written whatever happens.

    Studies that train run after the others (the order within each kept), so the report of what needs no
    training is on disk (``before_training``) before the first training starts."""
    on_board = [t for t in pending if t.job and "board" in ctx.devices.get(t.job.device, {})]
    trains = {t.study for t in pending if t.kind == "train"}
    here = sorted((t for t in pending if t not in on_board), key=lambda t: t.study in trains)
    view.start(pending, outcome.skipped)
    status = "interrupted"
    try:
        with private_tmp(log_path.parent / ".tmp"), appended_to(log_path):  # no temp files in /tmp
            learner = Learner(view, t0, lambda est: setattr(outcome, "estimate", est))
            _run_here(ctx, here, on_board, outcome, view, len(pending), learner, before_training)
            if on_board:
                _run_on_boards(ctx, on_board, boards, outcome, view, len(here), len(pending),
                               accept_new_host_key, retries)  # fmt: skip
        status = "finished" if not outcome.failed else "finished with failures"
    finally:
        view.stop()
        outcome.status = status
        outcome.seconds = time.monotonic() - t0
        if outcome.run_id is not None:  # None: the store refused the run before it started
            ctx.store.finish_run(outcome.run_id, status, outcome.done, outcome.skipped, outcome.failed)


def _run_here(
    ctx: Context, here: list[Task], later: list[Task], outcome: SweepOutcome, view: LiveView, total: int,
    learner: Learner, before_training: Callable[[], None] | None,
) -> None:  # fmt: skip
    spent_est = spent_real = 0.0
    for i, task in enumerate(here, start=1):
        if task.kind == "train" and before_training is not None:
            before_training()
            before_training = None
        ratio = min(5.0, max(0.3, spent_real / spent_est)) if spent_est else 1.0
        view.running(task, here[i - 1 :] + later, ratio)
        ctx.progress = lambda text, t=task, rest=here[i:] + later, r=ratio: learner.update(t, text, rest, r)
        started = time.monotonic()
        result, n = _run_one(ctx, task, outcome)
        seconds = time.monotonic() - started
        outcome.new_records += n
        if result == "ok":
            spent_est += task.estimate_s
            spent_real += seconds
        outcome.timed(task, seconds, result)
        view.finished(task, seconds, result, n, i, total)


def _run_one(ctx: Context, task: Task, outcome: SweepOutcome) -> tuple[str, int]:
    """Run one task: ("ok", new records) or ("failed", 0) with the failure recorded; Ctrl-C passes through."""
    try:
        n = task.run(ctx)
        task.check(ctx.store)  # a failed measurement is a failure, not a task done
    except EdgeParetoError as exc:
        error = str(exc)
    except Exception as exc:  # a bug or an engine crash in-process: keep going, log it
        error = f"{type(exc).__name__}: {first_line(exc)}"
        print(f"sweep: {task.label} failed:\n{traceback.format_exc()}", file=sys.stderr)
    else:
        outcome.done += 1
        return "ok", n
    outcome.failed += 1
    outcome.failures.append({"task": task.label, "error": error})
    return "failed", 0


def _run_on_boards(
    ctx: Context, tasks: list[Task], boards: list[Board], outcome: SweepOutcome, view: LiveView,
    offset: int, total: int, accept_new_host_key: bool, retries: int,
) -> None:  # fmt: skip
    """The boards' latency tasks as one farm; the store has each result as it arrives."""
    from edgepareto.remote import RetryPolicy
    from edgepareto.sweep.boards import run_remote_tasks

    count = [offset]

    def on_task(task: Task, seconds: float, result: str, n: int) -> None:
        count[0] += 1
        outcome.timed(task, seconds, result)
        view.finished(task, seconds, result, n, count[0], total)

    remote = run_remote_tasks(
        ctx, tasks, boards, policy=RetryPolicy(retries=retries), accept_new_host_key=accept_new_host_key,
        on_event=lambda board, kind, msg: view.note(f"[yellow]{kind}:[/yellow] {msg}"), on_task=on_task,
    )  # fmt: skip
    outcome.done += remote.done
    outcome.failed += remote.failed
    outcome.new_records += remote.new_records
    outcome.failures.extend(remote.failures)


def _first_report(store: Store, report_dir: Path, view: LiveView, log_path: Path, outcome: SweepOutcome,
                  t0: float) -> None:  # fmt: skip
    """The report of what needs no training, on disk before training starts (rewritten at the end). A report
    that cannot be written now is said in one line and the sweep goes on: the one at the end will say why."""
    try:
        doc = _report(store, report_dir, view, log_path)
    except Exception as exc:  # the measurements matter more than this early copy of the report
        view.say(f"report so far: not written ({type(exc).__name__}: {first_line(exc)}); training next")
        return
    outcome.first_report = {**doc, "at_s": round(time.monotonic() - t0, 1)}
    view.say(f"report so far: {doc['html']} (training next; rewritten when the sweep ends)")


def _report(store: Store, report_dir: Path, view: LiveView, log_path: Path) -> dict[str, Any]:
    from edgepareto.report import write_report

    view.note("writing the report ...")
    with appended_to(log_path):
        doc = write_report(store, report_dir)
    return {"html": doc["html"], "markdown": doc["markdown"], "files": doc["files"]}

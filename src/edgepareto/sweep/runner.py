"""Run a plan: skip what the store holds, run the rest one task at a time, commit each result at once.

Ctrl-C or a kill loses only the task in flight: every finished measurement is already
committed, and a rerun finds it by its key. Converter and engine chatter goes to a log file
beside the store, so the live view (stderr) stays readable and ``--json`` stdout stays one
document.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import sys
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgepareto.errors import EdgeParetoError
from edgepareto.store import Device, Store
from edgepareto.sweep._tasks import Context, MissingProducer, Task, expand
from edgepareto.sweep._tmp import private_tmp
from edgepareto.sweep.plan import Plan

log = logging.getLogger(__name__)


# -- devices of this host -------------------------------------------------------------------


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _as_dict(obj: Any) -> dict[str, Any]:
    import dataclasses

    if hasattr(obj, "to_json"):
        return obj.to_json()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    return dict(obj)


def host_devices(wanted: set[str]) -> tuple[list[Device], dict[str, dict[str, Any]], str | None]:
    """One device per cluster of this host (``edgepareto.bench.discover_host``), named by CPU model.

    Returns the devices, where each one runs (cluster name), and a note if discovery was unavailable.
    """
    model = _cpu_model()
    try:
        from edgepareto.bench import discover_host  # issue 3
    except ImportError:
        fp = {"cpu_model": model, "cpus": os.cpu_count(), "kernel": platform.release(), "discovery": "fallback"}
        name = f"{model} (this host)"
        return (
            [Device(name, "host", fp)],
            {name: {"cluster": None}},
            "edgepareto.bench is missing: no cluster discovery",
        )
    fp = _as_dict(discover_host())
    clusters = fp.get("clusters") or [{"name": None}]
    clusters = [c if isinstance(c, dict) else _as_dict(c) for c in clusters]
    if "all" not in wanted:
        clusters = [c for c in clusters if str(c.get("name")) in wanted]
        if not clusters:
            raise EdgeParetoError(
                f'none of the clusters {sorted(wanted)} exists on this host; use clusters = ["all"] in the plan'
            )
    devices, where = [], {}
    for c in clusters:
        cname = c.get("name")
        cpu = c.get("core") or fp.get("cpu_model") or model
        name = f"{cpu} (this host)" if len(fp.get("clusters") or []) <= 1 else f"{cpu} (this host, {cname})"
        devices.append(Device(name, "host", {**fp, "cluster": c}))
        where[name] = {"cluster": cname, "cpus": c.get("cpus")}
    return devices, where, None


# -- output redirection ---------------------------------------------------------------------


@contextlib.contextmanager
def _chatter_to(log_path: Path) -> Iterator[None]:
    """Send fd 1 and 2 (TF/LiteRT C++ logs, Python warnings) to ``log_path`` for the block."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for f in (fd, *saved):
            os.close(f)


# -- the live view --------------------------------------------------------------------------


class LiveView:
    """Rich progress on the real stderr: what runs now, what is left, an estimate of the time."""

    def __init__(self, enabled: bool = True) -> None:
        from rich.console import Console

        self.enabled = enabled
        self._stream = os.fdopen(os.dup(2), "w", buffering=1)
        self.console = Console(file=self._stream, highlight=False, width=None if self._stream.isatty() else 160)
        self._progress: Any = None

    def start(self, pending: list[Task], skipped: int) -> None:
        if not self.enabled:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.total_estimate = sum(t.estimate_s for t in pending)
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(bar_width=28),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[eta]}"),
            console=self.console,
            transient=False,
        )
        self._progress.start()
        self._overall = self._progress.add_task("sweep", total=len(pending), eta="")
        self._now = self._progress.add_task("", total=None, eta="", visible=False)
        self.console.print(
            f"sweep: {len(pending)} tasks to run ({_left(pending)}), {skipped} already in the store; "
            f"first estimate {_mmss(self.total_estimate)}"
        )

    def running(self, task: Task, remaining: list[Task], ratio: float) -> None:
        if self._progress is None:
            return
        eta = ratio * sum(t.estimate_s for t in remaining)
        self._progress.update(self._overall, description=f"left: {_left(remaining)}", eta=f"ETA ~{_mmss(eta)}")
        self._progress.update(self._now, description=f"[bold]now:[/bold] {_short(task.label)}", visible=True)
        self._progress.reset(self._now, total=None)

    def detail(self, task: Task, text: str) -> None:
        if self._progress is not None:
            self._progress.update(self._now, description=f"[bold]now:[/bold] {_short(task.label + ': ' + text)}")

    def finished(self, task: Task, seconds: float, outcome: str, n: int, i: int, total: int, quiet: bool) -> None:
        if self._progress is None:
            return
        self._progress.advance(self._overall)
        if quiet:
            return
        mark = {"ok": "[green]✓[/green]", "failed": "[red]✗[/red]", "unavailable": "[yellow]–[/yellow]"}[outcome]
        self.console.print(f"{mark} [{i}/{total}] {task.label}: {seconds:.1f} s, {n} new records ({outcome})")

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.update(self._overall, description="done", eta="")
            self._progress.update(self._now, visible=False)
            self._progress.stop()
        self._stream.flush()

    def note(self, text: str) -> None:
        if self.enabled:
            self.console.print(text)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._stream.close()


def _short(text: str, n: int = 64) -> str:
    """Keep the live rows on one line of a terminal; the full label is printed when the task ends."""
    return text if len(text) <= n else text[: n - 1] + "…"


def _left(tasks: list[Task]) -> str:
    c = Counter(t.kind for t in tasks)
    return ", ".join(f"{n} {k}" for k, n in sorted(c.items())) or "nothing"


def _mmss(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


# -- the sweep ------------------------------------------------------------------------------


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


def plan_tasks(
    plan: Plan,
    store: Store,
    artifacts_dir: Path,
    *,
    boards: list[Any] | None = None,
    host: bool = True,
    accept_new_host_key: bool = False,
) -> tuple[Context, list[Task], list[Device], str | None]:
    """Tasks for this host's clusters (``host``) and for every cluster of ``boards`` (edgepareto.remote)."""
    wanted = {c for s in plan.studies for c in s.clusters}
    devices, where, note = host_devices(wanted) if host else ([], {}, None)
    if boards:
        from edgepareto.remote.sweep import board_devices

        b_devices, b_where, b_notes = board_devices(boards, wanted, accept_new_host_key=accept_new_host_key)
        devices, where = devices + b_devices, {**where, **b_where}
        note = "; ".join(n for n in (note, *b_notes) if n) or None
    ctx = Context(store, artifacts_dir, devices=where)
    tasks: list[Task] = []
    for study in plan.studies:
        tasks.extend(expand(study, [d.name for d in devices], ctx))
    return ctx, tasks, devices, note


def run_sweep(
    plan: Plan,
    store_path: Path,
    *,
    artifacts_dir: Path | None = None,
    report_dir: Path | None = None,
    live: bool = True,
    dry_run: bool = False,
    boards: list[Any] | None = None,
    host: bool = True,
    accept_new_host_key: bool = False,
    retries: int = 3,
) -> SweepOutcome:
    """Run ``plan`` against the store at ``store_path``; write the report unless ``report_dir`` is None.

    ``boards`` (``edgepareto.remote.Board``) add each board's clusters as devices; their latency
    tasks run last, as one farm (boards in parallel), each result committed as it arrives.
    """
    from edgepareto.analysis.reference import load_reference

    t0 = time.monotonic()
    store_path = Path(store_path)
    artifacts_dir = Path(artifacts_dir) if artifacts_dir else store_path.parent / "artifacts"
    log_path = store_path.parent / "sweep.log"
    view = LiveView(enabled=live and not dry_run)
    with Store(store_path) as store:
        load_reference(store)
        ctx, tasks, devices, note = plan_tasks(
            plan, store, artifacts_dir, boards=boards, host=host, accept_new_host_key=accept_new_host_key
        )
        for d in devices:
            store.add_device(d)
        pending = [t for t in tasks if not t.done(store)]
        on_board = [t for t in pending if t.job and "board" in ctx.devices.get(t.job["device"], {})]
        here = [t for t in pending if t not in on_board]
        outcome = SweepOutcome(
            plan=plan.name, store=str(store_path), run_id=None, status="planned", tasks=len(tasks),
            skipped=len(tasks) - len(pending), done=0, failed=0, new_records=0, seconds=0.0,
            devices=[d.name for d in devices], log=str(log_path), notes=[note] if note else [],
        )  # fmt: skip
        if dry_run:
            outcome.failures = [{"task": t.label, "error": "pending"} for t in pending]
            return outcome
        ctx.run_id = outcome.run_id = store.start_run(plan.name, plan.to_json())
        view.start(pending, outcome.skipped)
        unavailable: dict[str, str] = {}  # producer message -> first task that hit it
        spent_est = spent_real = 0.0
        status = "interrupted"
        try:
            with private_tmp(store_path.parent / ".tmp"), _chatter_to(log_path):  # no temp files in /tmp
                for i, task in enumerate(here, start=1):
                    ratio = min(5.0, max(0.3, spent_real / spent_est)) if spent_est else 1.0
                    view.running(task, here[i - 1 :] + on_board, ratio)
                    ctx.progress = lambda text, t=task: view.detail(t, str(text))
                    started = time.monotonic()
                    result, n, quiet = "ok", 0, False
                    try:
                        n = task.run(ctx)
                        task.check(ctx.store)  # a failed measurement is a failure, not a task done
                        outcome.done += 1
                    except MissingProducer as exc:
                        result = "unavailable"
                        outcome.failed += 1
                        quiet = str(exc) in unavailable  # say it once per missing producer
                        if not quiet:
                            unavailable[str(exc)] = task.label
                            outcome.failures.append({"task": task.label, "error": str(exc)})
                            view.note(f"[yellow]unavailable:[/yellow] {exc}")
                    except EdgeParetoError as exc:
                        result = "failed"
                        outcome.failed += 1
                        outcome.failures.append({"task": task.label, "error": str(exc)})
                    except Exception as exc:  # a bug or an engine crash in-process: keep going, log it
                        result = "failed"
                        outcome.failed += 1
                        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
                        outcome.failures.append({"task": task.label, "error": f"{type(exc).__name__}: {first}"})
                        print(f"sweep: {task.label} failed:\n{traceback.format_exc()}", file=sys.stderr)
                    seconds = time.monotonic() - started
                    outcome.new_records += n
                    if result == "ok":
                        spent_est += task.estimate_s
                        spent_real += seconds
                    outcome.timings.append(
                        {
                            "task": task.label,
                            "kind": task.kind,
                            "seconds": round(seconds, 3),
                            "outcome": result,
                            "estimate_s": task.estimate_s,
                        }
                    )
                    view.finished(task, seconds, result, n, i, len(pending), quiet)
                if on_board:
                    _run_on_boards(ctx, on_board, boards or [], outcome, view, len(here), len(pending),
                                   accept_new_host_key, retries)  # fmt: skip
            status = "finished" if not outcome.failed else "finished with failures"
        finally:
            view.stop()
            outcome.status = status
            outcome.seconds = time.monotonic() - t0
            store.finish_run(outcome.run_id, status, outcome.done, outcome.skipped, outcome.failed)
        if report_dir is not None:
            from edgepareto.report import write_report

            view.note("writing the report ...")
            with _chatter_to(log_path):
                doc = write_report(store, report_dir)
            outcome.report = {"html": doc["html"], "markdown": doc["markdown"], "files": doc["files"]}
        outcome.seconds = time.monotonic() - t0
    view.close()
    return outcome


def _run_on_boards(
    ctx: Context,
    tasks: list[Task],
    boards: list[Any],
    outcome: SweepOutcome,
    view: LiveView,
    offset: int,
    total: int,
    accept_new_host_key: bool,
    retries: int,
) -> None:
    """The boards' latency tasks as one farm (edgepareto.remote); the store has each result as it arrives."""
    from edgepareto.remote import RetryPolicy
    from edgepareto.remote.sweep import run_remote_tasks

    count = [offset]

    def on_task(task: Task, seconds: float, result: str, n: int) -> None:
        count[0] += 1
        outcome.timings.append({"task": task.label, "kind": task.kind, "seconds": round(seconds, 3),
                                "outcome": result, "estimate_s": task.estimate_s})  # fmt: skip
        view.finished(task, seconds, result, n, count[0], total, False)

    remote = run_remote_tasks(
        ctx,
        tasks,
        boards,
        policy=RetryPolicy(retries=retries),
        accept_new_host_key=accept_new_host_key,
        on_event=lambda board, kind, msg: view.note(f"[yellow]{kind}:[/yellow] {msg}"),
        on_task=on_task,
    )
    outcome.done += remote.done
    outcome.failed += remote.failed
    outcome.new_records += remote.new_records
    outcome.failures.extend(remote.failures)

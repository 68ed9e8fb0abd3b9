"""The sweep's live view: Rich progress on the real stderr while native chatter goes to the sweep log."""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from typing import Any

from edgepareto.sweep.tasks import Task


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

    def finished(self, task: Task, seconds: float, outcome: str, n: int, i: int, total: int) -> None:
        if self._progress is None:
            return
        self._progress.advance(self._overall)
        mark = {"ok": "[green]✓[/green]", "failed": "[red]✗[/red]"}[outcome]
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

    def say(self, text: str) -> None:
        """A line the terminal shows even without the live view (where the report is, the learnt estimate)."""
        self.console.print(text, markup=False, soft_wrap=True)

    def eta(self, seconds: float) -> None:
        """The overall ETA from a better estimate than the tasks' own (the first training steps)."""
        if self._progress is not None:
            self._progress.update(self._overall, eta=f"ETA ~{_mmss(seconds)}")

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

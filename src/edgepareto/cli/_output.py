"""The one place that formats human output: Rich consoles, tables and number formats."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """Rich would exit 1 here; the CLI's entry ends every command whose reader left the same way (141)."""
        self.quiet = True
        raise BrokenPipeError(32, "stdout closed by its reader")


def console() -> Console:
    """Human output on stdout; a new one each call, so a replaced ``sys.stdout`` (a caller's redirect) is followed."""
    return _Console(file=sys.stdout, highlight=False, width=None if sys.stdout.isatty() else 160)


def err_console() -> Console:
    """Progress bars and notices on stderr, so ``--json`` stdout stays one document."""
    return Console(file=sys.stderr, highlight=False)


def table(
    title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, right: Sequence[int] = ()
) -> Table:
    t = Table(title=title, title_justify="left", header_style="bold")
    for i, col in enumerate(columns):
        t.add_column(col, justify="right" if i in right else "left")
    for row in rows:
        t.add_row(*(fmt(v) for v in row))
    return t


def fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def millions(n: int | float) -> str:
    return f"{n / 1e6:.2f} M"

"""Running the CLI in-process from a test, with its exit code and both streams."""

from __future__ import annotations

import pytest

from edgepareto.cli._app import main
from edgepareto.cli._output import console, err_console


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of one in-process CLI call; argparse's exits included."""
    console.cache_clear()  # Rich consoles keep the stream they were made with; capsys swaps it per test
    err_console.cache_clear()
    try:
        rc = main(list(argv))
    except SystemExit as exc:
        rc = int(exc.code or 0)
    out, err = capsys.readouterr()
    return rc, out, err

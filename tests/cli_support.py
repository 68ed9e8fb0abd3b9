"""Running the CLI in-process from a test, with its exit code and both streams."""

from __future__ import annotations

import pytest

from edgepareto.cli._app import main


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of one in-process CLI call; argparse's exits included."""
    try:
        rc = main(list(argv))
    except SystemExit as exc:
        rc = int(exc.code or 0)
    out, err = capsys.readouterr()
    return rc, out, err

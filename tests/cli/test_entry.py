"""The command's entry: Ctrl-C at any moment and a reader that closes stdout early (issue 31, items 11-12)."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from edgepareto.cli import _app, main
from edgepareto.cli._output import console

ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}


def test_ctrl_c_while_the_parser_imports_the_subcommands_is_one_line_and_130(monkeypatch, capsys):
    def interrupted() -> dict:
        raise KeyboardInterrupt

    monkeypatch.setattr(_app, "_commands", interrupted)
    assert main(["models", "--json"]) == 130
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "interrupted" in err and "Traceback" not in err


def test_a_real_sigint_while_the_subcommands_are_imported_is_one_line_and_130(tmp_path):
    """A real SIGINT through Python's own handler, sent by the process to itself in the middle of building the
    parser (where the import of every subcommand takes ~0.8 s), then `python -m edgepareto` as usual."""
    code = (
        "import os, runpy, signal, sys\n"
        "import edgepareto.cli._app as app\n"
        "real = app._commands\n"
        "def interrupted():\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    return real()\n"
        "app._commands = interrupted\n"
        "sys.argv = ['edgepareto', 'cost', 'mobilenet_v1', '--json']\n"
        "runpy.run_module('edgepareto', run_name='__main__')\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=ENV, timeout=120, check=False
    )
    assert r.returncode == 130, (r.returncode, r.stderr)
    assert r.stdout == "" and r.stderr.count("\n") == 1 and "interrupted" in r.stderr and "Traceback" not in r.stderr


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("argv", [["cost", "mobilenet_v1", "--json"], ["cost", "mobilenet_v1"]])
def test_a_closed_stdout_ends_the_command_quietly_with_141(argv, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert main(argv) == 141
    assert capsys.readouterr().err == ""


def test_each_command_writes_to_the_stdout_of_its_own_call(monkeypatch):
    """A library caller redirects stdout per call: the second table goes to the second stream, not to the first
    (a console kept from the first call wrote into a closed capture in CI)."""
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", first)
    assert main(["cost", "mobilenet_v1"]) == 0
    first.close()
    monkeypatch.setattr(sys, "stdout", second)
    assert main(["cost", "mobilenet_v1"]) == 0
    assert "mobilenet_v1" in second.getvalue()
    assert console().file is second


def test_json_into_a_reader_that_has_gone_is_exit_141_without_a_traceback(tmp_path):
    """`edgepareto paper --json | head -c 10`: the reader is gone before the document is written."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "edgepareto", "paper", "--json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141 and err == "", err


def test_a_human_table_into_a_reader_that_has_gone_is_exit_141_too(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "edgepareto", "cost", "mobilenet_v1"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141 and err == "", err

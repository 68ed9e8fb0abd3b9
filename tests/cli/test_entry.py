"""The command's entry: Ctrl-C at any moment and a reader that closes stdout early (issue 31, items 11-12)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time

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


@pytest.mark.parametrize("delay_s", [0.15, 0.3, 0.45, 0.6])
def test_ctrl_c_at_any_moment_of_a_real_start_leaves_no_traceback(delay_s, tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "edgepareto", "cost", "mobilenet_v1", "--json"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)  # fmt: skip
    time.sleep(delay_s)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err
    assert proc.returncode in (0, 130, -signal.SIGINT), (proc.returncode, err)
    if proc.returncode == 130:
        assert err.count("\n") == 1 and "interrupted" in err


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("argv", [["cost", "mobilenet_v1", "--json"], ["cost", "mobilenet_v1"]])
def test_a_closed_stdout_ends_the_command_quietly_with_141(argv, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    console.cache_clear()  # Rich's console keeps the stream it was made with
    try:
        assert main(argv) == 141
    finally:
        console.cache_clear()
    assert capsys.readouterr().err == ""


def test_json_into_a_reader_that_has_gone_is_exit_141_without_a_traceback(tmp_path):
    """`edgepareto paper --json | head -c 10`: the reader is gone before the document is written."""
    proc = subprocess.Popen([sys.executable, "-m", "edgepareto", "paper", "--json"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141 and err == "", err


def test_a_human_table_into_a_reader_that_has_gone_is_exit_141_too(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "edgepareto", "cost", "mobilenet_v1"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141 and err == "", err

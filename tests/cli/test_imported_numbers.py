"""Issue 31, items 5 and 6: malformed or negative numbers in a benchmark_model log end ``bench --import`` and
``profile --log`` in one line with exit 2, and nothing reaches the store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_one_line_errors import one_line_error
from tests.cli_support import cli
from tests.conftest import QUANT_MODEL

LOG = Path(__file__).parents[1] / "profile" / "logs" / "mobilenet_v1_0.25_128_quant_op_profiling.log"
EDITS = [  # (what the real log holds, what a careless or hostile edit makes of it)
    ("avg=6927.0", "avg=-4000"),
    ("avg=6927.0", "avg=."),
    ("avg=6927.0", "avg=e"),
    ("overall=", "overall=."),
    ("0.446\t  6.444%", "1.2.3\t  6.444%"),
    ("6.444%\t  6.444%", "..%\t  6.444%"),
    ("count=", "count=" + "9" * 400 + " x="),
]


def _records(store: Path) -> int:
    if not store.exists():
        return 0
    with sqlite3.connect(store) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return (
            db.execute("SELECT COUNT(*) FROM measurements WHERE source = 'measured'").fetchone()[0]
            if "measurements" in tables
            else 0
        )


@pytest.mark.parametrize(("old", "new"), EDITS)
def test_bench_import_refuses_a_malformed_number_and_stores_nothing(capsys, tmp_path, monkeypatch, old, new):
    text = LOG.read_text()
    assert old in text, old
    log = tmp_path / "run.log"
    log.write_text(text.replace(old, new, 1))
    monkeypatch.setenv("EDGEPARETO_HOME", str(tmp_path / "home"))
    store = tmp_path / "s.sqlite"
    argv = ["bench", str(log), "--import", "--model", str(QUANT_MODEL), "--device", "xu4 Cortex-A15"]
    one_line_error(*cli(capsys, *argv, "--store", str(store)), str(log))
    assert _records(store) == 0


@pytest.mark.parametrize(("old", "new"), EDITS[4:6])
def test_profile_log_refuses_a_malformed_op_row(capsys, tmp_path, old, new, fixtures_dir):
    log = tmp_path / "op.log"
    log.write_text(LOG.read_text().replace(old, new, 1))
    one_line_error(*cli(capsys, "profile", str(QUANT_MODEL), "--log", str(log)), "op profiling row")

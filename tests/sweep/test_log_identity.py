"""Issue 25, item 4: ``bench LOG --import --model FILE`` refuses a log that contradicts the file, in one line naming
both, and stores nothing; ``--force`` records it with the mismatch noted."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_one_line_errors import one_line_error
from tests.cli_support import cli
from tests.conftest import FLOAT_MODEL, QUANT_MODEL

pytestmark = pytest.mark.usefixtures("fixtures_dir")  # Google's files in ../shared: skip without them

TESTS = Path(__file__).resolve().parents[1]
ALPHA_1_LOG = TESTS / "bench" / "benchmark_model_logs" / "tf2x_xnnpack_info_prefix.log"  # mobilenet_v1_1.0_224
ESPCN_LOG = TESTS / "bench" / "benchmark_model_logs" / "tf2x_op_profiling_memory.log"  # espcn_2x.tflite, op table
OWN_LOG = TESTS / "profile" / "logs" / "mobilenet_v1_0.25_128_quant_op_profiling.log"


def _notes(store: Path) -> list[str | None]:
    """The notes of the store's latency records; [] for a store with no table or no artifact yet."""
    if not store.exists():
        return []
    with sqlite3.connect(store) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "measurements" not in tables:
            return []
        return [
            r[0]
            for r in db.execute("SELECT notes FROM measurements WHERE metric = 'latency_ms' AND source = 'measured'")
        ]


def _artifacts(store: Path) -> int:
    """Given files recorded (each with its measured size record)."""
    if not store.exists():
        return 0
    with sqlite3.connect(store) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "measurements" not in tables:
            return 0
        return db.execute(
            "SELECT COUNT(*) FROM measurements WHERE metric = 'size_bytes' AND source = 'measured'"
        ).fetchone()[0]


def _argv(log: Path, model: Path, store: Path) -> list[str]:
    return ["bench", str(log), "--import", "--model", str(model), "--device", "xu4 Cortex-A15", "--store", str(store)]


@pytest.mark.parametrize(
    ("log", "says"),
    [(ALPHA_1_LOG, "the log ran mobilenet_v1_1.0_224.tflite (alpha 1.0, 224, fp32)"), (ESPCN_LOG, "op table")],
)
def test_a_real_log_of_another_graph_is_refused_naming_both(capsys, tmp_path, monkeypatch, log, says):
    monkeypatch.setenv("EDGEPARETO_HOME", str(tmp_path / "home"))
    store = tmp_path / "s.sqlite"
    line = one_line_error(*cli(capsys, *_argv(log, QUANT_MODEL, store)), str(log), str(QUANT_MODEL), says, "--force")
    assert "MB" in line  # the stated size contradicts too
    assert _notes(store) == [] and _artifacts(store) == 0  # nothing stored, not even the file
    one_line_error(*cli(capsys, "bench", str(log), "--import", "--model", str(QUANT_MODEL)), says)  # no store either


def test_force_records_the_log_with_the_mismatch_noted(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEPARETO_HOME", str(tmp_path / "home"))
    store = tmp_path / "s.sqlite"
    rc, out, err = cli(capsys, *_argv(ALPHA_1_LOG, QUANT_MODEL, store), "--force", "--json")
    assert rc == 0, err
    assert "16.9008 MB" in " ".join(json.loads(out)["stored"]["mismatch"])
    (notes,) = _notes(store)
    assert notes is not None and "recorded with --force" in notes and "mobilenet_v1_1.0_224.tflite" in notes


def test_the_log_of_this_file_is_recorded_and_one_of_its_float_twin_is_not(capsys, tmp_path, monkeypatch):
    """The op-profiling log of the uint8 file matches it (name, 0.497264 MB, 31 operators by type);
    against the float file (the same operators by type) under a generic name its size contradicts."""
    monkeypatch.setenv("EDGEPARETO_HOME", str(tmp_path / "home"))
    store = tmp_path / "s.sqlite"
    rc, out, err = cli(capsys, *_argv(OWN_LOG, QUANT_MODEL, store), "--json")
    assert rc == 0, err
    assert "mismatch" not in json.loads(out)["stored"]
    assert "--force" not in str(_notes(store)) and len(_notes(store)) == 1
    twin = tmp_path / "model.tflite"  # a generic name says nothing: only the size and op table speak
    twin.write_bytes(FLOAT_MODEL.read_bytes())
    one_line_error(*cli(capsys, *_argv(OWN_LOG, twin, tmp_path / "t.sqlite")), "0.497264 MB, the file is 1.88327 MB")

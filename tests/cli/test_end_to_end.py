"""Issue 25, item 2: ``bench FILE --end-to-end IMAGES_DIR`` times image file -> top-5 in the measuring process,
stores it as its own metric with the preset named, and the report shows it beside the invoke-only latency."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.bench.test_processes import CPU
from tests.cli.test_one_line_errors import one_line_error
from tests.cli_support import cli
from tests.conftest import IMAGENET, QUANT_MODEL

pytestmark = pytest.mark.usefixtures("fixtures_dir")  # Google's files in ../shared: skip without them


def test_end_to_end_is_stored_beside_invoke_only_and_rendered_in_the_report(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEPARETO_HOME", str(tmp_path / "home"))
    store = tmp_path / "s.sqlite"
    rc, out, err = cli(
        capsys,
        "bench",
        str(QUANT_MODEL),
        "--cpus",
        str(CPU),
        "--processes",
        "2",
        "--runs",
        "5",
        "--end-to-end",
        str(IMAGENET / "images"),
        "--preset",
        "pil-bilinear",
        "--store",
        str(store),
        "--json",
    )
    assert rc == 0, err
    doc = json.loads(out)
    e2e = doc["end_to_end"]
    assert e2e["preset"] == "pil-bilinear" and e2e["top_k"] == 5 and e2e["processes"] == 2
    assert e2e["median_ms"] > doc["median_ms"]  # decode + preprocessing + top-k cost something on top of invoke()
    assert doc["first_inference_ms"] > 0 and doc["load_ms"] > 0
    with sqlite3.connect(store) as db:
        rows = dict(db.execute("SELECT metric, protocol FROM measurements WHERE source = 'measured'").fetchall())
    assert {"latency_ms", "e2e_latency_ms", "first_inference_ms", "load_ms"} <= set(rows)
    assert json.loads(rows["e2e_latency_ms"])["preset"] == "pil-bilinear"
    rc, out, err = cli(capsys, "report", "--store", str(store), "--out", str(tmp_path / "r"), "--json")
    assert rc == 0, err
    md = (tmp_path / "r" / "report.md").read_text().split("## Your models", 1)[1].split("\n## ", 1)[0]
    header = next(line for line in md.splitlines() if line.startswith("| file"))
    assert "| ms on " in header and "| end-to-end ms on " in header
    assert "(pil-bilinear)" in md
    assert "partly delegated: 29 of 31 nodes on XNNPACK delegate" in md  # Google's uint8 file: pool and softmax off it


def test_end_to_end_refuses_an_empty_folder_and_a_preset_without_it(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    one_line_error(*cli(capsys, "bench", str(QUANT_MODEL), "--end-to-end", str(tmp_path / "empty")), "no image files")
    one_line_error(*cli(capsys, "bench", str(QUANT_MODEL), "--preset", "tf-slim"), "--end-to-end")

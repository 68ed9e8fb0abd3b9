"""`report --profile`: every field of a saved profile document is checked in one typed parse (issue 31, item 7)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from edgepareto.errors import ConfigError
from edgepareto.report import write_report
from tests.cli.test_one_line_errors import one_line_error
from tests.cli_support import cli

GOOD = {
    "file": "m.onnx",
    "variant": "mobilenet_v1_025_96.fp32",
    "engine": "onnxruntime",
    "cpus": [0],
    "by_kind_ms": {"standard": 0.05, "depthwise": 0.1, "pointwise": 0.25, "fully_connected": 0.05, "other": 0.05},
    "total_ms": 0.5,
    "bench": {"status": "ok", "median_ms": 0.6},
    "layer_sum_vs_bench": 0.5 / 0.6 - 1,
    "times_from": "ONNX Runtime's session profiler",
    "source": "measured",
}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    from edgepareto.analysis import open_results

    path = tmp_path / "r.sqlite"
    open_results(path).close()
    return path


def _report(capsys, tmp_path: Path, store: Path, text: str) -> tuple[int, str, str]:
    saved = tmp_path / "p.json"
    saved.write_text(text)
    return cli(capsys, "report", "--store", str(store), "--out", str(tmp_path / "rep"), "--profile", str(saved))


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"cpus": 5}, "cpus must be a list"),
        ({"cpus": ["0"]}, "each of cpus must be an integer"),
        ({"bench": "x"}, "bench must be an object"),
        ({"bench": {"status": "ok", "median_ms": "fast"}}, "bench.median_ms must be a number"),
        ({"layer_sum_vs_bench": "abc"}, "layer_sum_vs_bench must be a number"),
        ({"variant": 7}, "variant must be a text"),
        ({"engine": ["x"]}, "engine must be a text"),
        ({"times_from": {"a": 1}}, "times_from must be a text"),
        ({"by_kind_ms": {**GOOD["by_kind_ms"], "warp": 1.0}}, "by_kind_ms must map layer kinds"),
    ],
)
def test_a_field_of_the_wrong_type_is_one_line_naming_it(capsys, tmp_path, store, change, needle):
    one_line_error(*_report(capsys, tmp_path, store, json.dumps({**GOOD, **change})), needle, "p.json")
    assert not (tmp_path / "rep" / "report.md").exists()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            json.dumps(GOOD).replace(
                '"layer_sum_vs_bench": ' + json.dumps(GOOD["layer_sum_vs_bench"]), '"layer_sum_vs_bench": NaN'
            ),
            "layer_sum_vs_bench must be a finite number",
        ),
        (json.dumps(GOOD).replace('"median_ms": 0.6', '"median_ms": NaN'), "bench.median_ms must be a finite number"),
        (json.dumps(GOOD).replace('"total_ms": 0.5', '"total_ms": Infinity'), "total_ms must be a finite number"),
        ("[" * 100_000, "nested too deeply"),
        ('{"total_ms": ' + "1" * 5000 + "}", "is not valid JSON"),
    ],
)
def test_nan_and_hostile_json_never_reach_the_report(capsys, tmp_path, store, text, needle):
    one_line_error(*_report(capsys, tmp_path, store, text), needle)
    assert not (tmp_path / "rep" / "report.md").exists()


def test_a_good_document_is_reported_without_nan(capsys, tmp_path, store):
    rc, _, err = _report(capsys, tmp_path, store, json.dumps([GOOD]))
    assert rc == 0, err
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "mobilenet_v1_025_96.fp32 (onnxruntime, CPU 0)" in md and "-16.7%" in md
    assert re.search(r"\bnan\b", md, re.IGNORECASE) is None


def test_the_python_api_takes_profile_documents_through_the_same_parse(tmp_path, store):
    from edgepareto.analysis import open_results
    from edgepareto.report._profiles import SavedProfile

    with open_results(store) as s, pytest.raises(ConfigError, match="layer_sum_vs_bench must be a finite"):
        write_report(s, tmp_path / "rep", [{**GOOD, "layer_sum_vs_bench": math.nan}])
    assert SavedProfile.from_json(GOOD).label == "mobilenet_v1_025_96.fp32 (onnxruntime, CPU 0)"

"""Issue 30 item 5: the CLI records ``bench --store`` / ``eval --store`` / imports through ``sweep``'s public door
(``record_bench``, ``record_imported``, ``record_eval``), describing the data set with one ``EvalData``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import edgepareto.cli
from edgepareto.errors import ConfigError
from edgepareto.sweep import EvalData, record_eval
from edgepareto.sweep.given import accuracy_ident, accuracy_key_of
from tests.conftest import QUANT_MODEL
from tests.identity.test_datasets import _result

pytestmark = pytest.mark.usefixtures("fixtures_dir")
CLI = Path(edgepareto.cli.__file__).parent


@pytest.mark.parametrize("command", ["cmd_bench.py", "cmd_eval.py"])
def test_the_cli_records_through_the_sweep_api_only(command):
    tree = ast.parse((CLI / command).read_text())
    inner = [
        n.module
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("edgepareto.sweep.")
    ]
    assert inner == [], f"{command} reaches past sweep's API: {inner}"
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and "given" in ast.unparse(n)]


def test_record_eval_keys_an_evaluation_as_a_models_study_does(tmp_path):
    data = EvalData("imagenet", tmp_path, limit=1400, balanced=True)
    first = record_eval(tmp_path / "s.sqlite", _result(1400, 749), QUANT_MODEL, data)
    again = record_eval(tmp_path / "s.sqlite", _result(1400, 749), QUANT_MODEL, data)
    assert (first["new_records"], again["new_records"]) == (2, 0)  # a rerun adds nothing: the same keys
    ident = accuracy_ident(QUANT_MODEL, data, engine="litert")
    assert ident["balanced"] and ident["data_dir"] == str(tmp_path.resolve()) and ident["preprocessing"] == "default"
    assert accuracy_key_of("x", ident, "top1") != accuracy_key_of("x", {**ident, "limit": None}, "top1")


def test_an_evaluation_without_a_data_set_kind_or_with_no_images_is_refused():
    with pytest.raises(ConfigError, match="kind"):
        EvalData("")
    with pytest.raises(ConfigError, match="at least 1"):
        EvalData("imagenet", limit=0)

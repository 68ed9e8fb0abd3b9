from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from edgepareto.cli._app import _commands
from tests.conftest import QUANT_MODEL


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edgepareto", *args], capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_command_has_help_and_json(name):
    r = cli(name, "--help")
    assert r.returncode == 0, r.stderr
    assert "--json" in r.stdout


def test_models_json_lists_seed_variants():
    r = cli("models", "--json")
    doc = json.loads(r.stdout)
    (fam,) = [f for f in doc["families"] if f["name"] == "mobilenet_v1"]
    assert [v["name"] for v in fam["variants"]] == [
        "mobilenet_v1_025_224",
        "mobilenet_v1_050_224",
        "mobilenet_v1_075_224",
        "mobilenet_v1_100_224",
    ]


def test_cost_json_and_table():
    doc = json.loads(cli("cost", "mobilenet_v1", "--alpha", "0.5", "--resolution", "224", "--json").stdout)
    assert isinstance(doc["macs"], int) and isinstance(doc["params"], int)
    assert sum(layer["macs"] for layer in doc["layers"]) == doc["macs"]
    human = cli("cost", "mobilenet_v1", "--alpha", "0.5").stdout
    assert "conv_dw_13" in human and "149.50 M multiply-adds" in human


def test_bad_alpha_is_one_line_error():
    r = cli("cost", "mobilenet_v1", "--alpha", "1.5", "--json")
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.strip().count("\n") == 0 and "alpha must be in (0, 1.4]" in r.stderr


def test_inspect_json_and_error_exit(tmp_path, fixtures_dir):
    doc = json.loads(cli("inspect", str(QUANT_MODEL), "--json").stdout)
    assert doc["inputs"][0]["zero_point"] == 128 and doc["bytes"] == 497264
    bad = tmp_path / "x.tflite"
    bad.write_bytes(b"hello")
    r = cli("inspect", str(bad), "--json")
    assert r.returncode != 0 and r.stdout == ""
    assert r.stderr.strip().count("\n") == 0 and str(bad) in r.stderr


@pytest.mark.e2e
def test_export_names_the_preprocessing_preset_beside_each_artifact(tmp_path):
    r = cli(
        "export",
        "mobilenet_v1",
        "--alpha",
        "0.25",
        "--resolution",
        "32",
        "--classes",
        "10",
        "--precision",
        "fp32",
        "--out",
        str(tmp_path),
        "--preprocessing",
        "keras-mobilenet",
        "--json",
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["preprocessing"] == "keras-mobilenet"
    for art in doc["artifacts"]:
        assert json.loads(Path(art["path"] + ".preprocessing.json").read_text()) == {"preset": "keras-mobilenet"}

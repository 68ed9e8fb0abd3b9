"""Preprocessing sidecars are written in one rename, never through a symlink (issue 31, item 9)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from edgepareto.data.preprocessing import read_sidecar
from edgepareto.data.presets import name_preset_beside, preset_spec
from edgepareto.errors import ConfigError
from tests.cli_support import cli


def _planted(tmp_path: Path, model: Path) -> Path:
    """A victim file and a symlink to it where the model's sidecar goes."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    Path(str(model) + ".preprocessing.json").symlink_to(victim)
    return victim


def test_naming_a_preset_replaces_a_symlink_instead_of_writing_through_it(tmp_path):
    model = tmp_path / "m.tflite"
    victim = _planted(tmp_path, model)
    (tmp_path / "m.tflite.preprocessing.json").unlink()
    (tmp_path / "m.tflite.preprocessing.json").symlink_to(victim)
    victim.write_text('{"preset": "torchvision"}\n')  # a link to a valid sidecar: replace=False keeps it (read only)
    assert name_preset_beside(model, "tf-slim", replace=False) == "torchvision"
    assert victim.read_text() == '{"preset": "torchvision"}\n'
    assert name_preset_beside(model, "tf-slim") == "tf-slim"
    sidecar = tmp_path / "m.tflite.preprocessing.json"
    assert not sidecar.is_symlink() and json.loads(sidecar.read_text()) == {"preset": "tf-slim"}
    assert victim.read_text() == '{"preset": "torchvision"}\n'


def test_a_whole_spec_saved_beside_replaces_a_symlink_too(tmp_path):
    model = tmp_path / "m.tflite"
    victim = _planted(tmp_path, model)
    path = preset_spec("torchvision", 96).save_beside(model)
    assert not path.is_symlink() and read_sidecar(model)["size"] == 96 and victim.read_text() == "keep me\n"


def test_a_sidecar_takes_the_umask_mode_and_leaves_no_temporary_file(tmp_path):
    model = tmp_path / "m.tflite"
    old = os.umask(0o022)
    try:
        name_preset_beside(model, "tf-slim")
    finally:
        os.umask(old)
    sidecar = tmp_path / "m.tflite.preprocessing.json"
    assert sidecar.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.tflite.preprocessing.json"]


def test_a_sidecar_that_cannot_be_written_is_one_line(tmp_path):
    with pytest.raises(ConfigError, match=r"cannot write preprocessing file .*m\.tflite\.preprocessing\.json"):
        name_preset_beside(tmp_path / "missing" / "m.tflite", "tf-slim")
    assert not (tmp_path / "missing").exists()


def test_export_never_writes_through_a_planted_sidecar_link(capsys, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    victim = _planted(tmp_path, out / "mobilenet_v1_025_96_c10.fp32.tflite")
    rc, stdout, err = cli(
        capsys,
        "export",
        "mobilenet_v1",
        "--alpha",
        "0.25",
        "--resolution",
        "96",
        "--classes",
        "10",
        "--precision",
        "fp32",
        "--out",
        str(out),
        "--json",
    )
    assert rc == 0, err
    doc = stdout[stdout.rindex("\n{\n") + 1 :] if not stdout.startswith("{") else stdout  # Keras's prints first
    (art,) = json.loads(doc)["artifacts"]
    sidecar = Path(art["path"] + ".preprocessing.json")
    assert sidecar == out / "mobilenet_v1_025_96_c10.fp32.tflite.preprocessing.json"
    assert not sidecar.is_symlink() and json.loads(sidecar.read_text()) == {"preset": "tf-slim"}
    assert victim.read_text() == "keep me\n"

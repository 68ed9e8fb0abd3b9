"""Hostile model paths are refused from their type, size and first bytes, before any read to the end
(issue 31, item 10), and artifacts are written with the umask's mode, not mkstemp's 0600 (item 20)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest

import edgepareto.artifacts as artifacts
from edgepareto.artifacts import check_model_file, write_atomic
from edgepareto.errors import ConfigError, ModelFileError
from edgepareto.sweep.given import declared
from edgepareto.sweep.models_study import _given_files
from tests.conftest import QUANT_MODEL


def _no_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: object) -> str:
        raise AssertionError(f"{path} was hashed before its type, size and identifier were checked")

    monkeypatch.setattr(artifacts, "sha256_file", refuse)


def test_a_procfs_file_that_never_ends_is_refused_unread(tmp_path, monkeypatch):
    _no_hashing(monkeypatch)
    pagemap = tmp_path / "pagemap.tflite"
    pagemap.symlink_to("/proc/self/pagemap")  # a "regular" file of size 0 whose reads never end
    files, problems = _given_files(SimpleNamespace(models=("/proc/self/pagemap", str(pagemap))))
    assert files == [] and all("not a model file" in e for _, e in problems)  # the link resolves to pagemap
    with pytest.raises(ModelFileError, match=r"pagemap\.tflite: file is empty \(0 bytes\)"):
        check_model_file(pagemap)


def test_a_huge_sparse_file_is_refused_by_its_size_before_hashing(tmp_path, monkeypatch):
    _no_hashing(monkeypatch)
    huge = tmp_path / "huge.tflite"
    with huge.open("wb") as f:
        f.truncate(3 * 2**30)  # 3 GB of holes: costs no disk
    _, problems = _given_files(SimpleNamespace(models=(str(huge),)))
    (what, error), *_ = problems
    assert what == "huge.tflite" and "over the 2 GiB" in error and "\n" not in error
    with pytest.raises(ModelFileError, match="over the 2 GiB"):
        declared(huge)


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("fake.tflite", b"PK\x03\x04" + b"\0" * 60, "no 'TFL3' flatbuffer identifier"),
        ("fake.onnx", b"\xff\xfe not protobuf", "not an ONNX model"),
        ("short.onnx", b"", "empty (0 bytes)"),
    ],
)
def test_wrong_identifiers_are_one_line_naming_the_file(tmp_path, monkeypatch, name, content, says):
    _no_hashing(monkeypatch)
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ModelFileError) as exc:
        check_model_file(path)
    assert name in str(exc.value) and says in str(exc.value) and "\n" not in str(exc.value)


def test_folders_and_fifos_are_not_regular_files(tmp_path):
    folder = tmp_path / "dir.tflite"
    folder.mkdir()
    fifo = tmp_path / "pipe.onnx"
    os.mkfifo(fifo)  # opening it would block until a writer comes
    for path in (folder, fifo):
        with pytest.raises(ModelFileError, match="not a regular file"):
            check_model_file(path)
    with pytest.raises(ConfigError, match="not a model file"):
        check_model_file(tmp_path / "notes.txt")


def test_real_models_pass(fixtures_dir, tmp_path):
    assert check_model_file(QUANT_MODEL) == "tflite"
    import onnx

    onnx.save(onnx.helper.make_model(onnx.helper.make_graph([], "g", [], [])), str(tmp_path / "m.onnx"))
    assert check_model_file(tmp_path / "m.onnx") == "onnx"


def test_atomic_writes_take_the_umask_mode_not_0600(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "model.tflite", b"bytes")
        write_atomic(tmp_path / "model.tflite.preprocessing.json", "{}")
    finally:
        os.umask(old)
    for name in ("model.tflite", "model.tflite.preprocessing.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644, name
    old = os.umask(0o077)  # a user who wants private files still gets them
    try:
        write_atomic(tmp_path / "private.bin", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(Path(tmp_path / "private.bin").stat().st_mode) == 0o600

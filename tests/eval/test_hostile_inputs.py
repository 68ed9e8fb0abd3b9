"""Issue 11: hostile images, file names, sidecars and Ctrl-C during evaluation; the export sidecar.

A real 2-class MobileNet (alpha 0.25, 32x32) is exported once through the CLI; the images are the
shared ImageNet fixtures, renamed and regrouped.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from tests.cli_support import cli
from tests.conftest import FLOAT_MODEL, IMAGENET


def error_line(rc: int, err: str) -> str:
    assert rc == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith(("INFO", "WARNING"))]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    argv = ["export", "mobilenet_v1", "--alpha", "0.25", "--resolution", "32", "--classes", "2",
            "--precision", "fp32", "--out", str(out), "--json"]  # fmt: skip
    r = subprocess.run([sys.executable, "-m", "edgepareto", *argv], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    (art,) = json.loads(r.stdout)["artifacts"]
    return Path(art["path"])


def test_export_writes_the_preprocessing_sidecar_readme_promises(tiny_model):
    sidecar = Path(str(tiny_model) + ".preprocessing.json")
    assert sidecar.is_file(), "export wrote no FILE.preprocessing.json"
    doc = json.loads(sidecar.read_text())
    assert doc == {"preset": "tf-slim"}  # the preset travels with the file; eval builds the spec from it
    from edgepareto.data.presets import default_spec

    spec = default_spec((1, 32, 32, 3), 2, preset=doc["preset"])
    assert spec.size == 32 and spec.channels == 3 and spec.label_offset == 0 and spec.crop_fraction == 0.875


def _bomb_png(path: Path, side: int = 20000) -> None:
    """A PNG header that claims side x side pixels: Pillow refuses it as a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    )


@pytest.fixture
def hostile_folder(tmp_path: Path, fixtures_dir: Path) -> Path:
    jpegs = sorted((IMAGENET / "images").glob("*.JPEG"))[:4]
    root = tmp_path / "data"
    for cls, imgs in (("=HYPERLINK(1)", jpegs[:2]), ("@home", jpegs[2:])):
        (root / cls).mkdir(parents=True)
        for i, src in enumerate(imgs):
            name = os.fsdecode(b"caf\xe9-%d.jpg" % i) if i == 0 else f"-{i}.jpg"  # Latin-1 name, not UTF-8
            shutil.copy(src, root / cls / name)
    _bomb_png(root / "@home" / "bomb.png")
    return root


def test_bombs_are_skipped_and_predictions_csv_is_safe(capsys, tmp_path, tiny_model, hostile_folder):
    preds = tmp_path / "p.csv"
    rc, out, err = cli(
        capsys,
        "eval",
        str(tiny_model),
        "--dataset",
        "folder",
        "--data-dir",
        str(hostile_folder),
        "--predictions",
        str(preds),
        "--no-cache",
        "--json",
    )
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["n"] == 4
    (skip,) = doc["skipped"]
    assert skip["file"].endswith("bomb.png") and "decompression bomb" in skip["reason"]
    text = preds.read_bytes().decode("utf-8")  # UTF-8 even with a Latin-1 file name
    rows = list(csv.DictReader(text.splitlines()))
    assert len(rows) == 4
    assert {r["label_name"] for r in rows} == {"'=HYPERLINK(1)", "'@home"}
    assert any("caf\\xe9-0.jpg" in r["file"] for r in rows)
    for r in rows:
        assert all(not v.startswith(("=", "+", "-", "@")) for v in r.values())


def _copy_with_sidecar(tmp_path: Path, model: Path, sidecar: bytes, name: str = "m.tflite") -> Path:
    dst = tmp_path / name
    shutil.copy(model, dst)
    Path(str(dst) + ".preprocessing.json").write_bytes(sidecar)
    return dst


@pytest.mark.parametrize(
    ("sidecar", "needle"),
    [
        (b'{"size": 4096}', "m.tflite.preprocessing.json: preprocessing size must be an integer in [1, 1024]"),
        (b'{"size": 64}', "preprocessing gives 64x64x3 images but the model input is [1, 32, 32, 3]"),
        (b'{"size": 32, "std": NaN}', "preprocessing std must be a finite number"),
        (b'{"size": 32, "mean": Infinity}', "preprocessing mean must be a finite number"),
        (b'{"size": 32, "color": "\xff"}', "is not UTF-8 text"),
        (b"[1, 2]", "not a preprocessing spec"),
        (b"[" * 100_000, "is nested too deeply to be JSON"),  # RecursionError in the parser
        (b'{"size": ' + b"1" * 5000 + b"}", "is not valid JSON"),  # int()'s digit limit, a ValueError
    ],
)
def test_bad_sidecars_are_one_line_before_decoding(capsys, tmp_path, tiny_model, hostile_folder, sidecar, needle):
    model = _copy_with_sidecar(tmp_path, tiny_model, sidecar)
    t0 = time.perf_counter()
    rc, _, err = cli(capsys, "eval", str(model), "--dataset", "folder", "--data-dir", str(hostile_folder), "--no-cache")
    assert needle in error_line(rc, err)
    assert time.perf_counter() - t0 < 10


def test_a_model_path_that_is_not_utf8_is_one_line(capsys, tmp_path, tiny_model, hostile_folder):
    model = tmp_path / os.fsdecode(b"m\xff.tflite")
    shutil.copy(tiny_model, model)
    rc, _, err = cli(capsys, "eval", str(model), "--dataset", "folder", "--data-dir", str(hostile_folder))
    assert "is not valid UTF-8; rename the file" in error_line(rc, err)
    rc, _, err = cli(capsys, "bench", str(model), "--json", "--runs", "1", "--warmup", "0")
    assert "is not valid UTF-8; rename the file" in error_line(rc, err)


def _children(pid: int) -> list[int]:
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                kids.append(int(d))
    return kids


def test_ctrl_c_while_workers_import_is_one_line(tmp_path, fixtures_dir):
    argv = [
        "eval",
        str(FLOAT_MODEL),
        "--data-dir",
        str(IMAGENET / "images"),
        "--ground-truth",
        str(IMAGENET / "ground_truth.csv"),
        "--labels",
        str(IMAGENET / "labels.txt"),
        "--workers",
        "2",
        "--no-cache",
    ]
    env = {**os.environ, "EDGEPARETO_HOME": str(tmp_path / "home")}
    p = subprocess.Popen(
        [sys.executable, "-m", "edgepareto", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=env,
    )
    deadline = time.monotonic() + 120
    while not _children(p.pid) and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.01)
    time.sleep(0.05)  # the spawned workers are importing NumPy / edgepareto / the engine now
    os.killpg(p.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert "Traceback" not in err and "not installed" not in err, err
    assert [line for line in err.splitlines() if line.strip()] == [
        "edgepareto eval: interrupted; results already written are kept"
    ]

"""Issue 11: every input that used to end in a traceback is one line that names the fix, with exit 2.

The CLI runs in-process (``main(argv)``), so each case costs milliseconds; the cases that need a
converter or an engine run the real ones.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_support import cli
from tests.conftest import FLOAT_MODEL


def _noise(line: str) -> bool:
    """Log lines, and TensorFlow's C++ start-up lines (absl, oneDNN) that precede any Python code."""
    return line.startswith(("INFO", "WARNING")) or re.match(r"[IWE]\d{4} ", line) is not None


def one_line_error(rc: int, out: str, err: str, *needles: str) -> str:
    assert rc == 2, (rc, err)
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip() and not _noise(line)]
    assert len(lines) == 1, err
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


# -- model shape: alpha, resolution, classes ------------------------------------------------------


@pytest.mark.parametrize("alpha", ["0.001", "0.02", "0.031"])
def test_alpha_below_one_32nd_is_one_line(capsys, alpha):
    one_line_error(*cli(capsys, "cost", "mobilenet_v1", "--alpha", alpha), "alpha must be at least 0.03125")


def test_alpha_one_32nd_is_supported(capsys):
    rc, out, _ = cli(capsys, "cost", "mobilenet_v1", "--alpha", "0.03125", "--json")
    assert rc == 0 and '"macs"' in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["cost", "mobilenet_v1", "--resolution", "100000"], "[32, 1024]"),
        (["export", "mobilenet_v1", "--resolution", "100000"], "[32, 1024]"),
        (["cost", "mobilenet_v1", "--classes", "1000000000"], "num_classes"),
        (["export", "mobilenet_v1", "--calibration-samples", "-1"], "--calibration-samples"),
        (["export", "mobilenet_v1", "--calibration-samples", "0"], "in [1, 10000]"),
        (["export", "mobilenet_v1", "--seed", "-1"], "seed must be in [0, 4294967295]"),
        (["export", "mobilenet_v1", "--seed", "1e20"], "'1e20' is not an integer"),
        (["bench", str(FLOAT_MODEL), "--threads", "100000"], "one per CPU"),
        (["bench", str(FLOAT_MODEL), "--timeout", "nan"], "finite"),
        (["bench", str(FLOAT_MODEL), "--pause", "inf"], "finite"),
        (["bench", str(FLOAT_MODEL), "--seed", "-1"], "seed"),
        (["recommend", "--device", "x", "--max-latency-ms", "nan"], "finite"),
        (["train", "--lr", "nan"], "finite"),
        (["eval", str(FLOAT_MODEL), "--limit", "0"], ">= 1"),
        (["sizes", "--alphas", "x"], "--alphas must be a comma list"),
        (["sizes", "--out", "/proc/x"], "cannot create --out folder"),
    ],
)
def test_bad_numbers_are_one_line(capsys, argv, needle):
    one_line_error(*cli(capsys, *argv), needle)


# -- --out: an existing file, a folder, /proc, a full disk --------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Path:
    from edgepareto.analysis.reference import load_reference
    from edgepareto.store import Device, MeasurementRecord, Store, Variant

    path = tmp_path / "results.sqlite"
    name = "host <script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3))"
    with Store(path) as s:
        load_reference(s)
        s.add_device(Device(name, "host", {"cpu_model": "Test CPU"}))
        for alpha, ms in ((0.25, 0.5), (0.5, 1.3)):
            for precision in ("fp32", "int8"):
                v = Variant("mobilenet_v1", alpha, 224, 1000, precision)
                s.add(
                    MeasurementRecord(
                        variant=v,
                        metric="latency_ms",
                        value=ms,
                        ci_low=ms * 0.9,
                        ci_high=ms * 1.1,
                        n=50,
                        source="measured",
                        device=name,
                        engine="litert",
                        threads=1,
                        protocol={"name": "fast"},
                    )
                )
    return path


def test_out_on_a_file_a_folder_or_proc_is_one_line(capsys, tmp_path, store):
    a_file = tmp_path / "a-file"
    a_file.write_text("keep me")
    cases = [
        (["export", "mobilenet_v1", "--out", str(a_file)], "is an existing file; pass a folder"),
        (["export", "mobilenet_v1", "--out", "/proc/edgepareto"], "cannot create --out folder"),
        (["report", "--store", str(store), "--out", str(a_file)], "is an existing file"),
        (["report", "--store", str(store), "--out", "/proc/x"], "cannot create --out folder"),
        (["results", "--store", str(store), "--format", "csv", "--out", str(tmp_path)], "is a folder"),
        (["results", "--store", str(store), "--format", "csv", "--out", "/proc/x.csv"], "/proc"),
        (["sweep", "--store", str(store), "--dry-run", "--report", str(a_file)], "--report"),
        (["sweep", "--store", str(store), "--dry-run", "--report", "/proc/x"], "--report"),
    ]
    for argv, needle in cases:
        one_line_error(*cli(capsys, *argv), needle)
    assert a_file.read_text() == "keep me"


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs filled to the last byte (root only; skipped elsewhere)."""
    mnt = tmp_path / "full"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.decode().strip()}); full-disk test needs root")
    try:
        fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT)
        with contextlib.suppress(OSError):
            while os.write(fd, b"\0" * 4096):
                pass
        os.close(fd)
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_a_full_disk_is_one_line_for_results_and_report(capsys, full_disk, store):
    line = one_line_error(
        *cli(capsys, "results", "--store", str(store), "--format", "csv", "--out", str(full_disk / "r.csv")),
        "No space left",
    )
    assert "free some space" in line and not (full_disk / "r.csv").exists()
    one_line_error(*cli(capsys, "report", "--store", str(store), "--out", str(full_disk / "rep")), "No space left")


# -- the store: truncated, or holding a value of the wrong type ----------------------------------


def test_a_truncated_store_is_one_line_for_results_report_and_sweep(capsys, tmp_path, store):
    size = store.stat().st_size
    with store.open("r+b") as f:
        f.truncate(size - 1000)
    for argv in (
        ["results"],
        ["results", "--format", "csv"],
        ["report", "--out", str(tmp_path / "r")],
        ["sweep", "--dry-run", "--no-report"],
    ):
        one_line_error(*cli(capsys, *argv, "--store", str(store)), "is damaged", "another --store")


def test_a_non_numeric_value_in_the_store_is_one_line(capsys, tmp_path, store):
    db = sqlite3.connect(store)
    db.execute("UPDATE measurements SET value = 'abc' WHERE id = (SELECT MAX(id) FROM measurements)")
    db.commit()
    db.close()
    for argv in (["results"], ["results", "--format", "json"], ["report", "--out", str(tmp_path / "r")]):
        one_line_error(*cli(capsys, *argv, "--store", str(store)), "measurements.id=", "is invalid")


# -- report.md: device names cannot inject HTML or links ------------------------------------------


def test_report_markdown_escapes_device_names(capsys, tmp_path, store):
    rc, _, err = cli(capsys, "report", "--store", str(store), "--out", str(tmp_path / "rep"), "--json")
    assert rc == 0, err
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "host &lt;script&gt;" in md
    for raw in ("<script", "<img", "[x](javascript:"):
        assert raw not in md
    html = (tmp_path / "rep" / "report.html").read_text()
    assert "<script>alert" not in html and "<img src=x" not in html


# -- inspect: the identifier before the whole file ------------------------------------------------


def test_inspect_checks_the_header_before_reading_a_huge_file(tmp_path):
    import sys

    huge = tmp_path / "huge.tflite"
    with huge.open("wb") as f:
        f.truncate(3 * 1024**3)  # sparse: 3 GB of zeros that take no disk
    script = (
        "import sys\nfrom edgepareto.cli._app import main\nrc = main(['inspect', sys.argv[1]])\n"
        "hwm = [ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')][0].split()[1]\n"
        "print(hwm)\nsys.exit(rc)"
    )  # VmHWM: this process's own peak (ru_maxrss would include the forking test process's)
    r = subprocess.run([sys.executable, "-c", script, str(huge)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "no 'TFL3' flatbuffer identifier" in r.stderr, r.stderr
    assert int(r.stdout.strip()) < 1024**2  # KiB: far below the 3 GB the file would take in memory


def _run(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    import sys

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    cmd = [sys.executable, "-m", "edgepareto", *argv]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=cwd, env=env)


@pytest.mark.e2e
def test_a_full_disk_is_one_line_for_export(tmp_path, full_disk):
    r = _run(
        tmp_path,
        "export",
        "mobilenet_v1",
        "--alpha",
        "0.03125",
        "--resolution",
        "32",
        "--precision",
        "fp32",
        "--out",
        str(full_disk / "art"),
    )
    line = one_line_error(r.returncode, r.stdout, r.stderr, "No space left", "free")
    assert not list((full_disk / "art").iterdir()), line  # no half-written model or temp file left


@pytest.mark.slow
def test_a_full_disk_is_one_line_for_sweep_report_and_keeps_the_results(tmp_path, full_disk):
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[[study]]\nname = "s"\nkind = "latency-only"\nalphas = [0.03125]\nresolutions = [32]\n'
        'precisions = ["fp32"]\n[study.options.protocol]\nmax_runs = 8\ntime_limit_s = 1\n'
    )
    store = tmp_path / "r" / "results.sqlite"
    r = _run(tmp_path, "sweep", str(plan), "--store", str(store), "--report", str(full_disk / "rep"), "--no-live")
    one_line_error(r.returncode, r.stdout, r.stderr, "No space left")
    from edgepareto.store import Store

    with Store(store) as s:  # the measurements made before the report are kept
        assert s.measurements(metric="latency_ms", source="measured", include_noisy=True)  # 8 runs may be noisy

"""Human output never shows a Python repr (issue 26, problem 5).

A small store is built from the fixtures (an `eval --store`, a `bench --store`, a benchmark_model log
imported with no thread count, Google's published rows loaded on first use), then every command that
reads or writes it runs in text mode, and `report` writes its Markdown and HTML: none of them may print `None`,
a dict (`{'`) or an empty list (`[]`). Commands that train or build many models (`train`, `bitwidth`,
`sizes`) and `boards` (an SSH inventory) are left out: their renderers are covered by their own tests.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from edgepareto.cli import main
from tests.cli_support import cli

LOGS = Path(__file__).parents[1] / "bench" / "benchmark_model_logs"
PROFILE_LOG = Path(__file__).parents[1] / "profile" / "logs" / "mobilenet_v1_0.25_128_quant_op_profiling.log"
REPR = re.compile(r"\bNone\b|\{'|\[\]")
BOARD = "testboard Cortex-A53"


def _run(capsys, *argv: str) -> str:
    capsys.readouterr()
    rc, out, err = cli(capsys, *argv)
    assert rc == 0, f"{' '.join(argv[:2])}: {err}"
    return out


def _reprs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if REPR.search(line)]


@pytest.fixture(scope="module")
def built(tmp_path_factory, fixtures_dir) -> dict[str, str]:
    """The store and the paths its commands need; the host device's name."""
    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("reprs")
    mp.setenv("EDGEPARETO_HOME", str(root / "home"))
    quant = fixtures_dir / "models" / "mobilenet_v1_0.25_128_quant.tflite"
    store = str(root / "r.sqlite")
    images, gt = fixtures_dir / "imagenet" / "images", fixtures_dir / "imagenet" / "ground_truth.csv"
    paths = {"store": store, "quant": str(quant), "images": str(images), "gt": str(gt), "root": str(root)}
    assert (
        main(
            [
                "eval",
                str(quant),
                "--data-dir",
                str(images),
                "--ground-truth",
                str(gt),
                "--limit",
                "6",
                "--workers",
                "1",
                "--store",
                store,
                "--json",
            ]
        )
        == 0
    )
    assert main(["bench", str(quant), "--runs", "1", "--store", store, "--json"]) == 0
    # a log of another (137 MB) graph: --force records it under the fixture with the mismatch noted
    assert (
        main(
            [
                "bench",
                str(LOGS / "tf2x_android_logcat_xnnpack.log"),
                "--import",
                "--model",
                str(quant),
                "--force",
                "--device",
                BOARD,
                "--store",
                store,
                "--json",
            ]
        )
        == 0
    )
    yield paths
    mp.undo()


@pytest.fixture
def home(built, monkeypatch) -> dict[str, str]:
    monkeypatch.setenv("EDGEPARETO_HOME", str(Path(built["root"]) / "home"))
    return built


def _host(capsys, store: str) -> str:
    devices = json.loads(cli(capsys, "results", "--store", store, "--json")[1])["devices"]
    return next(d for d in devices if "ODROID" not in d and d != BOARD)


COMMANDS = {
    "results": lambda b, host: ["results", "--store", b["store"]],
    "front (hardware-independent)": lambda b, host: ["front", "--store", b["store"]],
    "front (host)": lambda b, host: ["front", "--store", b["store"], "--device", host],
    "recommend (host, budget)": lambda b, host: [
        "recommend",
        "--store",
        b["store"],
        "--device",
        host,
        "--max-latency-ms",
        "50",
        "--min-top1",
        "10",
    ],
    "recommend (nothing fits)": lambda b, host: [
        "recommend",
        "--store",
        b["store"],
        "--device",
        host,
        "--max-latency-ms",
        "0.001",
    ],
    "recommend (imported board)": lambda b, host: ["recommend", "--store", b["store"], "--device", BOARD],
    "predict": lambda b, host: ["predict", "--store", b["store"], "--device", "Cortex-A15", "--alpha", "0.5"],
    "paper": lambda b, host: ["paper"],
    "models": lambda b, host: ["models"],
    "cost": lambda b, host: ["cost", "mobilenet_v1", "--alpha", "0.5"],
    "inspect": lambda b, host: ["inspect", b["quant"]],
    "devices": lambda b, host: ["devices", "--offline"],
    "eval": lambda b, host: [
        "eval",
        b["quant"],
        "--data-dir",
        b["images"],
        "--ground-truth",
        b["gt"],
        "--limit",
        "4",
        "--workers",
        "1",
    ],
    "bench": lambda b, host: ["bench", b["quant"], "--runs", "1"],
    "bench --import (no thread count)": lambda b, host: [
        "bench",
        str(LOGS / "tf2x_android_logcat_xnnpack.log"),
        "--import",
    ],
    "bench --import (threads)": lambda b, host: ["bench", str(LOGS / "tf1x_op_profiling.log"), "--import"],
    "profile --log": lambda b, host: ["profile", b["quant"], "--log", str(PROFILE_LOG)],
    "sweep --models": lambda b, host: [
        "sweep",
        "--models",
        b["quant"],
        "--data-dir",
        b["images"],
        "--ground-truth",
        b["gt"],
        "--limit",
        "4",
        "--store",
        str(Path(b["root"]) / "sweep.sqlite"),
        "--no-live",
        "--no-report",
    ],
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_no_command_prints_a_python_repr(name, home, capsys):
    host = _host(capsys, home["store"])
    out = _run(capsys, *COMMANDS[name](home, host))
    assert out.strip() and _reprs(out) == []


def test_export_prints_no_python_repr(home):
    """In a real process: Keras and TensorFlow print their own chatter through Python's stdout in-process,
    which the CLI silences at the descriptor level."""
    argv = [
        "export",
        "mobilenet_v1",
        "--alpha",
        "0.25",
        "--resolution",
        "96",
        "--precision",
        "fp32",
        "--out",
        str(Path(home["root"]) / "exported"),
    ]
    env = {**os.environ, "EDGEPARETO_HOME": str(Path(home["root"]) / "home")}
    proc = subprocess.run(
        [sys.executable, "-m", "edgepareto", *argv], capture_output=True, text=True, env=env, timeout=600, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() and _reprs(proc.stdout) == []


def test_an_imported_unknown_thread_count_reads_unknown(home, capsys):
    out = _run(capsys, "bench", str(LOGS / "tf2x_android_logcat_xnnpack.log"), "--import")
    assert "thread count unknown" in out and "threads: 0" not in out and "0 thread" not in out


def test_the_report_prints_and_writes_no_python_repr(home, capsys):
    out_dir = Path(home["root"]) / "report"
    out = _run(capsys, "report", "--store", home["store"], "--out", str(out_dir))
    md, html = (out_dir / "report.md").read_text(), (out_dir / "report.html").read_text()
    assert _reprs(out) == [] and _reprs(md) == [] and _reprs(html) == []
    assert "| unknown |" in md  # the imported log's thread count

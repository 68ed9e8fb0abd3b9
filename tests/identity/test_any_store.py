"""Problem 3 of issue 26, as a property: stores of arbitrary given files (any family, odd names, the same name in
two folders), metrics missing at random and failed measurements; every report and analysis command (report, front,
recommend, results in each format, paper, predict), in text and JSON, runs or says one line. Never a traceback."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from edgepareto.analysis import open_results
from edgepareto.artifacts import Artifact
from edgepareto.errors import EdgeParetoError
from edgepareto.models import Variant
from edgepareto.store import Dataset, Device, MeasurementRecord
from tests.cli.test_fuzz import run_cli

EXAMPLES = int(os.environ.get("EDGEPARETO_FUZZ_EXAMPLES", "8"))  # each example runs 18 commands and one report
HOST, BOARD = "Test CPU (this host)", "odd board <b>|[x]"
DATASETS = ("imagenet-val", "imagenet-subset-0123abcd", "toy-test")
NAMES = st.one_of(
    st.sampled_from(
        [
            "mobilenet_v1_0.75_224_quant.tflite",
            "mobilenet_v1_0.25_128.tflite",
            "mobilenet_v2_1.0_224_quant.tflite",
            "mobilenet_v3-small_224_1.0_uint8.tflite",
            "mobilenet_v1_050_160.int8.tflite",
            "model.tflite",
            "mobilenet_v1_100_224_bg.uint8.tflite",
            "efficientnet-lite0-int8.onnx",
        ]
    ),
    st.text(min_size=1, max_size=16).map(lambda t: t.replace("/", "_") + ".tflite"),
)
VALUE = st.floats(1e-4, 1e6, allow_nan=False)


@st.composite
def entries(draw: Any) -> dict[str, Any]:
    hints = {"precision": draw(st.sampled_from(["fp32", "uint8", "int8", "fp16", "int8-dynamic"])),
             "resolution": draw(st.sampled_from([96, 128, 224, 257])), "num_classes": draw(st.sampled_from([10, 1000])),
             "background": draw(st.booleans())}  # fmt: skip
    name = draw(NAMES)
    try:
        variant = Variant.parse(name, **hints)
    except EdgeParetoError:
        assume(False)
    return {
        "variant": variant, "name": name, "folder": draw(st.sampled_from(["m", "m/sub", "runs/run1"])),
        "content": draw(st.binary(min_size=1, max_size=8)), "given": draw(st.booleans()),
        "latency": draw(st.dictionaries(st.sampled_from([HOST, BOARD]), st.one_of(st.none(), VALUE), max_size=2)),
        "top1": draw(st.dictionaries(st.sampled_from(DATASETS), st.floats(0, 100), max_size=2)),
        "top5": draw(st.booleans()), "size": draw(st.one_of(st.none(), VALUE)), "ci": draw(st.booleans()),
    }  # fmt: skip


def _records(e: dict[str, Any], sha: str | None, path: str) -> list[MeasurementRecord]:
    v, recs = e["variant"], []
    common = {"variant": v, "source": "measured", "artifact_sha256": sha}
    for device, ms in e["latency"].items():
        ci = {"ci_low": ms * 0.9, "ci_high": ms * 1.2} if e["ci"] and ms else {}
        status = {"status": "ok"} if ms else {"status": "failed", "error": "killed"}
        recs.append(
            MeasurementRecord(
                metric="latency_ms", value=ms, device=device, engine="litert", threads=1, n=20, **ci, **status, **common
            )
        )
    for dataset, top1 in e["top1"].items():
        for metric, value in (("top1", top1), ("top5", min(100.0, top1 + 10))) if e["top5"] else (("top1", top1),):
            ci = {"ci_low": max(0.0, value - 3), "ci_high": min(100.0, value + 3)} if e["ci"] else {}
            recs.append(MeasurementRecord(metric=metric, value=value, dataset=dataset, n=500, **ci, **common))
    if e["size"]:
        record = {"path": path, "declared": {}} if e["given"] else {"path": path}
        recs.append(MeasurementRecord(metric="size_bytes", value=e["size"], record=record, **common))
    return recs


def _fill(store_path: Path, files: list[dict[str, Any]]) -> None:
    with open_results(store_path) as store:
        store.add_device(Device(HOST, "host", {"cpu_model": "Test CPU"}))
        store.add_device(Device(BOARD, "board", {}))
        for name in DATASETS[1:]:
            store.add_dataset(Dataset(name, f"test set {name}", 500))
        for e in files:
            path = f"/models/{e['folder']}/{e['name']}"
            sha = hashlib.sha256(path.encode() + e["content"]).hexdigest() if e["given"] else None
            if sha is not None:
                art = Artifact(sha, e["variant"], "tflite", path, 1000, "given file: test", origin="given")
                store.add_artifact(art)
            store.add_many(_records(e, sha, path))


def _commands(store: str, out: str) -> list[list[str]]:
    s = ["--store", store]
    return [
        ["report", *s, "--out", out],
        ["front", *s, "--json"], ["front", *s], ["front", *s, "--device", HOST, "--json"], ["front", *s, "--device",
        BOARD], ["front", *s, "--device", HOST, "--objectives", "latency_ms,size_mb,top1", "--json"],
        ["recommend", *s, "--json"], ["recommend", *s], ["recommend", *s, "--device", HOST, "--max-latency-ms", "5",
        "--min-top1", "50", "--json"], ["recommend", *s, "--device", BOARD, "--max-size-mb", "1"],
        ["results", *s, "--format", "summary"], ["results", *s, "--format", "csv"], ["results", *s, "--format",
        "json"], ["results", *s, "--json"],
        ["predict", *s, "--alpha", "0.5", "--json"], ["predict", *s, "--device", HOST, "--alpha", "0.5",
        "--precision", "uint8", "--background"], ["paper"],
    ]  # fmt: skip


def _ran_or_one_line(rc: int, err: str, argv: list[str]) -> None:
    assert "Traceback" not in err, (argv, err)
    if rc != 0:
        lines = [x for x in err.splitlines() if x.strip() and not x.startswith(("INFO ", "WARNING "))]
        assert len(lines) == 1 and lines[0].startswith(f"edgepareto {argv[0]}: error:"), (argv, rc, err)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(entries(), min_size=0, max_size=6))
def test_every_report_and_analysis_command_on_any_store(capsys: pytest.CaptureFixture[str], files) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "s.sqlite"
        try:
            _fill(store, files)
        except EdgeParetoError:
            assume(False)  # a store the store itself refuses (e.g. one name, two variants) is not a case here
        for argv in _commands(str(store), str(Path(tmp) / "report")):
            rc, _, err = run_cli(capsys, argv)
            _ran_or_one_line(rc, err, argv)

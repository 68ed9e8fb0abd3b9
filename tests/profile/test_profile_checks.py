"""Issue 31: ``profile`` checks the file against the log and the cost model its name picks (item 3), and reads
ONNX Runtime's profile in linear work, with ``--runs`` bounded (item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgepareto.errors import ConfigError, ModelFileError
from edgepareto.profile import profile_file
from edgepareto.profile._events import Event, group_runs, read_events
from tests.cli.test_one_line_errors import one_line_error
from tests.cli_support import cli
from tests.conftest import FLOAT_MODEL, QUANT_MODEL

QUANT_LOG = Path(__file__).parent / "logs" / "mobilenet_v1_0.25_128_quant_op_profiling.log"


def test_a_log_with_a_file_that_does_not_exist_is_refused(capsys, tmp_path):
    nowhere = tmp_path / "nowhere" / "mobilenet_v1_100_224.fp32.tflite"
    with pytest.raises(ModelFileError, match="model file not found"):
        profile_file(nowhere, engine="litert", log_text=QUANT_LOG.read_text())
    rc, out, err = cli(capsys, "profile", str(nowhere), "--log", str(QUANT_LOG), "--no-bench")
    one_line_error(rc, out, err, "mobilenet_v1_100_224.fp32.tflite: model file not found")


def test_a_log_of_another_file_is_refused_by_its_size(fixtures_dir, tmp_path):
    other = tmp_path / "mobilenet_v1_0.25_128_quant.tflite"  # the log's name, another file's bytes
    other.write_bytes(FLOAT_MODEL.read_bytes())
    with pytest.raises(ModelFileError, match=r"the log ran a 0\.497264 MB model .* this file is 1\.88327 MB"):
        profile_file(other, engine="litert", log_text=QUANT_LOG.read_text())


def test_a_log_mapped_through_a_misleading_name_is_refused_by_the_files_shapes(fixtures_dir, tmp_path):
    text = "\n".join(ln for ln in QUANT_LOG.read_text().splitlines() if "file size" not in ln)  # no size to compare
    renamed = tmp_path / "mobilenet_v1_1.0_224_quant.tflite"  # the 0.25/128 file the log ran, named 1.0/224
    renamed.write_bytes(QUANT_MODEL.read_bytes())
    with pytest.raises(ModelFileError, match=r"outputs \[1, 64, 64, 8\], but layer conv1 outputs 112x112x32"):
        profile_file(renamed, engine="litert", log_text=text)
    doc = profile_file(QUANT_MODEL, engine="litert", log_text=text)  # the right file still maps
    assert len(doc["layers"]) == 28


def test_a_log_whose_operators_are_not_the_files_is_refused(fixtures_dir):
    lines = QUANT_LOG.read_text().splitlines()
    cut = next(i for i, ln in enumerate(lines) if "DEPTHWISE_CONV_2D" in ln)
    text = "\n".join(lines[:cut] + lines[cut + 1 :])  # one operator fewer than the file has
    with pytest.raises(ModelFileError, match=r"the log's operator 1 is CONV_2D where the file has DEPTHWISE_CONV_2D"):
        profile_file(QUANT_MODEL, engine="litert", log_text=text)


class _Counted:
    """An event whose time is counted each time it is read: the grouping's work, without a clock."""

    reads = 0

    def __init__(self, kind: str, ts: float, dur: float) -> None:
        self.kind, self._ts, self.dur = kind, ts, dur

    @property
    def ts(self) -> float:
        _Counted.reads += 1
        return self._ts


def _profile(runs: int, nodes: int) -> list[_Counted]:
    events = []
    for r in range(runs):
        t = r * 1000.0
        events += [_Counted("run", t, 900.0), _Counted("exec", t + 1, 800.0)]
        events += [_Counted("node", t + 10 + 20 * i, 15.0) for i in range(nodes)]
    return events[::-1]  # the order must not matter


@pytest.mark.parametrize("runs", [25, 100, 400])
def test_grouping_reads_each_event_a_bounded_number_of_times_whatever_the_run_count(runs):
    events = _profile(runs, nodes=30)
    _Counted.reads = 0
    grouped = group_runs(events)
    assert len(grouped) == runs and all(len(nodes) == 30 for _, nodes in grouped)
    assert grouped[3][0] == 3001.0  # the executor's start
    assert _Counted.reads <= 4 * len(events)  # quadratic matching read each node once per run: 25x to 400x


def test_the_profile_file_is_read_line_by_line_keeping_only_what_a_profile_uses(tmp_path):
    events = [
        {"cat": "Session", "name": "model_run", "ts": 100, "dur": 50, "args": {}},
        {"cat": "Session", "name": "SequentialExecutor::Execute", "ts": 102, "dur": 40, "args": {}},
        {"cat": "Node", "name": "conv_fence_before", "ts": 104, "dur": 0, "args": {}},
        {"cat": "Node", "name": "conv_kernel_time", "ts": 105, "dur": 30,
         "args": {"op_name": "Conv", "output_type_shape": [{"float": [1, 16, 48, 48]}]}},
    ]  # fmt: skip
    path = tmp_path / "ort.json"
    path.write_text("[\n" + ",\n".join(json.dumps(e) for e in events) + "\n]\n")  # ONNX Runtime's layout
    kept = read_events(path)
    assert kept == [
        Event("run", 100, 50),
        Event("exec", 102, 40),
        Event("node", 105, 30, "conv", "Conv", (1, 16, 48, 48)),
    ]
    path.write_text(json.dumps(events))  # one line: parsed whole, same events
    assert read_events(path) == kept


def test_runs_are_bounded_in_one_line(capsys, tmp_path):
    from edgepareto.profile import profile_onnx

    model = tmp_path / "m.onnx"
    model.write_bytes(b"\x08\x07")
    with pytest.raises(ConfigError, match="at most 10,000 runs"):
        profile_onnx(model, runs=10_001)
    rc, _, err = cli(capsys, "profile", str(model), "--runs", "100000")
    assert rc == 2 and "10000" in err and "Traceback" not in err

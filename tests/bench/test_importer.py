"""benchmark_model logs (TFLite 1.x and 2.x formats) become Measurements with their protocol."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from edgepareto.bench import import_benchmark_model
from edgepareto.bench.importer import import_benchmark_model_runs
from edgepareto.errors import ModelFileError

LOG_1X = """STARTING!
Min num runs: [50]
Min runs duration (seconds): [1]
Max runs duration (seconds): [150]
Inter-run delay (seconds): [2]
Num threads: [1]
Benchmark name: []
Min warmup runs: [1]
Graph: [/data/local/tmp/mobilenet_v1_1.0_224_quant.tflite]
Use nnapi : [0]
Loaded model /data/local/tmp/mobilenet_v1_1.0_224_quant.tflite
resolved reporter
Initialized session in 45.024ms
Running benchmark for at least 1 iterations and at least 0.5 seconds
count=5 first=115366 curr=98432 min=98106 max=115366 avg=101736 std=6513

Running benchmark for at least 100 iterations and at least 1 seconds
count=100 first=98509 curr=98386 min=97783 max=99560 avg=98312.9 std=365

Average inference timings in us: Warmup: 101736, Init: 45024, no stats: 98312.9
"""

LOG_2X = """INFO: STARTING!
INFO: Log parameter values verbosely: [0]
INFO: Num threads: [4]
INFO: Graph: [mobilenet_v1_1.0_224.tflite]
INFO: #threads used for CPU inference: [4]
INFO: Use xnnpack: [1]
INFO: Loaded model mobilenet_v1_1.0_224.tflite
INFO: Created TensorFlow Lite XNNPACK delegate for CPU.
INFO: The input model file size (MB): 16.9008
INFO: Initialized session in 3.093ms.
INFO: Running benchmark for at least 1 iterations and at least 0.5 seconds but terminate if exceeding 150 seconds.
INFO: count=14 first=51341 curr=34859 min=34573 max=51341 avg=36271.9 std=4283
INFO: Running benchmark for at least 50 iterations and at least 1 seconds but terminate if exceeding 150 seconds.
INFO: count=50 first=34871 curr=34718 min=34468 max=35386 avg=34755.7 std=177 p5=34500 median=34700 p95=35100
INFO: Inference timings in us: Init: 3093, First inference: 51341, Warmup (avg): 36271.9, Inference (avg): 34755.7
INFO: Memory footprint delta from the start of the tool (MB): init=6.27734 overall=31.4922
INFO: Overall peak memory footprint (MB) via periodic monitoring: 36.5
"""


def test_tflite_1x_log():
    m = import_benchmark_model(LOG_1X)
    assert m.source == "imported" and m.ok
    assert m.model == "/data/local/tmp/mobilenet_v1_1.0_224_quant.tflite"
    assert m.threads == 1 and m.runs == 100
    assert m.mean_ms == pytest.approx(98.3129) and m.std_ms == pytest.approx(0.365)
    assert (m.min_ms, m.max_ms) == (pytest.approx(97.783), pytest.approx(99.56))
    assert m.median_ms is None and any("no median" in w for w in m.warnings)
    assert m.protocol["warmup"] == 5 and m.protocol["runs"] == 100 and m.protocol["pause_s"] == 2.0
    lo, hi = m.ci95_mean_ms
    assert lo < m.mean_ms < hi and hi - lo == pytest.approx(2 * 1.96 * 0.365 / 10)
    assert m.fps == pytest.approx(1000 / 98.3129)


def test_tflite_2x_log_with_median_and_memory():
    m = import_benchmark_model(LOG_2X)
    assert m.threads == 4 and m.runs == 50 and m.kernel_path == "XNNPACK delegate"
    assert m.median_ms == pytest.approx(34.7) and m.mean_ms == pytest.approx(34.7557)
    assert m.peak_rss_bytes == int(36.5 * 1024 * 1024)
    assert m.protocol["pause_s"] == "unknown" and m.protocol["warmup"] == 14  # the log states no delay


def test_not_a_log_is_one_line():
    with pytest.raises(ModelFileError, match=r"no 'count=\.\.\. avg=\.\.\.' lines"):
        import_benchmark_model("hello\nworld\n")


# --- the corpus: logs in the formats TFLite versions print (see benchmark_model_logs/README.md) ----------------
CORPUS = Path(__file__).parent / "benchmark_model_logs"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())
FAST_DEFAULTS = {"min_runs", "max_runs", "target_ci", "time_limit_s", "timeout_s", "cool_down_to_c", "seed"}


def test_every_corpus_log_has_an_expectation():
    assert sorted(EXPECTED) == sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".log", ".txt"))


def _check_run(m, exp: dict) -> None:
    assert m.ok and m.source == "imported"
    assert m.runs == exp["count"] and m.protocol["runs"] == exp["count"]
    assert m.mean_ms == pytest.approx(exp["mean_ms"], rel=1e-9)
    assert m.median_ms == (pytest.approx(exp["median_ms"]) if "median_ms" in exp else None)
    assert m.protocol["warmup"] == exp["warmup"] and m.warmup_ms == [pytest.approx(exp["warmup_ms"], rel=1e-9)]
    assert m.protocol["threads"] == exp["threads"] == m.imported["threads"]
    assert m.threads == (exp["threads"] if isinstance(exp["threads"], int) else 0)  # 0: not stated, never 1
    assert m.protocol["pause_s"] == exp["pause_s"]
    assert m.kernel_path == exp["delegate"] == m.imported["delegate"]
    assert m.imported["processor"] == exp["processor"]
    peak = exp["peak_mb"]
    assert m.peak_rss_bytes == (None if peak is None else int(peak * 1024 * 1024))
    assert m.imported["memory_mb"] == exp["memory"]
    ops = m.imported["op_profile"]
    assert (0 if ops == "unknown" else len(ops)) == exp["ops"]
    for key, at in (("first_op", 0), ("last_op", -1)):
        if key in exp:
            row = ops[at]
            got = [row["node_type"], row["name"], row["avg_ms"], row["percent"], row["times_called"]]
            assert got == exp[key]
    if "warning" in exp:
        assert any(exp["warning"] in w for w in m.warnings)
    assert not FAST_DEFAULTS & set(m.protocol)  # the fast protocol's defaults are never written in


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_log_gives_the_right_runs_or_a_one_line_refusal(name):
    exp, text = EXPECTED[name], (CORPUS / name).read_text()
    if "refusal" in exp:
        with pytest.raises(ModelFileError, match=exp["refusal"]) as info:
            import_benchmark_model_runs(text, source_name=name)
        assert "\n" not in str(info.value)
        return
    runs = import_benchmark_model_runs(text, source_name=name)
    assert len(runs) == len(exp["runs"])
    for i, (m, e) in enumerate(zip(runs, exp["runs"], strict=True)):
        assert m.imported["run"] == i + 1 and m.imported["runs_in_log"] == len(runs)
        _check_run(m, e)
    if len(runs) == 1:
        single = import_benchmark_model(text).to_json()
        assert {**single, "created": None} == {**runs[0].to_json(), "created": None}
    else:
        with pytest.raises(ModelFileError, match=rf"holds {len(runs)} benchmark_model runs") as info:
            import_benchmark_model(text, source_name=name)
        assert "\n" not in str(info.value)


def test_cli_import_refuses_a_two_run_log_in_one_line(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "edgepareto", "bench", str(CORPUS / "tf2x_two_runs.log"), "--import", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode != 0 and r.stdout == ""
    assert r.stderr.strip().count("\n") == 0 and "holds 2 benchmark_model runs" in r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "edgepareto", "bench", str(CORPUS / "tf2x_gpu_delegate.log"), "--import", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["kernel_path"] == "GPU delegate"
    assert doc["imported"]["op_profile"][0]["node_type"] == "TfLiteGpuDelegateV2"


# --- malformed numbers (issue 31, items 5 and 6): one line naming the field, never a traceback or a record ----
OP_LOG = (Path(__file__).parents[1] / "profile" / "logs" / "mobilenet_v1_0.25_128_quant_op_profiling.log").read_text()


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("avg=34755.7", "avg=-4000", "avg=-4000 is negative"),
        ("avg=34755.7", "avg=.", "avg='.' is not a finite number"),
        ("avg=34755.7", "avg=e", "avg='e' is not a finite number"),
        ("count=50", "count=" + "9" * 400, "is not a run count"),
        ("overall=31.4922", "overall=.", "overall='.' is not a finite number"),
        ("Inference (avg): 34755.7", "Inference (avg): 1e999", "is not a finite number"),
    ],
)
def test_a_malformed_or_negative_number_is_refused_in_one_line(old, new, says):
    assert old in LOG_2X
    with pytest.raises(ModelFileError, match="benchmark_model log") as exc:
        import_benchmark_model(LOG_2X.replace(old, new))
    assert says in str(exc.value) and "\n" not in str(exc.value)


@pytest.mark.parametrize(
    ("old", "new"), [("0.446\t  6.444%", "1.2.3\t  6.444%"), ("6.444%\t  6.444%", "..%\t  6.444%")]
)
def test_a_malformed_op_row_is_refused_in_one_line(old, new):
    """``1.2.3`` in the avg-ms column or ``..%`` as the percentage: refused naming the row, in profile's parser too."""
    from edgepareto.profile import log_ops

    assert old in OP_LOG
    broken = OP_LOG.replace(old, new, 1)
    for parse in (import_benchmark_model, log_ops):
        with pytest.raises(ModelFileError, match=r"op profiling row \[MobilenetV1") as exc:
            parse(broken)
        assert "\n" not in str(exc.value)


def test_the_start_up_figures_of_a_2x_log_are_kept_apart():
    """``Init: 3093, First inference: 51341``: the load and the first inference, never the latency."""
    m = import_benchmark_model(LOG_2X)
    assert m.load_ms == 3.093 and m.first_inference_ms == 51.341 and m.median_ms == 34.7

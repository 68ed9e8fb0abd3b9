"""benchmark_model logs (TFLite 1.x and 2.x formats) become Measurements with their protocol."""

from __future__ import annotations

import pytest

from edgepareto.bench import import_benchmark_model
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
    assert m.protocol["pause_s"] == 0.0 and m.protocol["warmup"] == 14


def test_not_a_log_is_one_line():
    with pytest.raises(ModelFileError, match=r"no 'count=\.\.\. avg=\.\.\.' lines"):
        import_benchmark_model("hello\nworld\n")

"""A board measured by TFLite's benchmark_model warms up as the protocol does, as far as the tool allows."""

from __future__ import annotations

from edgepareto.bench import Protocol
from edgepareto.remote._benchmark_model import benchmark_model_argv


def test_the_steady_state_protocol_warms_up_for_its_bound_and_the_paper_protocol_for_its_one_run():
    """benchmark_model has no stability rule: the fast protocol's 1 s bound becomes --warmup_min_secs."""
    fast = benchmark_model_argv("bm", "g.tflite", Protocol.fast(), 1)
    assert "--warmup_min_secs=1" in fast and "--num_runs=60" in fast and "--warmup_runs=1" in fast
    paper = benchmark_model_argv("bm", "g.tflite", Protocol.paper(), 1)
    assert "--warmup_min_secs=0" in paper and "--num_runs=100" in paper and "--run_delay=2" in paper

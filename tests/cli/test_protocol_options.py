"""Issue 30 item 4: one source for each name. The engine <-> format map comes from the engine registry, the
protocol presets from ``Protocol.presets()``, the protocol id from ``sweep.keys.protocol_id``, and the CLI's
``--protocol`` choices and override flags from one option group."""

from __future__ import annotations

import argparse

from edgepareto.bench import Protocol
from edgepareto.cli import _options, cmd_bench, cmd_boards, cmd_sweep
from edgepareto.engines import engine_for, engine_names, engine_of_format, format_of_engine
from edgepareto.sweep.keys import digest, protocol_id
from edgepareto.sweep.plan import PROTOCOLS


def _choices(module) -> tuple[str, ...]:
    p = argparse.ArgumentParser()
    module.add_arguments(p)
    (action,) = [a for a in p._actions if "--protocol" in a.option_strings]
    return tuple(action.choices)


def test_every_protocol_choice_is_a_preset_of_the_protocol():
    assert tuple(Protocol.presets()) == _options.PROTOCOL_PRESETS
    assert _choices(cmd_bench) == _choices(cmd_boards) == tuple(Protocol.presets())
    assert _choices(cmd_sweep) == PROTOCOLS and set(PROTOCOLS) <= set(Protocol.presets())
    assert all(Protocol.preset(n).name == n for n in Protocol.presets())


def test_bench_overrides_come_from_the_shared_group():
    p = argparse.ArgumentParser()
    cmd_bench.add_arguments(p)
    args = p.parse_args(["m.tflite", "--protocol", "paper", "--runs", "7", "--target-ci", "5", "--process-gap", "0"])
    assert _options.protocol_overrides(args) == {"runs": 7, "target_ci": 0.05, "process_gap_s": 0.0}
    proto = _options.protocol_from_args(args)
    assert (proto.name, proto.runs, proto.pause_s) == ("paper", 7, 2.0)


def test_one_protocol_id_for_a_plan_and_a_bench():
    assert protocol_id("fast", {}) == "fast"
    assert protocol_id("fast", {"runs": 7}) == f"fast+{digest({'runs': 7}, 8)}"
    assert protocol_id("paper", (("runs", 7),)) == protocol_id("paper", {"runs": 7})


def test_the_engine_format_map_is_the_engine_registry():
    assert {e: format_of_engine(e) for e in engine_names()} == {"litert": "tflite", "onnxruntime": "onnx"}
    assert all(engine_of_format(format_of_engine(e)) == e for e in engine_names())
    assert engine_for("x.ONNX") == "onnxruntime"

"""Issue 11 acceptance: Hypothesis over plan TOML and the CLI's numeric options.

Whatever comes in, the CLI either runs or prints one line that starts with ``edgepareto CMD: error:``
and exits 2; never a traceback, never another exception. In-process calls and ``--dry-run`` keep
each example in milliseconds (the few that pass validation run the real, cheap, path).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgepareto.cli._app import main

EXAMPLES = int(os.environ.get("EDGEPARETO_FUZZ_EXAMPLES", "60"))  # raise it for a longer hunt
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def run_cli(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    try:
        rc = main(argv)
    except SystemExit as exc:
        rc = int(exc.code or 0) if not isinstance(exc.code, str) else 2
    out, err = capsys.readouterr()
    return rc, out, err


def assert_ran_or_one_line(rc: int, out: str, err: str, command: str) -> None:
    assert "Traceback" not in err, err
    if rc == 0:
        json.loads(out)  # --json: exactly one document
        return
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith(("INFO ", "WARNING "))]
    assert rc == 2, (rc, err)
    assert len(lines) == 1, err
    assert lines[0].startswith((f"edgepareto {command}: error:", "edgepareto: error:")), lines[0]


# -- values and their TOML -------------------------------------------------------------------

SCALARS = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(
        [
            "fp32",
            "int8",
            "fp16",
            "int8-dynamic",
            "litert",
            "onnxruntime",
            "all",
            "fast",
            "paper",
            "latency-only",
            "imagenet-published",
            "fashion-mnist",
            "mobilenet_v1",
        ]
    ),
    st.sampled_from([0.25, 0.5, 0.03125, 1.0, 32, 64, 224, 1, 2, 0, -1]),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=4))


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # a TOML basic string (lone surrogates make invalid TOML: one line too)
    return "[" + ", ".join(toml_value(x) for x in v) + "]"


STUDY_KEYS = ["name", "kind", "family", "alphas", "resolutions", "precisions", "engines", "threads", "clusters",
              "protocol", "dataset", "calibration_samples", "calibration_dir", "seed", "bogus"]  # fmt: skip
PROTOCOL_KEYS = ["warmup", "runs", "min_runs", "max_runs", "target_ci", "time_limit_s", "pause_s", "timeout_s",
                 "cool_down_to_c", "seed", "bogus"]  # fmt: skip
GOOD = {"name": "s", "kind": "latency-only", "alphas": [0.25], "resolutions": [32], "precisions": ["fp32"]}


@st.composite
def plans(draw: st.DrawFn) -> str:
    lines = []
    if draw(st.booleans()):
        lines.append(f"{draw(st.sampled_from(['name', 'name', 'nme', 'study']))} = {toml_value(draw(VALUES))}")
    for _ in range(draw(st.integers(0, 2))):
        study = dict(GOOD) if draw(st.booleans()) else {}
        for key in draw(st.lists(st.sampled_from(STUDY_KEYS), max_size=4, unique=True)):
            study[key] = draw(VALUES)
        lines.append("[[study]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in study.items()]
        overrides = draw(st.dictionaries(st.sampled_from(PROTOCOL_KEYS), SCALARS, max_size=3))
        if overrides:
            lines.append("[study.options.protocol]")
            lines += [f"{k} = {toml_value(v)}" for k, v in overrides.items()]
    return "\n".join(lines) + "\n"


@SETTINGS
@given(text=plans())
def test_fuzzed_plans_run_or_fail_in_one_line(capsys, tmp_path: Path, text: str) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(text, encoding="utf-8", errors="surrogateescape")
    argv = ["sweep", str(plan), "--store", str(tmp_path / "r" / "results.sqlite"), "--dry-run", "--no-live", "--json"]
    assert_ran_or_one_line(*run_cli(capsys, argv), "sweep")


# -- numeric options ---------------------------------------------------------------------------

NUMBERS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        [
            "nan",
            "inf",
            "-inf",
            "1e20",
            "-0",
            "0",
            "1",
            "2",
            "0.03125",
            "224",
            "32",
            "1_000",
            "0x10",
            "",
            " 7",
            "٣",
            "1e-320",
            "100000",
        ]
    ),
    st.text(max_size=6),
)

# (command prefix, numeric flags, a suffix that keeps a valid combination cheap)
COMMANDS = [
    (["cost", "mobilenet_v1"], ["--alpha", "--resolution", "--classes"], []),
    (["export", "mobilenet_v1"], ["--alpha", "--resolution", "--classes", "--seed", "--calibration-samples"],
     ["--precision", "fp64"]),  # stops after validation: no conversion
    (["bench", "missing.tflite"], ["--threads", "--runs", "--warmup", "--pause", "--min-runs", "--max-runs",
                                   "--target-ci", "--time-limit", "--timeout", "--cool-down-to", "--seed"], []),
    (["eval", "missing.tflite", "--dataset", "folder"], ["--limit", "--workers"], []),
    (["recommend", "--device", "no-such-device"], ["--max-latency-ms", "--max-size-mb", "--min-top1", "--top"], []),
    (["boards", "--offline"], ["--threads", "--retries"], []),
]  # fmt: skip


@st.composite
def numeric_calls(draw: st.DrawFn) -> list[str]:
    prefix, flags, suffix = draw(st.sampled_from(COMMANDS))
    argv = list(prefix)
    for flag in draw(st.lists(st.sampled_from(flags), min_size=1, max_size=4, unique=True)):
        argv.append(f"{flag}={draw(NUMBERS)}")
    return [*argv, *suffix, "--json"]


@SETTINGS
@given(argv=numeric_calls())
def test_fuzzed_numeric_options_run_or_fail_in_one_line(capsys, tmp_path: Path, monkeypatch, argv: list[str]) -> None:
    monkeypatch.chdir(tmp_path)  # recommend's default store and boards' inventory lookup stay in here
    monkeypatch.setenv("EDGEPARETO_INVENTORY", str(tmp_path / "no-boards.toml"))
    assert_ran_or_one_line(*run_cli(capsys, argv), argv[0])

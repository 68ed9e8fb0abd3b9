"""Issue 11: plans of the wrong shape or type are one line through `edgepareto sweep --dry-run`, never a traceback."""

from __future__ import annotations

import pytest

from edgepareto.cli._app import main
from edgepareto.errors import ConfigError
from edgepareto.sweep import load_plan

STUDY = '[[study]]\nname = "a"\nkind = "latency-only"\nalphas = [0.25]\nresolutions = [32]\n'


def sweep_dry_run(capsys: pytest.CaptureFixture[str], plan: str, store: str) -> tuple[int, str]:
    try:
        rc = main(["sweep", plan, "--store", store, "--dry-run", "--no-live", "--json"])
    except SystemExit as exc:
        rc = int(exc.code or 0)
    return rc, capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (b"name = 5\n" + STUDY.encode(), "name must be a string, got 5"),
        (b"study = 5\n", "study must be [[study]] tables, got 5"),
        (b"[study]\nname = 'a'\n", "study must be [[study]] tables"),
        (b"study = [5]\n", "study #1 must be a [[study]] table, got 5"),
        (b'name = "\xff"\n' + STUDY.encode(), "is not UTF-8 text"),
        (b'nme = "typo"\n' + STUDY.encode(), "unknown top-level key(s) nme"),
        (STUDY.replace('"a"', "5").encode(), "study name must be letters"),
        (STUDY.replace('"latency-only"', '["x"]').encode(), "kind must be a string"),
        (STUDY.encode() + b"threads = [true]\n", "threads must be integers in [1, 1024], got [True]"),
        (STUDY.encode() + b"threads = [1.5]\n", "threads must be integers"),
        (STUDY.encode() + b"threads = true\n", "threads must be integers"),
        (STUDY.encode() + b"threads = []\n", "threads must be a non-empty list"),
        (STUDY.replace("[0.25]", "[0.25, 0.25]").encode(), "alphas lists 0.25 twice"),
        (STUDY.replace("[32]", "[32, 32]").encode(), "resolutions lists 32 twice"),
        (STUDY.encode() + b'precisions = ["fp32", "fp32"]\n', "precisions lists 'fp32' twice"),
        (STUDY.replace("[0.25]", "[true]").encode(), "alpha must be in (0, 1.4]"),
        (STUDY.replace("[0.25]", "[0.001]").encode(), "alpha must be at least 0.03125"),
        (STUDY.replace("[32]", "[100000]").encode(), "[32, 1024]"),
        (STUDY.encode() + b"seed = -1\n", "seed must be in [0, 4294967295]"),
        (STUDY.encode() + b"seed = 1e20\n", "seed must be an integer"),
        (STUDY.encode() + b"calibration_samples = -1\n", "calibration_samples must be in [1, 10000]"),
        (STUDY.encode() + b"calibration_samples = 1e20\n", "calibration_samples must be an integer"),
        (STUDY.encode() + b"options = 5\n", "options must be a table"),
        (STUDY.encode() + b"[study.options.protocol]\ntimeout_s = nan\n", "timeout_s must be a finite number"),
        (STUDY.encode() + b"[study.options.protocol]\ntime_limit_s = inf\n", "time_limit_s must be a finite"),
        (STUDY.encode() + b"[study.options.protocol]\nruns = true\n", "runs must be an integer"),
        (STUDY.encode() + b"[study.options.protocol]\nbogus = 1\n", "unknown protocol override"),
        (STUDY.encode() + b"[study.options]\nend_to_end = 5\n", "options.end_to_end must be a folder of images"),
        (
            STUDY.encode() + b'precisions = ["fp32", "fp16"]\nengines = ["litert", "onnxruntime"]\n',
            "engine onnxruntime runs onnx files, which are not built in fp16",
        ),
    ],
)
def test_bad_plans_are_one_line(capsys, tmp_path, text, needle):
    plan = tmp_path / "plan.toml"
    plan.write_bytes(text)
    rc, err = sweep_dry_run(capsys, str(plan), str(tmp_path / "results.sqlite"))
    assert rc == 2 and "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], err


def test_a_good_plan_still_plans(capsys, tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text('name = "ok"\n' + STUDY + 'precisions = ["fp32", "int8"]\nthreads = [1]\n')
    rc, err = sweep_dry_run(capsys, str(plan), str(tmp_path / "results.sqlite"))
    assert rc == 0, err
    assert load_plan(plan).studies[0].precisions == ("fp32", "int8")
    with pytest.raises(ConfigError, match="twice"):
        load_plan(plan.write_text(STUDY + 'engines = ["litert", "litert"]\n') and plan)


def test_end_to_end_is_a_study_option_relative_to_the_plan_and_promised_as_its_own_record(tmp_path):
    """``options.end_to_end = "imgs"``: the folder beside the plan; each latency task promises an e2e record."""
    from edgepareto.models import Variant
    from edgepareto.store import MeasurementRecord
    from edgepareto.sweep.tasks import latency_tasks

    plan = tmp_path / "plan.toml"
    plan.write_text(STUDY + '[study.options]\nend_to_end = "imgs"\n')
    study = load_plan(plan).studies[0]
    assert study.options["end_to_end"] == str(tmp_path / "imgs")
    variant = Variant.of(study.configs()[0], "fp32")
    (task,) = latency_tasks(study, variant, "recipe", ["litert"], ["host"])
    job = task.job
    assert MeasurementRecord.derived_key(job.key, "e2e_latency_ms") in job.keys
    assert MeasurementRecord.derived_key(job.key, "first_inference_ms") in job.keys

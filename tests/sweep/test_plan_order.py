"""The default plan's order: what needs no training runs first and its report is written before training starts;
the estimate of the time left is learnt from the first training steps (issue 27)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from edgepareto.store import Store
from edgepareto.sweep import load_plan
from edgepareto.sweep.estimate import Learner, after_training_s, remaining_s, step_weight
from edgepareto.sweep.live import LiveView
from edgepareto.sweep.runner import SweepOutcome, _run_pending
from edgepareto.sweep.tasks import Context, Task
from edgepareto.train import SWEEP_SCHEDULE, Schedule
from edgepareto.train.progress import TrainingProgress


@dataclass
class Job:
    """A task body that logs its turn; a training one reports progress as Keras's callback would."""

    name: str
    log: list[str]
    alpha: float | None = None
    steps: int = 0
    seen: list[str] = field(default_factory=list)

    def __call__(self, ctx: Context) -> int:
        self.log.append(self.name)
        for step in range(1, self.steps + 1):
            ctx.progress(TrainingProgress("m", float(self.alpha or 0.0), 1, 1, step, self.steps, 0.5 + step, 0.5 + 1))
        return 0


def _task(kind: str, study: str, job: Job, estimate: float = 1.0) -> Task:
    return Task(kind, study, f"{kind} {job.name}", (), estimate, job)


def test_the_default_plan_lists_the_seed_study_first():
    assert [s.name for s in load_plan().studies] == ["seed-imagenet", "fashion-mnist"]


def test_studies_that_train_run_last_and_the_report_is_written_before_training(tmp_path: Path):
    log: list[str] = []
    pending = [
        _task("train", "fm", Job("train a=0.25", log, 0.25, steps=20)),
        _task("train", "fm", Job("train a=0.5", log, 0.5)),
        _task("latency", "fm", Job("fm latency", log)),
        _task("convert", "seed", Job("seed convert", log)),
        _task("latency", "seed", Job("seed latency", log)),
    ]
    with Store(tmp_path / "results.sqlite") as store:
        ctx = Context(store, tmp_path / "artifacts")
        outcome = SweepOutcome("p", str(store.path), None, "planned", len(pending), 0, 0, 0, 0, 0.0, [])
        ctx.run_id = outcome.run_id = store.start_run("p", {})
        view = LiveView(enabled=False)
        _run_pending(
            ctx, pending, [], outcome, view, tmp_path / "sweep.log", False, 0, 0.0, lambda: log.append("first report")
        )
        view.close()
    assert log == ["seed convert", "seed latency", "first report", "train a=0.25", "train a=0.5", "fm latency"]
    assert outcome.status == "finished" and outcome.done == 5
    # learnt once, at 10% of the first training's 20 steps: 1 s per step after the first
    est = outcome.estimate
    assert est is not None and est["seconds_per_step"] == pytest.approx(1.0) and est["variant"] == "m"
    later = 20 * step_weight(0.5) / step_weight(0.25) + after_training_s(0.5) + 0.3  # + latency: its estimate x 0.3
    assert est["remaining_s"] == pytest.approx(18 + after_training_s(0.25) + later, rel=1e-3)


def test_the_estimate_needs_a_steady_rate_and_prices_other_tasks_by_their_ratio():
    first = TrainingProgress("m", 0.25, 1, 1, 1, 100, 3.0, 3.0)
    assert remaining_s(first, [], 1.0) is None and first.eta_s is None  # the first step (tracing) teaches nothing
    p = TrainingProgress("m", 0.25, 1, 1, 11, 100, 13.0, 3.0)
    assert p.seconds_per_step == pytest.approx(1.0) and p.eta_s == pytest.approx(89.0)
    other = _task("latency", "s", Job("x", []), estimate=10.0)
    assert remaining_s(p, [other], 2.0) == pytest.approx(89.0 + after_training_s(0.25) + 20.0)
    assert str(p) == "training epoch 1/1: 11% (11/100 steps), ETA 1:29"


def test_learner_waits_for_ten_percent_then_keeps_the_eta_fresh():
    outcome = SweepOutcome("p", "s", None, "running", 1, 0, 0, 0, 0, 0.0, [])
    view = LiveView(enabled=False)
    learner = Learner(view, 0.0, lambda est: setattr(outcome, "estimate", est))
    task = _task("train", "fm", Job("t", [], 0.25))
    learner.update(task, TrainingProgress("m", 0.25, 1, 1, 9, 100, 10.0, 2.0), [], 1.0)
    assert outcome.estimate is None
    learner.update(task, "exporting", [], 1.0)  # plain text is shown, not learnt from
    learner.update(task, TrainingProgress("m", 0.25, 1, 1, 10, 100, 11.0, 2.0), [], 1.0)
    est = outcome.estimate  # (11 - 2) s over 9 steps after the first: 1 s per step, 90 steps left
    assert est is not None and est["remaining_s"] == pytest.approx(90 + after_training_s(0.25), abs=0.1)
    view.close()


def test_the_sweeps_schedule_is_shorter_than_edgepareto_trains():
    from edgepareto.sweep.keys import schedule_key

    assert SWEEP_SCHEDULE.epochs == 1 and SWEEP_SCHEDULE.train_images == 60_000 and SWEEP_SCHEDULE.batch_size == 128
    assert Schedule().epochs == 3 and schedule_key() == SWEEP_SCHEDULE.key != Schedule().key


def test_the_summary_says_where_the_report_is_and_when_it_was_first_written():
    import io

    from rich.console import Console

    from edgepareto.cli import cmd_sweep

    doc = {"plan": "default", "status": "finished", "seconds": 300.0, "done": 30, "skipped": 0, "failed": 0,
           "new_records": 90, "store": "s", "notes": [], "failures": [], "log": "l",
           "report": {"html": "r/report.html", "markdown": "r/report.md"}, "first_report": {"at_s": 71.4}}  # fmt: skip
    out = io.StringIO()
    cmd_sweep.render(doc, Console(file=out, width=200))
    text = out.getvalue()
    assert "report: r/report.html" in text and "first written 71 s after the start, before training" in text


def test_the_first_report_is_on_disk_or_said_not_written_and_the_sweep_goes_on(tmp_path: Path, capfd):
    from edgepareto.analysis import load_reference
    from edgepareto.sweep.runner import _first_report

    outcome = SweepOutcome("p", "s", None, "running", 1, 0, 0, 0, 0, 0.0, [])
    view = LiveView(enabled=False)
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    with Store(tmp_path / "results.sqlite") as store:
        load_reference(store)
        _first_report(store, blocked / "report", view, tmp_path / "sweep.log", outcome, 0.0)
        assert outcome.first_report is None
        _first_report(store, tmp_path / "report", view, tmp_path / "sweep.log", outcome, 0.0)
    view.close()
    assert outcome.first_report is not None and Path(outcome.first_report["html"]).is_file()
    err = capfd.readouterr().err
    assert "report so far: not written (" in err and f"report so far: {tmp_path / 'report' / 'report.html'}" in err

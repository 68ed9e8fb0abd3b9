"""Sweep: run a plan (a TOML grid of studies) into the results store, resumably, with a live view; and the
CLI's door for recording one given file's figure (``record_bench``, ``record_imported``, ``record_eval``)."""

from __future__ import annotations

from edgepareto.sweep.devices import board_devices, device_name, host_devices
from edgepareto.sweep.plan import KINDS, Plan, StudyPlan, load_plan, parse_plan
from edgepareto.sweep.record import EvalData, check_imported, record_bench, record_eval, record_imported
from edgepareto.sweep.runner import SweepOutcome, plan_tasks, run_sweep

__all__ = [
    "KINDS",
    "EvalData",
    "Plan",
    "StudyPlan",
    "SweepOutcome",
    "board_devices",
    "check_imported",
    "device_name",
    "host_devices",
    "load_plan",
    "parse_plan",
    "plan_tasks",
    "record_bench",
    "record_eval",
    "record_imported",
    "run_sweep",
]

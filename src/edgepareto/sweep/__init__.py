"""Sweep: run a plan (a TOML grid of studies) into the results store, resumably, with a live view."""

from __future__ import annotations

from edgepareto.sweep.devices import board_devices, device_name, host_devices
from edgepareto.sweep.plan import KINDS, Plan, StudyPlan, load_plan, parse_plan
from edgepareto.sweep.runner import SweepOutcome, plan_tasks, run_sweep

__all__ = [
    "KINDS",
    "Plan",
    "StudyPlan",
    "SweepOutcome",
    "board_devices",
    "device_name",
    "host_devices",
    "load_plan",
    "parse_plan",
    "plan_tasks",
    "run_sweep",
]

"""Choosing an executor: the plan's top-level keys, the CLI and the API, and what a measured study needs."""

from __future__ import annotations

import itertools

import pytest

from edgepareto.compute import ExecutorChoice, LocalExecutor, make_executor
from edgepareto.errors import ConfigError
from edgepareto.sweep import parse_plan

STUDY = {"name": "m", "kind": "measured", "alphas": [0.25], "resolutions": [128], "dataset": "imagenet",
         "data_dir": "images"}  # fmt: skip


def test_the_plan_names_its_executor_at_the_top_level():
    doc = {"executor": "ray", "ray_address": "10.0.0.5:6379", "shared_paths": True, "ray_devices": ["rpi5"]}
    plan = parse_plan({**doc, "study": [STUDY]}, "p")
    assert plan.executor == ExecutorChoice("ray", "10.0.0.5:6379", True, ("rpi5",))
    assert plan.to_json()["executor"] == {
        "name": "ray",
        "address": "10.0.0.5:6379",
        "shared_paths": True,
        "devices": ("rpi5",),
    }
    assert parse_plan({"study": [STUDY]}, "p").executor == ExecutorChoice("local")


def test_a_bad_executor_or_measured_study_is_one_line_naming_the_fix():
    with pytest.raises(ConfigError, match="executor must be one of local, ray, got 'dask'"):
        parse_plan({"executor": "dask", "study": [STUDY]}, "p")
    with pytest.raises(ConfigError, match="shared_paths true or false"):
        parse_plan({"shared_paths": "yes", "study": [STUDY]}, "p")
    with pytest.raises(ConfigError, match="ray_devices must be a list of device names"):
        parse_plan({"ray_devices": "rpi5", "study": [STUDY]}, "p")
    with pytest.raises(ConfigError, match="need the Ray executor"):
        LocalExecutor().fingerprint("rpi5")
    with pytest.raises(ConfigError, match="needs dataset = one of imagenet, folder and data_dir"):
        parse_plan({"study": [{**STUDY, "data_dir": None}]}, "p")


def test_the_command_line_overrides_the_plan():
    from edgepareto.sweep.runner import _choice

    plan = parse_plan({"executor": "ray", "ray_address": "a:1", "shared_paths": True, "study": [STUDY]}, "p")
    assert _choice(plan, "local", None) == ExecutorChoice("local", "a:1", True)
    assert _choice(plan, None, "b:2") == ExecutorChoice("ray", "b:2", True)
    local = parse_plan({"study": [STUDY]}, "p")
    assert _choice(local, None, "b:2").name == "ray"  # an address alone means Ray
    assert isinstance(make_executor(_choice(local, None, None)), LocalExecutor)


def test_ray_tasks_regroup_the_chunks_into_fewer_larger_ones_covering_the_same_items():
    from edgepareto.compute.ray_executor import regrouped
    from edgepareto.eval import chunk_bounds

    bounds = chunk_bounds(5000, 2)
    big = regrouped(bounds, 2, 256, 16)
    assert big[0] == (0, 256) and big[-1][1] == 5000 and len(big) < len(bounds) / 2
    assert all(a[1] == b[0] for a, b in itertools.pairwise(big))
    sizes = [b - a for a, b in big]
    assert sizes[-2] < 64 and min(sizes[:-1]) >= 16  # shrinking at the end (no node idles long), never tiny
    gaps = [(0, 10), (20, 30)]
    assert regrouped(gaps, 2, 256, 16) == gaps  # not one contiguous span: left as it came

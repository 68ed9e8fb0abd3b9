"""`edgepareto bench` says the energy per inference where a sensor measured it, and why not, once, where none can."""

from __future__ import annotations

import json

import pytest

from edgepareto.bench.energy import NO_SENSOR
from edgepareto.bench.processes import CHILD
from edgepareto.bench.sensors import discover
from tests.bench.fakepower import CpuDrivenRapl, FakeRapl
from tests.bench.fakesys import make_rpi4
from tests.cli.test_bench_cli import cli
from tests.conftest import QUANT_MODEL

ARGS = ("--threads", "1", "--runs", "3", "--warmup", "1", "--processes", "2")


def test_no_sensor_here_one_line_and_no_figure(fixtures_dir):
    sensor, _ = discover()
    if sensor is not None:
        pytest.skip(f"this host has a readable {sensor.name} sensor")
    r = cli("bench", str(QUANT_MODEL), *ARGS)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("energy unavailable") == 1 and f"energy: {NO_SENSOR}" in r.stdout
    doc = json.loads(cli("bench", str(QUANT_MODEL), *ARGS, "--json").stdout)
    assert doc["telemetry"]["energy"]["reason"] == NO_SENSOR and "mj_per_inference" not in doc["telemetry"]["energy"]


def test_a_rapl_tree_gives_energy_per_inference_with_its_interval(fixtures_dir, tmp_path):
    env = make_rpi4(tmp_path)
    rapl = FakeRapl(tmp_path)
    with CpuDrivenRapl(rapl, str(CHILD)):
        r = cli("bench", str(QUANT_MODEL), *ARGS, env=env)
    assert r.returncode == 0, r.stderr
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("energy: "))
    assert "mJ per inference, 95% CI [" in line and "rapl" in line and "idle" in line

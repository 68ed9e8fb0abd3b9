"""On a machine with a real RAPL or hwmon power sensor: a model's energy measured twice agrees within the intervals.

Skipped, with the reason, where no sensor is readable (this project's CI host: no powercap, no hwmon power monitor).
"""

from __future__ import annotations

import pytest

from edgepareto.bench import Protocol, measure
from edgepareto.bench.energy import NO_SENSOR
from edgepareto.bench.sensors import discover
from tests.conftest import QUANT_MODEL


@pytest.mark.slow
def test_a_real_sensor_measures_a_model_twice_within_their_intervals(fixtures_dir):
    sensor, reasons = discover()
    if sensor is None:
        pytest.skip(f"{NO_SENSOR} ({'; '.join(reasons)})")
    protocol = Protocol.fast(timeout_s=300.0)
    first, second = (measure(QUANT_MODEL, protocol=protocol) for _ in range(2))
    assert first.ok and second.ok, (first.error, second.error)
    e1, e2 = (m.telemetry["energy"] for m in (first, second))
    for e in (e1, e2):
        if e["status"] != "measured":
            pytest.skip(f"this host's {sensor.name} could not measure the model: {e['reason']}")
    assert e1["source"] == e2["source"] == sensor.name
    (lo1, hi1), (lo2, hi2) = e1["ci_mj"], e2["ci_mj"]
    assert lo1 <= hi2 and lo2 <= hi1, (e1["ci_mj"], e2["ci_mj"])  # the two intervals overlap

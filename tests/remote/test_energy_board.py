"""Energy on a remote board: the agent reads the board's own sysfs (a fake RAPL tree driven by the CPU the model
uses), and the record lands in the store as ``energy_mj`` with source ``measured``."""

from __future__ import annotations

import pytest

from edgepareto.artifacts import Artifact, sha256_file
from edgepareto.bench.protocol import Protocol
from edgepareto.remote import measure
from edgepareto.store import Device, MeasurementRecord, Store, Variant
from tests.bench.fakepower import CpuDrivenRapl, FakeRapl
from tests.bench.fakesys import make_rpi4
from tests.conftest import QUANT_MODEL

pytestmark = pytest.mark.usefixtures("fixtures_dir")  # Google's files in ../shared: skip without them

QUICK = Protocol.fast(min_runs=5, max_runs=30, time_limit_s=1.0, timeout_s=60.0)


def test_a_board_with_a_power_sensor_stores_a_measured_energy_record(make_board, tmp_path):
    env = make_rpi4(tmp_path / "fake")
    rapl = FakeRapl(tmp_path / "fake")  # powercap beside the Pi's tree: the agent finds it under the board's sysfs
    board, _ = make_board("nuc", env=tuple(sorted(env.items())))
    with CpuDrivenRapl(rapl, board.remote_dir):
        m = measure(board, QUANT_MODEL, QUICK, threads=1)
    assert m.ok, m.error
    energy = m.telemetry["energy"]
    assert energy["status"] == "measured", energy.get("reason")
    assert energy["source"] == "rapl" and energy["updates"] >= energy["min_updates"]
    # 10 W per busy CPU-second above 2 W idle: each inference costs about 10 W x its CPU time (<= its latency)
    assert 0.5 * 10.0 * m.median_ms <= energy["mj_per_inference"] <= 1.5 * 10.0 * m.median_ms
    variant = Variant("mobilenet_v1", 0.25, 128, 1000, "uint8", background=True)
    art = Artifact(sha256_file(QUANT_MODEL), variant, "tflite", str(QUANT_MODEL), QUANT_MODEL.stat().st_size, "uint8")
    with Store(tmp_path / "results.sqlite") as store:
        store.add_device(Device("nuc Cortex-A72", "board", m.device or {}))
        store.add_artifact(art)
        store.add_many(
            MeasurementRecord.from_latency(m, device="nuc Cortex-A72", artifact=art, key="lat", protocol_name="fast")
        )
        recs = store.measurements(metric="energy_mj")
    assert len(recs) == 1 and recs[0].source == "measured" and recs[0].notes.startswith("sensor rapl (package-0+dram)")
    assert recs[0].ci_low <= recs[0].value <= recs[0].ci_high

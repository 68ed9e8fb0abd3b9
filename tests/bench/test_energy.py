"""Energy per inference on fake sensor trees in the kernel's layouts: what the tree integrates comes back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from edgepareto.bench.energy import NO_SENSOR, EnergyWindow, combine_energy, energy_window
from edgepareto.bench.sensors import Ina2xx, Ina3221, PowerLog, Rapl, discover, integrate
from tests.bench.fakepower import MAX_RANGE_UJ, FakeClock, FakeRapl, make_ina238, make_ina3221, set_value

SRC = Path(__file__).resolve().parents[2] / "src"
IDLE_W, DYN_J, RUN_S = 4.0, 0.020, 0.004  # 4 W idle; each inference adds 20 mJ over 4 ms


@pytest.fixture
def sysroot(tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEPARETO_SYSFS_ROOT", str(tmp_path / "sys"))
    monkeypatch.delenv("EDGEPARETO_POWER_SENSOR", raising=False)
    monkeypatch.delenv("EDGEPARETO_POWER_LOG", raising=False)
    (tmp_path / "sys").mkdir(exist_ok=True)
    return tmp_path


def _drive(rapl: FakeRapl, clock: FakeClock, runs: int, **kw) -> dict:
    """Idle, then ``runs`` inferences (each 4 ms adding 20 mJ above idle) inside the window; the result."""

    def invoke() -> None:
        rapl.add(DYN_J)
        clock.sleep(RUN_S)

    w = EnergyWindow(Rapl(), clock=clock.now, sleep=clock.sleep, **kw)
    w.sample_idle()
    w.begin()
    for _ in range(runs):
        invoke()
    w.runs = runs
    w.lengthen(invoke)
    return w.end()


def test_rapl_layout_zones_and_subzones_by_name(sysroot):
    FakeRapl(sysroot)
    r = Rapl()
    assert r.available() is None
    assert [z[0] for z in r.zones] == ["package-0", "dram"] and [z[0] for z in r.detail] == ["core", "uncore"]
    assert r.zones[0][2] == MAX_RANGE_UJ


def test_rapl_energy_per_inference_within_2_percent_of_what_the_tree_integrates(sysroot):
    rapl, clock = FakeRapl(sysroot), FakeClock()
    clock.hooks.append(rapl.clocked(IDLE_W, dram_w=0.5))
    doc = _drive(rapl, clock, runs=50)
    assert doc["status"] == "measured", doc
    assert doc["mj_per_inference"] == pytest.approx(DYN_J * 1e3, rel=0.02)
    lo, hi = doc["ci_mj"]
    assert lo <= DYN_J * 1e3 <= hi
    assert doc["idle_w"] == pytest.approx(IDLE_W + 0.5, rel=0.02)  # package + DRAM
    assert doc["updates"] >= doc["min_updates"] and doc["update_interval_s"] == 0.001
    assert doc["inferences_per_j"] == pytest.approx(50.0, rel=0.02)
    assert set(doc["zones_j"]) == {"package-0", "dram", "core", "uncore"}


def test_rapl_counter_wrap_is_undone(sysroot):
    rapl, clock = FakeRapl(sysroot, start_uj=MAX_RANGE_UJ - 300_000), FakeClock()
    clock.hooks.append(rapl.clocked(IDLE_W))
    doc = _drive(rapl, clock, runs=50)
    assert int(Path(rapl.paths["package-0"]).read_text()) < 1_000_000_000  # it did wrap inside the test
    assert doc["status"] == "measured" and doc["mj_per_inference"] == pytest.approx(20.0, rel=0.02)


def test_a_short_window_is_lengthened_with_more_runs(sysroot):
    rapl, clock = FakeRapl(sysroot), FakeClock()
    clock.hooks.append(rapl.clocked(IDLE_W))
    doc = _drive(rapl, clock, runs=1)  # the fast protocol's one run per process: 4 ms < 20 updates of 1 ms
    assert (
        doc["status"] == "measured" and doc["lengthened_by_runs"] >= 4 and doc["runs"] == 1 + doc["lengthened_by_runs"]
    )
    assert doc["mj_per_inference"] == pytest.approx(20.0, rel=0.02)


def test_too_slow_a_sensor_is_refused_not_reported(sysroot):
    rapl, clock = FakeRapl(sysroot, update_s=0.5), FakeClock()
    clock.hooks.append(rapl.clocked(IDLE_W))
    sensor = Rapl()
    sensor.update_interval_s = 0.5  # a sensor that updates twice a second
    w = EnergyWindow(sensor, clock=clock.now, sleep=clock.sleep, max_extend_s=0.2)
    w.sample_idle()
    w.begin()
    rapl.add(DYN_J)
    clock.sleep(RUN_S)
    w.runs = 1
    w.lengthen(lambda: (rapl.add(DYN_J), clock.sleep(RUN_S)))
    doc = w.end()
    assert doc["status"] == "unavailable"
    assert doc["reason"].startswith("unavailable: sensor too slow for this model (0 updates of 500 ms")
    assert "mj_per_inference" not in doc


def test_no_sensor_here_says_unavailable_once_and_never_estimates(sysroot):
    with energy_window(lambda: None) as w:
        w.runs = 3
    assert w.result["status"] == "unavailable" and w.result["reason"] == NO_SENSOR
    assert "mj_per_inference" not in w.result


def test_this_machine_has_no_readable_sensor_and_says_so():
    """The real /sys of this host: no powercap, no hwmon power monitor (or RAPL root-only, named)."""
    sensor, reasons = discover()
    if sensor is not None:
        pytest.skip(f"this host has a readable {sensor.name} sensor")
    doc = EnergyWindow(None, reasons).result
    assert doc["reason"] == NO_SENSOR or "permission denied" in doc["reason"]


def test_permission_denied_on_rapl_is_named_with_the_fix(tmp_path):
    """energy_uj mode 0400, as Linux >= 5.10 ships it, read by a process without the right to read it.

    As root the reader runs without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH (setpriv) and the files belong to
    another user, so the kernel refuses the open exactly as it refuses a normal user on a real host."""
    rapl = FakeRapl(tmp_path)
    for p in rapl.paths.values():
        os.chmod(p, 0o400)
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: cannot drop the right to read any file")
        for p in rapl.paths.values():
            os.chown(p, 65534, 65534)
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    code = (
        "from edgepareto.bench.energy import EnergyWindow; from edgepareto.bench.sensors import discover;"
        "print(EnergyWindow(*discover()).result['reason'])"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC), "EDGEPARETO_SYSFS_ROOT": str(tmp_path / "sys")}
    out = subprocess.run([*prefix, sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    line = out.stdout.strip()
    assert line.startswith("energy unavailable: permission denied reading "), line
    assert "root only since Linux 5.10" in line and "chmod a+r" in line


def test_ina3221_reads_the_module_input_rail_in_watts(sysroot):
    make_ina3221(sysroot, update_ms=140)
    s = Ina3221()
    assert s.available() is None and [r[0] for r in s.rails] == ["VDD_IN"]  # the rails inside it are not added
    assert s.read() == pytest.approx(5.0) and s.update_interval_s == pytest.approx(0.14)


def test_ina238_power_in_microwatts(sysroot):
    make_ina238(sysroot, uw=2_500_000, update_ms=None)
    s = Ina2xx()
    assert s.available() is None and s.read() == pytest.approx(2.5) and s.update_interval_s is None


def test_hwmon_power_sampled_and_integrated_within_2_percent(sysroot):
    """A rail at 5 W idle and 9 W while the model runs: 4 W x 10 ms = 40 mJ per inference."""
    files = make_ina3221(sysroot, update_ms=2)
    w = EnergyWindow(Ina3221(), max_extend_s=0.0)
    w.sample_idle()
    set_value(files["ma"], 1800)  # 9 W from the first run on
    w.begin()
    runs = 30
    for _ in range(runs):
        time.sleep(0.010)
    w.runs = runs
    doc = w.end()  # the window closes right after the last run, as in the child
    set_value(files["ma"], 1000)
    assert doc["status"] == "measured", doc
    per_run = doc["window_s"] / runs  # the sleeps overshoot on a busy host: what the tree integrates is 4 W x that
    assert doc["mj_per_inference"] == pytest.approx(4.0 * per_run * 1e3, rel=0.02)
    assert doc["updates"] >= 20 and doc["sensor"]["rails"] == ["VDD_IN"]


def test_external_meter_log_integrates_its_rows(tmp_path, monkeypatch):
    log = tmp_path / "meter.csv"
    t0 = time.time()
    rows = ["unix_s,watts"] + [f"{t0 + i * 0.001:.6f},{3.0 if i < 300 else 7.0}" for i in range(2000)]
    log.write_text("\n".join(rows) + "\n")
    monkeypatch.setenv("EDGEPARETO_POWER_LOG", str(log))
    sensor, _ = discover()
    assert isinstance(sensor, PowerLog)
    sensor.read()
    assert sensor.update_interval_s == pytest.approx(0.001, rel=0.01)
    span = integrate(sensor.read(), t0 + 0.5, t0 + 1.5)
    assert span.energy_j == pytest.approx(7.0, rel=0.01) and span.updates == pytest.approx(999, abs=2)


def test_integrate_is_trapezoids_with_interpolated_ends():
    rows = [(0.0, 1.0), (1.0, 3.0), (2.0, 3.0)]
    assert integrate(rows, 0.5, 2.0).energy_j == pytest.approx(0.5 * (2.0 + 3.0) / 2 + 3.0)


def test_processes_combine_to_the_median_with_the_exact_interval():
    docs = [
        {"status": "measured", "mj_per_inference": v, "ci_mj": [v - 0.1, v + 0.1], "runs": 5}
        for v in (10.0, 10.4, 9.8, 10.1, 10.2, 9.9)
    ]
    doc = combine_energy(docs)
    assert doc["mj_per_inference"] == pytest.approx(10.05) and doc["ci_mj"] == [9.8, 10.4]
    assert doc["ci_level"] >= 0.95 and doc["runs"] == 30
    refused = combine_energy([docs[0], {"status": "unavailable", "reason": NO_SENSOR}])
    assert refused["reason"] == NO_SENSOR and refused["processes_refused"] == 1
    assert combine_energy([None, None]) is None


def test_power_sensor_choice_off_and_unknown(sysroot, monkeypatch):
    FakeRapl(sysroot)
    monkeypatch.setenv("EDGEPARETO_POWER_SENSOR", "off")
    assert discover()[0] is None
    monkeypatch.setenv("EDGEPARETO_POWER_SENSOR", "joulescope")
    sensor, reasons = discover()
    assert sensor is None and "unknown power sensor 'joulescope'" in reasons[0]


def test_failed_runs_leave_no_sampling_thread_behind(sysroot, monkeypatch):
    make_ina3221(sysroot, update_ms=1)
    monkeypatch.setenv("EDGEPARETO_POWER_SENSOR", "ina3221")
    before = threading.active_count()
    with pytest.raises(RuntimeError), energy_window(lambda: None, max_extend_s=0.0):
        assert threading.active_count() == before + 1  # sampling while the runs run
        raise RuntimeError("the engine crashed")
    assert threading.active_count() == before


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one usable CPU: the sampler can only share it")
def test_the_power_sampler_runs_off_the_measured_cpus(sysroot):
    make_ina3221(sysroot, update_ms=1)
    saved = os.sched_getaffinity(0)
    pinned = min(saved)
    try:
        os.sched_setaffinity(0, {pinned})  # as the measuring child pins itself
        w = EnergyWindow(Ina3221(), max_extend_s=0.0)
        w.sample_idle()
        w.begin()
        time.sleep(0.12)
        w.runs = 1
        doc = w.end()
    finally:
        os.sched_setaffinity(0, saved)
    assert pinned not in doc["sensor"]["sampler_cpus"] and doc["sensor"]["sampler_shares_measured_cpus"] is False


def test_runs_that_draw_no_more_than_idle_are_refused(sysroot):
    rapl, clock = FakeRapl(sysroot), FakeClock()
    clock.hooks.append(rapl.clocked(IDLE_W))
    w = EnergyWindow(Rapl(), clock=clock.now, sleep=clock.sleep)
    w.sample_idle()
    w.begin()
    for _ in range(50):
        clock.sleep(RUN_S)  # the runs add nothing above idle
    w.runs = 50
    doc = w.end()
    assert doc["status"] == "unavailable" and "not above idle within the sensor's resolution" in doc["reason"]


def test_an_external_meter_log_gives_energy_per_inference_within_2_percent(tmp_path):
    """A meter logging every 1 ms: 3 W while idle is sampled, 7 W from the first run on (4 W x 4 ms = 16 mJ)."""
    clock, t0 = FakeClock(), 1.7e9
    start = clock.now()
    log = tmp_path / "meter.csv"
    rows = [f"{t0 + i * 0.001:.3f},{3.0 if i < 200 else 7.0}" for i in range(3000)]
    log.write_text("unix_seconds,watts\n" + "\n".join(rows) + "\n")
    sensor = PowerLog(str(log))
    assert sensor.available() is None and sensor.update_interval_s == pytest.approx(0.001, rel=1e-3)
    w = EnergyWindow(sensor, clock=clock.now, sleep=clock.sleep, wall=lambda: t0 + (clock.now() - start))
    w.sample_idle()  # 2 x 0.1 s: the log's first 200 rows
    w.begin()
    for _ in range(50):
        clock.sleep(RUN_S)
    w.runs = 50
    doc = w.end()
    assert doc["status"] == "measured", doc
    assert doc["idle_w"] == pytest.approx(3.0, rel=0.02) and doc["mj_per_inference"] == pytest.approx(16.0, rel=0.02)
    assert doc["sensor"]["log"] == str(log) and doc["updates"] >= 99


def test_a_power_file_without_update_interval_counts_the_changes_it_saw(sysroot):
    """INA238 without update_interval: the updates are the value changes seen; a file that never changed is refused."""
    make_ina238(sysroot, update_ms=None)
    w = EnergyWindow(Ina2xx(), max_extend_s=0.0, min_updates=2)
    w.sample_idle()
    w.begin()
    time.sleep(0.05)
    w.runs = 10
    doc = w.end()
    assert doc["status"] == "unavailable" and doc["update_interval_s"] is None
    assert "sensor too slow for this model (0 updates of an unknown interval" in doc["reason"]

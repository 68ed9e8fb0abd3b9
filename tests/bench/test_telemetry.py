"""Telemetry on a fake Exynos tree: frequency drops flag throttled runs; cool-down waits on thermal zones."""

from __future__ import annotations

import pytest

from edgepareto.bench.telemetry import RunLog, Sampler, cool_down, peak_rss_bytes, throttled_runs
from tests.bench.fakesys import make_exynos5422, set_cur_freq, set_temp


@pytest.fixture
def xu4(tmp_path, monkeypatch):
    for k, v in make_exynos5422(tmp_path).items():
        monkeypatch.setenv(k, v)
    return tmp_path


def test_sampler_reads_one_file_per_clock_domain_and_every_zone(xu4):
    s = Sampler([4, 5, 6, 7])
    assert s.has_freq and len(s._freq_fds) == 1  # the A15s share one clock (related_cpus 4 5 6 7)
    assert s.min_freq_khz() == 2000000
    assert s.max_temp_c() == 45.0 and len(s.zones) == 5
    set_cur_freq(xu4, 4, 1800000)
    assert s.min_freq_khz() == 1800000  # re-read in place (pread), no reopen
    s.close()


def test_frequency_drop_flags_runs_and_warns(xu4):
    s = Sampler([4, 5, 6, 7])
    log = RunLog(s)
    log.begin()
    for i, khz in enumerate([2000000, 2000000, 1600000, 1600000, 2000000]):
        set_cur_freq(xu4, 4, khz)
        log.after(i * 10**9)
    doc = log.summary()
    assert doc["throttled_runs"] == 2 and doc["throttled_run_indices"] == [2, 3]
    assert doc["freq_khz_min"] == 1600000 and doc["temp_c_max"] == 45.0
    assert doc["warnings"] and doc["warnings"][0].startswith("throttled: ")
    s.close()


def test_throttled_runs_is_pure():
    assert throttled_runs(2000, [2000, 2000, 1500], [2000, 1500, 1500]) == [1, 2]
    assert throttled_runs(None, [None, None], [1000, 1000]) == []


def test_cool_down_waits_until_below_the_threshold(xu4):
    s = Sampler([0])
    done = cool_down(s, 50.0, timeout_s=5)
    assert done["reached"] is True and done["waited_s"] < 1
    set_temp(xu4, 0, 80000)
    hot = cool_down(s, 50.0, timeout_s=0.2, poll_s=0.05)
    assert hot["reached"] is False and "80.0 °C" in hot["warning"]
    s.close()


def test_no_sysfs_telemetry_says_unavailable(tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEPARETO_SYSFS_ROOT", str(tmp_path / "empty"))
    log = RunLog(Sampler([0]))
    assert not log.active
    assert log.summary()["note"].startswith("unavailable")
    assert peak_rss_bytes() > 10_000_000

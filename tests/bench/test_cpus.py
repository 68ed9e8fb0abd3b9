"""Cluster discovery on fake Exynos 5422 / Raspberry Pi 4 trees and on this host; pinning and its check."""

from __future__ import annotations

import os

import pytest

from edgepareto.bench import discover_host, resolve_cpus
from edgepareto.bench._sysfs import format_cpu_list, parse_cpu_list
from edgepareto.bench.cpus import Fingerprint, parse_cpuinfo
from edgepareto.bench.pinning import pin, verify_pinning
from edgepareto.errors import ConfigError, DeviceError
from tests.bench.fakesys import make_exynos5422, make_rpi4, set_offline


@pytest.fixture
def exynos(tmp_path, monkeypatch):
    for k, v in make_exynos5422(tmp_path).items():
        monkeypatch.setenv(k, v)
    return tmp_path


@pytest.fixture
def rpi4(tmp_path, monkeypatch):
    for k, v in make_rpi4(tmp_path).items():
        monkeypatch.setenv(k, v)
    return tmp_path


def test_cpu_list_syntax_round_trips():
    assert parse_cpu_list("0-3,6,8-9") == [0, 1, 2, 3, 6, 8, 9]
    assert format_cpu_list([9, 8, 6, 3, 2, 1, 0]) == "0-3,6,8-9"
    with pytest.raises(ConfigError, match="CPU list"):
        parse_cpu_list("3-1")


def test_exynos5422_has_little_and_big_clusters(exynos):
    fp = discover_host()
    little, big = fp.clusters
    assert (little.name, little.core, little.cpus, little.max_freq_khz) == (
        "LITTLE",
        "Cortex-A7",
        (0, 1, 2, 3),
        1400000,
    )
    assert (big.name, big.core, big.cpus, big.max_freq_khz) == ("big", "Cortex-A15", (4, 5, 6, 7), 2000000)
    assert little.caches["L2"] == "512K" and big.caches["L2"] == "2048K"
    assert little.capacity < big.capacity
    assert "neon" in big.simd
    assert fp.hardware == "ODROID-XU4" and fp.arch == "armv7"
    assert fp.sysfs_root == os.environ["EDGEPARETO_SYSFS_ROOT"]


def test_cluster_lookup_by_name_core_and_cpu_list(exynos):
    fp = discover_host()
    assert resolve_cpus(fp, cluster="big") == [4, 5, 6, 7]
    assert resolve_cpus(fp, cluster="a7") == [0, 1, 2, 3]
    assert resolve_cpus(fp, cluster="4-7") == [4, 5, 6, 7]
    with pytest.raises(DeviceError, match=r"cluster 'medium' does not exist.*LITTLE \(Cortex-A7, CPUs 0-3\)"):
        resolve_cpus(fp, cluster="medium")


def test_offline_cpus_are_refused_with_the_fix(exynos):
    set_offline(exynos, 7, "0-6")
    fp = discover_host()
    assert fp.cpus_offline == (7,)
    assert fp.clusters[1].cpus == (4, 5, 6)
    with pytest.raises(DeviceError, match=r"CPUs 7 are offline.*online: 0-6"):
        resolve_cpus(fp, cpus=[6, 7])


def test_rpi4_is_one_cluster_of_a72(rpi4):
    fp = discover_host()
    assert len(fp.clusters) == 1
    (c,) = fp.clusters
    assert (c.name, c.core, c.cpus, c.max_freq_khz, c.caches["L1i"]) == (
        "all",
        "Cortex-A72",
        (0, 1, 2, 3),
        1500000,
        "48K",
    )
    assert fp.hardware == "Raspberry Pi 4 Model B Rev 1.4" and fp.arch == "armv8"


def test_fingerprint_id_is_stable_and_differs_between_boards(tmp_path, monkeypatch):
    ids = []
    for name, make in (("x", make_exynos5422), ("r", make_rpi4)):
        for k, v in make(tmp_path / name).items():
            monkeypatch.setenv(k, v)
        ids.append(discover_host().id)
        assert discover_host().id == ids[-1]
    assert ids[0] != ids[1]


def test_fingerprint_json_round_trip(exynos):
    fp = discover_host()
    back = Fingerprint.from_json(fp.to_json())
    assert back == fp


def test_pinning_on_a_fake_tree_is_reported_not_verifiable(exynos):
    assert pin([4]).startswith("not pinned: fake sysfs")
    assert verify_pinning([4])["status"] == "not verifiable: fake sysfs"


def test_this_host_is_discovered_and_pinning_verified(monkeypatch):
    monkeypatch.delenv("EDGEPARETO_SYSFS_ROOT", raising=False)
    monkeypatch.delenv("EDGEPARETO_PROC_ROOT", raising=False)
    fp = discover_host()
    online = sorted(os.sched_getaffinity(0))
    assert sorted(c for cl in fp.clusters for c in cl.cpus) == sorted(fp.cpus_online)
    assert set(online) <= set(fp.cpus_online)
    with open("/proc/cpuinfo") as f:
        per_cpu, _ = parse_cpuinfo(f.read())
    flags = next(iter(per_cpu.values())).get("flags", "")
    if "avx2" in flags.split():
        assert "avx2" in fp.clusters[0].simd
    # Pin a child-like run in a subprocess so this test process keeps its CPUs.
    import subprocess
    import sys

    code = (
        "import os, json; from edgepareto.bench.pinning import pin, verify_pinning;"
        f"print(pin([{online[-1]}])); print(json.dumps(verify_pinning([{online[-1]}])))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == "pinned"
    assert '"status": "verified"' in out[1]

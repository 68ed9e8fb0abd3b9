"""`edgepareto boards` through the real CLI entry point."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.remote.test_inventory import INVENTORY


def test_boards_offline_json_is_one_document(tmp_path):
    inv = tmp_path / "boards.toml"
    inv.write_text(INVENTORY)
    out = subprocess.run(
        [sys.executable, "-m", "edgepareto", "boards", "--inventory", str(inv), "--offline", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    doc = json.loads(out.stdout)
    assert [b["name"] for b in doc["boards"]] == ["xu4", "rpi4"]


def test_boards_unknown_device_is_a_one_line_error(tmp_path):
    inv = tmp_path / "boards.toml"
    inv.write_text(INVENTORY)
    out = subprocess.run(
        [sys.executable, "-m", "edgepareto", "boards", "--inventory", str(inv), "--devices", "jetson"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown board(s) jetson" in lines[0]


def _inventory_for(tmp_path, boards):
    from tests.remote.test_sweep_boards import _inventory

    return _inventory(tmp_path, boards)


@pytest.mark.e2e
def test_boards_json_lists_fingerprints_fetched_from_fake_boards(tmp_path, make_board):
    from tests.bench.fakesys import make_exynos5422, make_rpi4

    xu4, _ = make_board("xu4", env=tuple(sorted(make_exynos5422(tmp_path / "fx").items())))
    rpi4, _ = make_board("rpi4", env=tuple(sorted(make_rpi4(tmp_path / "fr").items())))
    inv = _inventory_for(tmp_path, [xu4, rpi4])
    out = subprocess.run(
        [sys.executable, "-m", "edgepareto", "boards", "--inventory", str(inv), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    boards = {b["name"]: b for b in json.loads(out.stdout)["boards"]}
    assert boards["xu4"]["status"] == boards["rpi4"]["status"] == "ok"
    xu4_clusters = [(c["name"], c["core"], c["cpu_list"]) for c in boards["xu4"]["fingerprint"]["clusters"]]
    assert xu4_clusters == [("LITTLE", "Cortex-A7", "0-3"), ("big", "Cortex-A15", "4-7")]
    assert [c["core"] for c in boards["rpi4"]["fingerprint"]["clusters"]] == ["Cortex-A72"]
    assert boards["rpi4"]["fingerprint"]["sysfs_root"].endswith("fr/sys")  # a fake tree says so
    human = subprocess.run(
        [sys.executable, "-m", "edgepareto", "boards", "--inventory", str(inv)], capture_output=True, text=True
    )
    assert human.returncode == 0 and "Cortex-A15" in human.stdout


@pytest.mark.e2e
def test_boards_measure_on_a_cluster_of_a_board(tmp_path, make_board, quant_model):
    from tests.bench.fakesys import make_exynos5422

    xu4, _ = make_board("xu4", env=tuple(sorted(make_exynos5422(tmp_path / "fx").items())))
    inv = _inventory_for(tmp_path, [xu4])
    cmd = ["boards", "--inventory", str(inv), "--measure", str(quant_model), "--cluster", "big", "--json"]
    out = subprocess.run(
        [sys.executable, "-m", "edgepareto", *cmd],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    doc = json.loads(out.stdout)
    (m,) = doc["measurements"]
    assert m["board"] == "xu4" and m["status"] == "ok" and m["cluster"] == "big"
    assert m["cpus"] == [4, 5, 6, 7]  # the big cluster of the fake Exynos, resolved on the board
    assert m["pinning"]["status"].startswith("not verifiable")  # honest: a fake tree's CPUs are not this host's

"""`edgepareto boards` through the real CLI entry point."""

from __future__ import annotations

import json
import subprocess
import sys

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

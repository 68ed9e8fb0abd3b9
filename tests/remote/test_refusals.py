"""Issue 11: a refused board is a non-zero exit; known_hosts that is not UTF-8 is one line; remote_dir is confined."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from edgepareto.errors import ConfigError
from edgepareto.remote import load_inventory
from tests.cli_support import cli
from tests.remote.sshd import keygen
from tests.remote.test_sweep_boards import _inventory


@pytest.mark.parametrize("remote_dir", ["/etc/ssh", "~/x", "../../etc", "a/../../b", "-rf", "a b"])
def test_remote_dir_outside_the_cache_folder_is_refused(tmp_path, remote_dir):
    inv = tmp_path / "boards.toml"
    inv.write_text(f'[boards.b]\nhost = "h"\nremote_dir = "{remote_dir}"\n')
    with pytest.raises(ConfigError, match="remote_dir") as exc:
        load_inventory(inv)
    assert "\n" not in str(exc.value)


def test_remote_dir_is_a_folder_below_the_cache_folder(tmp_path):
    inv = tmp_path / "boards.toml"
    inv.write_text('[boards.b]\nhost = "h"\nremote_dir = "study-2/run.1"\n')
    (board,) = load_inventory(inv).values()
    assert board.folder == ".cache/edgepareto/study-2/run.1"


def test_boards_with_a_known_hosts_that_is_not_utf8(capsys, tmp_path):
    kh = tmp_path / "known_hosts"
    kh.write_bytes(b"[127.0.0.1]:1 ssh-ed25519 \xff\xfe\n")
    key = keygen(tmp_path / "id_ed25519")
    inv = tmp_path / "boards.toml"
    inv.write_text(f'[boards.b]\nhost = "127.0.0.1"\nport = 1\nkey = "{key}"\nknown_hosts = "{kh}"\n')
    rc, out, err = cli(capsys, "boards", "--inventory", str(inv), "--json")
    assert rc == 1 and "Traceback" not in err, err
    (b,) = json.loads(out)["boards"]
    assert b["status"] == "host-key" and "is not UTF-8 text" in b["error"] and "\n" not in b["error"]


def _other_key_line(tmp_path: Path, port: int) -> str:
    pub = Path(f"{keygen(tmp_path / 'impostor')}.pub").read_text().split()
    return f"[127.0.0.1]:{port} {pub[0]} {pub[1]}\n"


def test_boards_exit_1_for_an_unknown_or_changed_host_key(capsys, tmp_path, make_board):
    unknown, _ = make_board("unknown", known=False)
    changed, _ = make_board("changed")
    changed.known_hosts.write_text(_other_key_line(tmp_path, changed.port))
    good, _ = make_board("good")
    inv = _inventory(tmp_path, [unknown, changed, good])
    rc, out, err = cli(capsys, "boards", "--inventory", str(inv), "--json")
    assert rc == 1, err
    status = {b["name"]: (b["status"], b.get("error") or "") for b in json.loads(out)["boards"]}
    assert status["good"][0] == "ok"
    assert status["unknown"][0] == status["changed"][0] == "host-key"
    assert "HOST KEY CHANGED" in status["changed"][1]
    rc, _, _ = cli(capsys, "boards", "--inventory", str(inv), "--devices", "good", "--json")
    assert rc == 0


@pytest.mark.e2e
def test_sweep_devices_exits_1_when_a_host_key_is_refused(tmp_path, make_board, fixtures_dir):
    board, _ = make_board("xu4")
    board.known_hosts.write_text(_other_key_line(tmp_path, board.port))
    inv = _inventory(tmp_path, [board])
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[[study]]\nname = "b"\nkind = "latency-only"\nalphas = [0.25]\nresolutions = [32]\nprecisions = ["fp32"]\n'
    )
    cmd = [
        sys.executable,
        "-m",
        "edgepareto",
        "sweep",
        str(plan),
        "--store",
        str(tmp_path / "r" / "results.sqlite"),
        "--devices",
        "xu4",
        "--inventory",
        str(inv),
        "--retries",
        "0",
        "--no-live",
        "--no-report",
        "--json",
    ]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert r.returncode == 1, r.stderr[-3000:]
    doc = json.loads(r.stdout)
    assert doc["boards_left_out"] == ["xu4"]
    assert any("HOST KEY CHANGED" in n for n in doc["notes"]), doc["notes"]

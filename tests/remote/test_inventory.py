"""The TOML inventory: parsing, defaults, relative paths, one-line errors naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgepareto.errors import ConfigError
from edgepareto.remote import Board, list_boards, load_inventory, select_boards
from edgepareto.remote.farm import Job, RetryPolicy

INVENTORY = """
[defaults]
user = "odroid"
key = "keys/id_ed25519"
known_hosts = "known_hosts"

[boards.xu4]
host = "192.168.1.20"
python = "/usr/bin/python3"
clusters = ["LITTLE", "big"]
env = { EDGEPARETO_SYSFS_ROOT = "/tmp/fake xu4/sys" }

[boards.rpi4]
host = "rpi4.local"
port = 2222
user = "pi"
key = "/abs/key"
project = "study-1"
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "boards.toml"
    p.write_text(text)
    return p


def test_inventory_reads_defaults_and_resolves_paths_beside_the_file(tmp_path):
    inv = load_inventory(write(tmp_path, INVENTORY))
    assert list(inv) == ["xu4", "rpi4"]
    xu4, rpi4 = inv["xu4"], inv["rpi4"]
    assert (xu4.user, xu4.port, xu4.python) == ("odroid", 22, "/usr/bin/python3")
    assert xu4.key_file == tmp_path / "keys" / "id_ed25519"
    assert xu4.known_hosts == tmp_path / "known_hosts"
    assert xu4.clusters == ("LITTLE", "big")
    assert xu4.environment == {"EDGEPARETO_SYSFS_ROOT": "/tmp/fake xu4/sys"}
    assert xu4.folder == ".cache/edgepareto/default"
    assert (rpi4.user, rpi4.port, rpi4.key_file, rpi4.python) == ("pi", 2222, Path("/abs/key"), "python3")
    assert rpi4.folder == ".cache/edgepareto/study-1"
    assert rpi4.address == "pi@rpi4.local:2222"


@pytest.mark.parametrize(
    ("table", "needle"),
    [
        ('host = "h"\nprot = 22', "unknown key(s) prot"),
        ('host = "h"\nport = 70000', "port must be in 1..65535"),
        ('host = "h"\nport = "22"', "port must be an integer"),
        ("port = 22", "host is required"),
        ('host = "h"\nenv = { "A-B" = "1" }', "env key 'A-B'"),
        ('host = "h"\nremote_dir = "../../etc"', "must not contain '..'"),
        ('host = "-oProxyCommand=x"', "must be a host name"),
        ('host = "h"\nclusters = "big"', "clusters must be a list"),
    ],
)
def test_bad_entries_fail_with_one_line_naming_the_field(tmp_path, table, needle):
    with pytest.raises(ConfigError) as err:
        load_inventory(write(tmp_path, f"[boards.b]\n{table}\n"))
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_missing_or_empty_inventory(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_inventory(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="no boards"):
        load_inventory(write(tmp_path, "[defaults]\nuser = 'x'\n"))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_inventory(write(tmp_path, "[boards.a\n"))


def test_select_boards(tmp_path):
    inv = load_inventory(write(tmp_path, INVENTORY))
    assert [b.name for b in select_boards(inv, "rpi4,xu4")] == ["rpi4", "xu4"]
    assert [b.name for b in select_boards(inv, None)] == ["xu4", "rpi4"]
    with pytest.raises(ConfigError, match="unknown board\\(s\\) jetson"):
        select_boards(inv, "xu4,jetson")
    with pytest.raises(ConfigError, match="twice"):
        select_boards(inv, "xu4,xu4")


def test_list_boards_offline_lists_entries_without_connecting(tmp_path):
    docs = list_boards(write(tmp_path, INVENTORY), fetch=False)
    assert [d["name"] for d in docs] == ["xu4", "rpi4"]
    assert all(d["status"] == "not checked" and d["fingerprint"] is None for d in docs)
    assert docs[0]["env"] == {"EDGEPARETO_SYSFS_ROOT": "/tmp/fake xu4/sys"}


def live_and_dead_inventory(tmp_path: Path, make_board) -> Path:
    """An inventory of two sshd boards, 'live' and 'dead', the second one killed."""
    live, _ = make_board("live")
    dead, server = make_board("dead")
    server.kill()
    text = "".join(
        f'[boards.{b.name}]\nhost = "127.0.0.1"\nport = {b.port}\nuser = "{b.user}"\nkey = "{b.key_file}"\n'
        f'known_hosts = "{b.known_hosts}"\npython = "{b.python}"\nremote_dir = "{b.remote_dir}"\n'
        for b in (live, dead)
    )
    return write(tmp_path, text)


def test_list_boards_reports_a_dead_board_without_hiding_the_others(tmp_path, make_board):
    docs = {d["name"]: d for d in list_boards(live_and_dead_inventory(tmp_path, make_board))}
    assert docs["dead"]["status"] == "unreachable" and "cannot connect" in docs["dead"]["error"]
    assert docs["live"]["versions"]["numpy"] is not None


def test_job_and_retry_policy_validate():
    with pytest.raises(ConfigError, match="threads"):
        Job("b", Path("m.tflite"), threads=0)
    with pytest.raises(ConfigError, match="not both"):
        Job("b", Path("m.tflite"), cluster="big", cpus=(0,))
    p = RetryPolicy(retries=4, backoff_s=1.0, max_backoff_s=5.0)
    assert [p.wait(i) for i in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    with pytest.raises(ConfigError, match="retries"):
        RetryPolicy(retries=-1)
    assert Board(name="x", host="h").folder == ".cache/edgepareto/default"


def test_devices_command_lists_inventory_boards(tmp_path, make_board):
    import json
    import subprocess
    import sys

    inv = live_and_dead_inventory(tmp_path, make_board)
    r = subprocess.run(
        [sys.executable, "-m", "edgepareto", "devices", "--inventory", str(inv), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    boards = {b["name"]: b for b in doc["boards"]}
    assert boards["live"]["status"] == "ok" and boards["live"]["fingerprint"]["clusters"]
    assert boards["dead"]["status"] == "unreachable"
    assert doc["host"]["clusters"]

"""The SSH layer against a real OpenSSH server on 127.0.0.1: host keys, quoting, uploads, drops."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

from edgepareto.remote import AuthError, BoardUnreachable, Connection, HostKeyError, RemoteError
from edgepareto.remote.board import RemoteBoard
from tests.remote.sshd import keygen


def test_unknown_host_key_is_refused_without_the_flag(make_board):
    board, _ = make_board("b1", known=False)
    with pytest.raises(HostKeyError) as err:
        Connection(board).open()
    msg = str(err.value)
    assert "SHA256:" in msg and "--accept-new-host-key" in msg and "\n" not in msg
    assert board.known_hosts.read_text() == ""  # nothing trusted silently


def test_accept_new_host_key_records_it_and_then_verifies_it(make_board):
    board, server = make_board("b1", known=False)
    with Connection(board, accept_new_host_key=True) as c:
        assert c.run(["true"]).status == 0
    line = board.known_hosts.read_text()
    assert line.split() == server.known_hosts_line().split()
    with Connection(board) as c:  # second time: known, no flag needed
        assert c.run(["true"]).status == 0


def test_changed_host_key_is_refused_even_with_accept_new(make_board, tmp_path):
    board, server = make_board("b1")
    other = keygen(tmp_path / "other_host_key")
    pub = Path(f"{other}.pub").read_text().split()
    board.known_hosts.write_text(f"[127.0.0.1]:{server.port} {pub[0]} {pub[1]}\n")  # the board's key "changed"
    for accept in (False, True):
        with pytest.raises(HostKeyError, match="HOST KEY CHANGED") as err:
            Connection(board, accept_new_host_key=accept).open()
        assert "ssh-keygen -R" in str(err.value)
    assert board.known_hosts.read_text().split()[2] == pub[1]  # known_hosts untouched


def test_wrong_user_key_is_an_auth_error_and_keys_are_never_logged(make_board, tmp_path, caplog, user_key):
    stranger = keygen(tmp_path / "stranger")
    board, _ = make_board("b1", key_file=stranger)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError, match="authorized_keys") as err:
        Connection(board).open()
    secrets = [Path(k).read_text() for k in (stranger, user_key)]
    bodies = [line for s in secrets for line in s.splitlines() if line and not line.startswith("-----")]
    text = caplog.text + str(err.value)
    assert bodies and not any(b in text for b in bodies)


def test_arguments_are_quoted_not_interpreted_by_the_shell(make_board, tmp_path):
    board, _ = make_board("b1")
    canary = tmp_path / "canary"
    evil = f"x; touch {canary}; $(touch {canary}) `touch {canary}` 'q\" *"
    with Connection(board) as c:
        done = c.run(["printf", "%s|", evil, "$HOME", "*"], env={"EDGE_X": "a b; touch " + str(canary)})
        assert done.status == 0
        assert done.stdout == f"{evil}|$HOME|*|"
        assert c.run(["sh", "-c", 'printf %s "$EDGE_X"'], env={"EDGE_X": "a b;c"}).stdout == "a b;c"
    assert not canary.exists()


def test_uploads_are_content_addressed_and_confined(make_board, tmp_path):
    board, _ = make_board("b1")
    model = tmp_path / "weird name; rm -rf ~.tflite"
    model.write_bytes(b"x" * 100_000)
    with RemoteBoard(board) as rb:
        first = rb.upload_artifact(model)
        again = rb.upload_artifact(model)
        assert first == again
        assert rb.conn.uploaded_files == 1
        root = rb.conn.root()
        assert first.startswith(root + "/blobs/") and first.endswith(".tflite")
        assert "weird" not in first
        with pytest.raises(RemoteError, match="refusing"):
            rb.conn.confined("blobs", "../../etc")
        with pytest.raises(RemoteError, match="refusing"):
            rb.conn.upload(model, "/tmp/elsewhere")
    remote_file = Path(first)  # the "board" is this machine: read what landed there
    assert remote_file.read_bytes() == model.read_bytes()
    assert remote_file.stat().st_mode & 0o077 == 0
    assert list((Path(root) / "tmp").iterdir()) == []  # no partial files left behind
    # a new session (rerun) uploads nothing that is already there
    with RemoteBoard(board) as rb:
        rb.upload_artifact(model)
        rb.ensure_agent()
        n_agent = rb.conn.uploaded_files
    with RemoteBoard(board) as rb:
        rb.upload_artifact(model)
        rb.ensure_agent()
        assert rb.conn.uploaded_files == 0
    assert n_agent >= 1


def test_dropped_connection_mid_command_is_reported_promptly(make_board):
    board, server = make_board("b1")
    with Connection(board) as c:
        assert c.run(["true"]).status == 0
        killer = threading.Timer(1.0, server.kill)
        killer.start()
        t0 = time.monotonic()
        with pytest.raises(BoardUnreachable, match="board b1"):
            c.run(["sleep", "30"], timeout=60)
        assert time.monotonic() - t0 < 20
        killer.join()
    with pytest.raises(BoardUnreachable, match="cannot connect"):
        Connection(board).open()
    assert BoardUnreachable("x").transient and not HostKeyError("x").transient


def test_missing_runtime_on_the_board_is_one_line_naming_the_fix(make_board, tmp_path):
    bare = Path("/usr/bin/python3")  # Debian's Python: no NumPy, no TFLite runtime
    if not bare.is_file():
        pytest.skip("no system python3 without NumPy to stand in for a bare board")
    board, _ = make_board("bare", python=str(bare))
    with RemoteBoard(board) as rb:
        versions = rb.check()
        assert versions["numpy"] is None and versions["runtime"] is None
        with pytest.raises(RemoteError) as err:
            rb.require_runtime()
    msg = str(err.value)
    assert "\n" not in msg and "board bare" in msg and "pip install numpy" in msg


def test_board_python_not_found_names_the_inventory_field(make_board):
    board, _ = make_board("nopy", python="/nonexistent/python3")
    with RemoteBoard(board) as rb, pytest.raises(RemoteError, match="set python") as err:
        rb.check()
    assert "\n" not in str(err.value)


def test_concurrent_sessions_prepare_the_same_board_folders_without_tripping(make_board):
    board, _ = make_board("b1")
    errors: list[BaseException] = []
    folders: list[str] = []

    def prepare() -> None:
        try:
            with RemoteBoard(board) as rb:
                folders.append(rb.ensure_agent())
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=prepare) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(folders)) == 1

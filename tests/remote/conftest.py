"""Fixtures: throw-away OpenSSH servers on 127.0.0.1 standing in for boards."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from edgepareto.remote import Board
from tests.remote.sshd import Sshd, keygen, sshd_available

#: the "board" Python: this venv's, which has NumPy and ai-edge-litert (no edgepareto is needed there)
BOARD_PYTHON = sys.executable


@pytest.fixture(scope="session")
def user_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    why = sshd_available()
    if why:
        pytest.skip(why)
    return keygen(tmp_path_factory.mktemp("userkey") / "id_ed25519")


BoardFactory = Callable[..., tuple[Board, Sshd]]


def _factory(base: Path, user_key: Path, started: list[Sshd]) -> BoardFactory:
    def make(name: str = "board", *, known: bool = True, start: bool = True, **board_kw: object) -> tuple[Board, Sshd]:
        folder = base / name
        server = Sshd(folder / "sshd", Path(f"{user_key}.pub"))
        started.append(server)
        if start:
            server.start()
        known_hosts = folder / "known_hosts"
        known_hosts.write_text(server.known_hosts_line() if known else "")
        kw: dict[str, object] = {
            "host": "127.0.0.1",
            "port": server.port,
            "user": server.user,
            "key_file": user_key,
            "known_hosts": known_hosts,
            "python": BOARD_PYTHON,
            "remote_dir": str(folder / "remote"),
            "connect_timeout": 5.0,
        }
        kw.update(board_kw)
        return Board(name=name, **kw), server  # type: ignore[arg-type]

    return make


@pytest.fixture
def make_board(tmp_path: Path, user_key: Path) -> Iterator[BoardFactory]:
    """``make_board(name, known=True, **Board fields)`` -> (Board, running Sshd); all stopped afterwards."""
    started: list[Sshd] = []
    yield _factory(tmp_path, user_key, started)
    for s in started:
        s.stop()

"""Fixtures: throw-away OpenSSH servers on 127.0.0.1 standing in for boards."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from edgepareto.remote import Board
from tests.remote.sshd import Sshd, keygen, sshd_available

#: what a board's Python needs besides the standard library (and nothing of edgepareto or TensorFlow)
BOARD_PACKAGES = ("numpy", "numpy.libs", "ai_edge_litert")


@pytest.fixture(scope="session")
def board_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A Python like a board's: a fresh venv holding only NumPy and ai-edge-litert (linked from this venv).

    edgepareto is NOT importable there, so the agent must work from the shipped flat files alone.
    """
    site = Path(sysconfig.get_paths()["purelib"])
    venv = tmp_path_factory.mktemp("board-python") / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True)
    target = next((venv / "lib").glob("python3*/site-packages"))
    for pattern in (*BOARD_PACKAGES, "numpy-*.dist-info", "ai_edge_litert-*.dist-info"):
        for src in site.glob(pattern):
            (target / src.name).symlink_to(src)
    python = venv / "bin" / "python"
    probe = "import numpy, ai_edge_litert.interpreter\ntry:\n import edgepareto\nexcept ImportError: print('clean')"
    out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=True, cwd=venv)
    assert out.stdout.strip() == "clean", out.stdout + out.stderr
    return str(python)


@pytest.fixture(scope="session")
def user_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    why = sshd_available()
    if why:
        pytest.skip(why)
    return keygen(tmp_path_factory.mktemp("userkey") / "id_ed25519")


BoardFactory = Callable[..., tuple[Board, Sshd]]


def _factory(base: Path, user_key: Path, python: str, started: list[Sshd]) -> BoardFactory:
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
            "python": python,
            "remote_dir": f"tests-{uuid.uuid4().hex[:12]}/{name}",  # under ~/.cache/edgepareto, removed after
            "connect_timeout": 5.0,
        }
        kw.update(board_kw)
        return Board(name=name, **kw), server  # type: ignore[arg-type]

    return make


@pytest.fixture
def make_board(tmp_path: Path, user_key: Path, board_python: str) -> Iterator[BoardFactory]:
    """``make_board(name, known=True, **Board fields)`` -> (Board, running Sshd); all stopped afterwards."""
    started: list[Sshd] = []
    made: list[Board] = []
    factory = _factory(tmp_path, user_key, board_python, started)

    def make(*a: object, **kw: object) -> tuple[Board, Sshd]:
        board, server = factory(*a, **kw)
        made.append(board)
        return board, server

    yield make
    for s in started:
        s.stop()
    for b in made:  # the loopback board's home is this machine's: remove its cache folder
        shutil.rmtree(board_folder(b).parent, ignore_errors=True)


def board_folder(board: Board) -> Path:
    """Where a loopback board's uploads land on this machine (the SSH user's home is ours)."""
    return Path.home() / board.folder

"""A sweep's temporary files live under the store's folder, and a killed sweep's are swept next time.

While a sweep runs, ``tempfile`` and ``$TMPDIR`` (inherited by the measuring children) point at
``<store folder>/.tmp/<host>-<pid>-<random>``: the converter's SavedModel folders, the conversion
folders and anything else a library puts in the temp folder. ``kill -9`` cannot clean up, so
each sweep first removes the folders of this host's processes that no longer run.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def private_tmp(parent: Path) -> Iterator[Path]:
    """Temporary files of this block go to a fresh folder under ``parent`` (removed at the end)."""
    sweep_stale(parent)
    folder = parent / f"{_host()}-{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir(parents=True)
    saved = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        if saved[0] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved[0]
        tempfile.tempdir = saved[1]
        shutil.rmtree(folder, ignore_errors=True)


def sweep_stale(parent: Path) -> list[str]:
    """Remove the folders left by processes of this host that are gone; the names removed."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            host, _, rest = entry.name.rpartition("-")[0].rpartition("-")
            if host == _host() and rest.isdigit() and not _alive(int(rest)):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry.name)
    return removed


def _host() -> str:
    return socket.gethostname().replace("-", "_") or "host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True

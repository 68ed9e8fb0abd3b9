"""One measurement at a time per CPU: an advisory lock file per CPU, host-wide, taken before a measuring child starts.

Two sweeps (or a sweep and a ``bench``) on one host would otherwise time their models side by side
on the same cores, and each would store latencies inflated by the other. Each measurement locks
the CPUs it is pinned to (every CPU it may use when unpinned), one ``flock`` per CPU in ascending
order, so overlapping sets take turns, disjoint clusters still measure at once, and no two
processes can deadlock. The second one says once, on stderr, that it waits and for whom. A killed
holder's lock goes with its file descriptor: nothing to clean up. The lock folder is
``$EDGEPARETO_LOCK_DIR`` or ``/tmp/edgepareto-cpu-locks`` (sticky and world-writable like /tmp,
so every user's measurements take turns); never the sweep's private temp folder, which is per store.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

DEFAULT_DIR = "/tmp/edgepareto-cpu-locks"


def lock_dir() -> Path:
    folder = Path(os.environ.get("EDGEPARETO_LOCK_DIR") or DEFAULT_DIR)
    if not folder.is_dir():
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o1777)  # like /tmp: every user may add a lock, none may remove another's
    return folder


def _open(path: Path) -> int | None:
    """A descriptor on the lock file (read-only when another user created it), or None when there is none to have."""
    for flags in (os.O_RDWR | os.O_CREAT, os.O_RDONLY):
        with contextlib.suppress(OSError):
            return os.open(path, flags | os.O_CLOEXEC, 0o666)
    return None


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        pid = os.pread(fd, 32, 0).decode().strip()
        if pid.isdigit():
            return f" (pid {pid})"
    return ""


def _acquire(fd: int, cpu: int, say: Callable[[str], None], said: list[bool]) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if not said:
            say(
                f"waiting for CPU {cpu}: another edgepareto measurement{_holder(fd)} is using it; "
                "this one starts when it is done"
            )
            said.append(True)
        fcntl.flock(fd, fcntl.LOCK_EX)  # blocks; Ctrl-C interrupts it
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)


def _stderr(text: str) -> None:
    print(f"edgepareto: {text}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def cpus_locked(cpus: list[int] | None, say: Callable[[str], None] = _stderr) -> Iterator[list[int]]:
    """Hold every CPU of ``cpus`` (None: every CPU this process may run on) for the block; the CPUs held."""
    wanted = sorted(set(cpus if cpus else os.sched_getaffinity(0)))
    folder = lock_dir()
    fds: list[int] = []
    said: list[bool] = []
    try:
        for cpu in wanted:  # ascending: two overlapping sets never wait on each other in a circle
            fd = _open(folder / f"cpu{cpu}.lock")
            if fd is None:
                continue  # a lock folder nobody can write: measure unlocked rather than not at all
            fds.append(fd)
            _acquire(fd, cpu, say, said)
        yield wanted
    finally:
        for fd in reversed(fds):
            os.close(fd)  # closing releases the lock


__all__ = ["DEFAULT_DIR", "cpus_locked", "lock_dir"]

"""A measuring child that dies with its parent, so no orphan keeps a CPU busy beside the next measurement.

The parent starts the child with :func:`guarded_child` (its own session, so a hung engine's threads
die with its process group; killed when the block is left by an exception, Ctrl-C included). The
child calls :func:`die_with_parent` first: Linux's ``PR_SET_PDEATHSIG`` (SIGKILL when the parent
dies, even by ``kill -9``), and, for systems without ``prctl``, a watchdog thread on a pipe whose
write end only the parent holds: end-of-file means the parent is gone.

Standard library only: shipped flat to boards beside ``_child.py``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

PARENT_FD = "EDGEPARETO_PARENT_FD"  # the read end of the lifeline pipe, in the child
PARENT_PID = "EDGEPARETO_PARENT_PID"
NO_PDEATHSIG = "EDGEPARETO_NO_PDEATHSIG"  # tests: the pipe watchdog alone, as on a system without prctl
PARENT_GONE = 70  # the child's exit status when it noticed that its parent died
_PR_SET_PDEATHSIG = 1


@contextlib.contextmanager
def guarded_child(cmd: list[str], *, env: dict[str, str] | None = None, **popen: Any) -> Iterator[subprocess.Popen]:
    """``subprocess.Popen(cmd)`` tied to this process; the child and its group are killed if still running at exit."""
    read_end, write_end = os.pipe()
    env = {**(os.environ if env is None else env), PARENT_FD: str(read_end), PARENT_PID: str(os.getpid())}
    try:
        proc = subprocess.Popen(cmd, env=env, pass_fds=(read_end,), start_new_session=True, **popen)
    except BaseException:
        os.close(write_end)
        raise
    finally:
        os.close(read_end)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            kill_group(proc)
        with contextlib.suppress(Exception):
            proc.wait(timeout=5)
        os.close(write_end)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the child's process group (it leads its own session), or the child alone."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            proc.kill()


def die_with_parent() -> None:
    """In the child: exit at once when the parent that set ``$EDGEPARETO_PARENT_FD`` dies; no-op without it."""
    fd, pid = os.environ.pop(PARENT_FD, None), os.environ.pop(PARENT_PID, None)
    if fd is None or not fd.isdigit():
        return
    if not os.environ.get(NO_PDEATHSIG):
        _set_pdeathsig()
    if pid and pid.isdigit() and os.getppid() != int(pid):  # it died before the guard was set
        os._exit(PARENT_GONE)
    threading.Thread(target=_watch, args=(int(fd),), name="parent-watchdog", daemon=True).start()


def _set_pdeathsig() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch(fd: int) -> None:
    try:
        while os.read(fd, 64):
            pass
    except OSError:  # not a pipe we can read: no watchdog, PR_SET_PDEATHSIG still holds
        return
    os._exit(PARENT_GONE)

"""Run ``ray start --head --block ...`` for as long as the process that started this guard lives.

Started by :mod:`edgepareto.compute.ray_local` in a session of its own, with the read end of a lifeline
pipe whose write end only the driver holds: end-of-file means the driver closed it (``close()``) or died
(``kill -9`` included). Either way every process under this guard is SIGKILLed: the guard is a child
subreaper (``PR_SET_CHILD_SUBREAPER``), so the raylet's children (DashboardAgent, RuntimeEnvAgent, workers
in groups of their own) are reparented here, not to init, when their parents die first, and are found by
walking ``/proc`` from this pid. Standard library only, run as a script (no package import, no numpy).
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

LIFELINE_FD = "EDGEPARETO_LIFELINE_FD"
RAY_TEMP = "EDGEPARETO_RAY_TEMP"  # the head's --temp-dir, removed when everything is gone
_PR_SET_CHILD_SUBREAPER = 36


def _subreaper() -> None:
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # after "(comm)": state, ppid
        out.setdefault(ppid, []).append(int(entry.name))
    return out


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children first), read from /proc now."""
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def end_everything(deadline_s: float = 30.0) -> None:
    """SIGKILL every descendant until none is left (orphans keep arriving here: this is their subreaper)."""
    stop = time.monotonic() + deadline_s
    while time.monotonic() < stop:
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0] > 0:  # reap what died, so it is not counted again
                pass
        alive = descendants(os.getpid())
        if not alive:
            return
        for pid in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def main(argv: list[str]) -> int:
    fd = int(os.environ.pop(LIFELINE_FD))
    temp = os.environ.pop(RAY_TEMP, "")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver decides; a terminal's Ctrl-C is its to handle
    _subreaper()
    head = subprocess.Popen(argv)
    code = 0
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready and not os.read(fd, 64):
                break  # the driver closed the lifeline or died
            if head.poll() is not None:
                code = head.returncode or 1  # the head ended by itself: its driver sees it gone
                break
    finally:
        end_everything()
        if temp:
            shutil.rmtree(temp, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

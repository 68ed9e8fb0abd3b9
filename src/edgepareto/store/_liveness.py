"""Is the process that started a run still that run's process? Its pid, and its start time against the run's.

A sweep killed with SIGKILL (or by a power cut) never marks its run finished, so its row says
``running`` forever. When a later sweep opens the store it looks at each run of this host still
``running``: the pid is gone, or now belongs to a process that started after the run did (pids are
reused), and the run is marked ``killed``. Runs of other hosts are left alone: their processes
cannot be seen from here.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

_SLACK_S = 2.0  # the run's row is written after its process starts; clock ticks round to 10 ms


def _boot_time() -> float | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def process_start(pid: int) -> float | None:
    """When ``pid`` started (seconds since the epoch), or None when there is no such process or no procfs."""
    boot = _boot_time()
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    if boot is None:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the command name may hold spaces and parentheses
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22 of proc(5): starttime in ticks


def run_is_alive(pid: int, started_at: str) -> bool:
    """True while ``pid`` is the process that recorded a run at ``started_at`` (ISO time)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0  # another user's process holds the pid: it may be that run; assume alive
    start = process_start(pid)
    if start is None:
        return True  # no procfs: the pid exists, which is all we can tell
    try:
        run_start = datetime.fromisoformat(started_at).timestamp()
    except ValueError:
        return True
    return start <= run_start + _SLACK_S

"""Pinning this process (every thread of it) to CPUs, and reading the pinning back from procfs.

Standard library only, through :mod:`._sysfs`'s configurable roots (a fake tree pins nothing and says
so); shipped flat to boards beside ``cpus.py`` (``remote.board.AGENT_FILES``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
from typing import Any

try:  # package import inside edgepareto; flat import when the files sit in one folder (a board)
    from edgepareto.bench._sysfs import DeviceError, format_cpu_list, is_fake, parse_cpu_list, proc_path, read_text
except ImportError:  # pragma: no cover - exercised by the flat-copy test and the board agent
    from _sysfs import (  # type: ignore[no-redef]
        DeviceError,
        format_cpu_list,
        is_fake,
        parse_cpu_list,
        proc_path,
        read_text,
    )


def pin(cpus: list[int]) -> str:
    """Pin this process (and the engine threads it creates later) to ``cpus``; returns how it went.

    Call it before the engine is loaded: threads inherit the affinity of the thread that creates them.
    """
    if not cpus:
        return "not pinned"
    if is_fake():
        return "not pinned: fake sysfs (its CPUs are not this host's)"
    try:
        os.sched_setaffinity(0, cpus)
        # Threads started earlier (NumPy's BLAS pool) keep their own mask: pin every thread of the process.
        for task in glob.glob(proc_path("self/task/*")):
            with contextlib.suppress(OSError, ValueError):  # a thread may exit meanwhile
                os.sched_setaffinity(int(os.path.basename(task)), cpus)
    except OSError as exc:
        raise DeviceError(
            f"cannot pin to CPUs {format_cpu_list(cpus)} ({exc.strerror}); check they are online and allowed "
            f"for this process (taskset -p $$)"
        ) from None
    return "pinned"


def _task_facts(tid_dir: str) -> tuple[list[int] | None, int | None]:
    status = read_text(os.path.join(tid_dir, "status")) or ""
    m = re.search(r"^Cpus_allowed_list:\s*(\S+)", status, re.M)
    allowed = parse_cpu_list(m.group(1)) if m else None
    stat = read_text(os.path.join(tid_dir, "stat")) or ""
    last = None
    if ")" in stat:
        fields = stat.rsplit(")", 1)[1].split()
        if len(fields) > 36:  # field 39 of the full line: the CPU the thread last ran on
            last = int(fields[36])
    return allowed, last


def verify_pinning(cpus: list[int]) -> dict[str, Any]:
    """Check every thread of this process (engine threads included) may run only on ``cpus``.

    The allowed mask of each thread is read back from procfs; ``ran_on`` lists the CPUs they last ran on.

    Returns ``{"status": "verified" | "violated: ..." | "not verifiable: ...", "threads": n, "ran_on": [...]}``.
    """
    if not cpus:
        return {"status": "not pinned", "threads": None, "ran_on": []}
    if is_fake():
        return {"status": "not verifiable: fake sysfs", "threads": None, "ran_on": []}
    tasks = sorted(glob.glob(proc_path("self/task/*")))
    if not tasks:
        return {"status": "not verifiable: no /proc/self/task", "threads": None, "ran_on": []}
    want = set(cpus)
    ran_on: set[int] = set()
    problems = []
    for t in tasks:
        allowed, last = _task_facts(t)
        if allowed is not None and not set(allowed) <= want:
            problems.append(f"thread {os.path.basename(t)} allowed on {format_cpu_list(allowed)}")
        if last is not None:
            ran_on.add(last)
            # The kernel enforces the mask from the moment it is set: a thread whose mask is right but whose
            # last CPU is outside has simply not run since pinning (an idle pool thread).
            if last not in want and allowed is None:
                problems.append(f"thread {os.path.basename(t)} last ran on CPU {last}")
    status = "verified" if not problems else "violated: " + "; ".join(problems[:3])
    return {"status": status, "threads": len(tasks), "ran_on": sorted(ran_on)}

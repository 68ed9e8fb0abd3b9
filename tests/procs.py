"""Processes a test started, found by a tag in their environment (children inherit it, whoever reaps them)."""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from pathlib import Path

TAG = "EDGEPARETO_TEST_TAG"


def new_tag() -> str:
    return uuid.uuid4().hex


def tagged(tag: str) -> list[int]:
    """Live (not zombie) processes whose environment carries ``EDGEPARETO_TEST_TAG=tag``."""
    needle = f"{TAG}={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def wait_until_gone(tag: str, within_s: float) -> list[int]:
    """Poll until no tagged process is left; the ones still there after ``within_s``."""
    deadline = time.monotonic() + within_s
    while (left := tagged(tag)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def kill_all(tag: str) -> None:
    """Clean-up after a failed test: no stray process may outlive it."""
    for pid in tagged(tag):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)

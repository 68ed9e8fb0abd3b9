"""A local Ray head for ``--executor ray`` without an address, tied to the driver's lifetime.

``ray.init()`` without an address starts the head's processes as the driver's children; the GCS and the
raylet share its fate, but the raylet's own children (``ray::DashboardAgent``, ``ray::RuntimeEnvAgent``,
busy workers) outlived a ``kill -9`` of a sweep by about 100 s with ppid 1. Here the head is
``ray start --head --block`` under a guard (``_ray_guard.py``) in a session of its own, holding the
read end of a lifeline pipe: when the driver closes it or dies, the guard kills every process below it.
A terminal's Ctrl-C reaches the driver only (the head is not in its process group); the driver ends the
head in :meth:`LocalHead.stop`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from edgepareto.compute.loopback import free_port
from edgepareto.errors import EdgeParetoError

GUARD = Path(__file__).with_name("_ray_guard.py")


@dataclass
class LocalHead:
    """A running head: ``address`` is what ``ray.init`` connects to; ``guard`` the process that owns it."""

    guard: subprocess.Popen
    address: str
    folder: Path
    lifeline: int  # the pipe's write end: held by this process only

    @classmethod
    def start(cls, timeout: float = 120.0) -> LocalHead:
        """Start the head under its guard and wait until it accepts connections (one line if it cannot)."""
        folder = Path(tempfile.mkdtemp(prefix="ep-ray-"))  # short: Ray's socket paths are limited to 107 bytes
        port = free_port()
        read_end, write_end = os.pipe()
        env = {**os.environ, **auth_env(), "RAY_USAGE_STATS_ENABLED": "0", "EDGEPARETO_LIFELINE_FD": str(read_end),
               "EDGEPARETO_RAY_TEMP": str(folder)}  # fmt: skip
        try:
            with (folder / "head.log").open("wb") as log:
                guard = subprocess.Popen(
                    [sys.executable, str(GUARD), *_ray_start(port, folder)],
                    env=env,
                    pass_fds=(read_end,),
                    start_new_session=True,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
        except BaseException:
            os.close(write_end)
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            os.close(read_end)
        head = cls(guard, f"127.0.0.1:{port}", folder, write_end)
        try:
            head._wait(timeout)
        except BaseException:
            head.stop()
            raise
        return head

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.guard.poll() is not None:
                raise EdgeParetoError(
                    f"the local Ray head did not start ({self._log_tail()}); check `ray start --head` on this host"
                )
            try:
                socket.create_connection(("127.0.0.1", int(self.address.rsplit(":", 1)[1])), timeout=1).close()
                return
            except OSError:
                time.sleep(0.3)
        raise EdgeParetoError(f"the local Ray head did not start in {timeout:.0f} s; check `ray start --head`")

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            lines = (self.folder / "head.log").read_text(errors="replace").strip().splitlines()
            return lines[-1][:200] if lines else "no output"
        return "no log"

    def stop(self, timeout: float = 30.0) -> None:
        """End the head: close the lifeline (the guard kills everything below it) and wait for the guard."""
        with contextlib.suppress(OSError):
            os.close(self.lifeline)
        try:
            self.guard.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.guard.pid, 9)
            self.guard.wait(timeout=5)
        shutil.rmtree(self.folder, ignore_errors=True)


@functools.cache
def auth_env() -> dict[str, str]:
    """Token authentication with a token of this process's own, given to the head and set in this process
    before ``ray.init`` (as ``ray.init()`` would enable it, but without writing ``~/.ray/auth_token``, which
    would switch every later ``ray start`` on this host to token mode)."""
    return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}


def _ray_start(port: int, folder: Path) -> list[str]:
    """``ray start`` for a head with free ports (other Ray instances on this host keep theirs)."""
    ray = str(Path(sys.executable).with_name("ray"))
    return [
        ray,
        "start",
        "--head",
        "--block",
        f"--port={port}",
        "--include-dashboard=false",
        f"--node-manager-port={free_port()}",
        f"--object-manager-port={free_port()}",
        f"--ray-client-server-port={free_port()}",
        f"--dashboard-agent-listen-port={free_port()}",
        f"--dashboard-agent-grpc-port={free_port()}",
        f"--metrics-export-port={free_port()}",
        f"--runtime-env-agent-port={free_port()}",
        f"--temp-dir={folder / 'ray'}",
        "--node-ip-address=127.0.0.1",
        "--disable-usage-stats",
    ]

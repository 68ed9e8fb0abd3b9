"""A real Ray cluster on loopback, for tests and benchmarks: a head and worker nodes, each its own ``ray start``.

Every node is one ``ray start --block`` child in its own process group, with its own CPUs, object
store, temp folder, blob folder and ports; ``stop`` ends exactly the processes this cluster started
(its process groups, then anything still naming its temp folder), never other Ray instances.
A node may run hidden from some folders (a private mount namespace with an empty tmpfs over each;
needs root and ``unshare``): the "only the driver sees the data" case.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from edgepareto.errors import EdgeParetoError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RayNode:
    name: str
    proc: subprocess.Popen
    node_manager_port: int
    cpus: int
    folder: Path

    def raylet_pid(self) -> int | None:
        """The pid of this node's raylet (found by its node-manager port)."""
        flag = f"--node_manager_port={self.node_manager_port}".encode()
        for pid, cmd in _processes():
            if b"raylet" in cmd.split(b"\0")[0] and flag in cmd:
                return pid
        return None


def _processes() -> list[tuple[int, bytes]]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                out.append((int(d.name), (d / "cmdline").read_bytes()))
            except OSError:
                continue
    return out


@dataclass
class LoopbackCluster:
    """``with LoopbackCluster(root) as c: c.add_node(cpus=1)``; ``c.address`` is what the driver connects to."""

    root: Path | None = None
    head_cpus: int = 1
    object_store_mb: int = 200
    nodes: list[RayNode] = field(default_factory=list)
    address: str = ""

    def __enter__(self) -> LoopbackCluster:
        self.root = Path(tempfile.mkdtemp(prefix="ep-ray-", dir=self.root or "/tmp"))
        port = free_port()
        self.address = f"127.0.0.1:{port}"
        self._start(
            "head",
            self.head_cpus,
            ["--head", f"--port={port}", "--include-dashboard=false", f"--ray-client-server-port={free_port()}"],
        )
        self._wait_for_head()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_node(
        self, cpus: int = 1, *, hidden: tuple[Path, ...] = (), cwd: Path | None = None, resources: dict | None = None
    ) -> RayNode:
        """A worker node; ``hidden`` folders read as empty on it, ``cwd`` is where it runs, ``resources`` its
        custom resources (``{"device:rpi5": 1}``: a board that joined the cluster)."""
        extra = [f"--address={self.address}"] + ([f"--resources={json.dumps(resources)}"] if resources else [])
        node = self._start(f"node{len(self.nodes)}", cpus, extra, hidden, cwd)
        self._wait_for_cpus(self.cpus)
        return node

    @property
    def cpus(self) -> int:
        return sum(n.cpus for n in self.nodes)

    def _start(
        self, name: str, cpus: int, extra: list[str], hidden: tuple[Path, ...] = (), cwd: Path | None = None
    ) -> RayNode:
        assert self.root is not None
        folder = self.root / name
        (folder / "blobs").mkdir(parents=True)
        nm_port = free_port()
        ray = str(Path(sys.executable).with_name("ray"))
        cmd = [
            ray,
            "start",
            "--block",
            f"--num-cpus={cpus}",
            f"--object-store-memory={self.object_store_mb << 20}",
            f"--node-manager-port={nm_port}",
            f"--object-manager-port={free_port()}",
            f"--dashboard-agent-listen-port={free_port()}",
            f"--dashboard-agent-grpc-port={free_port()}",
            f"--metrics-export-port={free_port()}",
            f"--runtime-env-agent-port={free_port()}",
            f"--temp-dir={folder / 'ray'}",
            "--node-ip-address=127.0.0.1",
            "--disable-usage-stats",
            *extra,
        ]
        if hidden:
            mounts = " && ".join(f"mount -t tmpfs tmpfs '{h}'" for h in hidden)
            cmd = [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "--",
                "sh",
                "-c",
                f'{mounts} && exec "$@"',
                "sh",
                *cmd,
            ]
        env = {
            **os.environ,
            "RAY_USAGE_STATS_ENABLED": "0",
            "EDGEPARETO_RAY_BLOBS": str(folder / "blobs"),
            "EDGEPARETO_HOME": str(folder / "home"),
        }
        log = (folder / "start.log").open("wb")
        proc = subprocess.Popen(
            cmd, cwd=cwd or folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        node = RayNode(name, proc, nm_port, cpus, folder)
        self.nodes.append(node)
        return node

    def _wait_for_head(self, timeout: float = 120.0) -> None:
        host, _, port = self.address.rpartition(":")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                socket.create_connection((host, int(port)), timeout=1).close()
                return self._wait_for_cpus(self.cpus)
            except OSError:
                time.sleep(0.5)
        raise EdgeParetoError(f"the Ray head did not start in {timeout:.0f} s; see {self.root}/head/start.log")

    def _wait_for_cpus(self, cpus: int, timeout: float = 120.0) -> None:
        """Until the cluster counts ``cpus`` CPUs (every node started has registered), asked as a driver."""
        import ray

        deadline = time.monotonic() + timeout
        ray.init(address=self.address, log_to_driver=False, logging_level=logging.ERROR)
        try:
            while time.monotonic() < deadline:
                self._check_alive()
                if ray.cluster_resources().get("CPU", 0) >= cpus:
                    return
                time.sleep(0.5)
        finally:
            ray.shutdown()
        raise EdgeParetoError(f"Ray nodes did not come up in {timeout:.0f} s; see the start.log files in {self.root}")

    def _check_alive(self) -> None:
        for n in self.nodes:
            if n.proc.poll() is not None:
                raise EdgeParetoError(f"ray start for {n.name} exited ({n.proc.returncode}); see {n.folder}/start.log")

    def kill_raylet(self, node: RayNode) -> int:
        """SIGKILL the node's raylet (its workers die with it); the pid that was killed."""
        pid = node.raylet_pid()
        if pid is None:
            raise EdgeParetoError(f"{node.name} has no raylet running")
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        """End this cluster's processes only: each node's process group, then any stragglers naming its folder."""
        for n in reversed(self.nodes):
            _end_group(n.proc)
        if self.root is not None:
            mark = str(self.root).encode()
            for pid, cmd in _processes():
                if mark in cmd and pid != os.getpid():
                    with _ignore():
                        os.kill(pid, signal.SIGKILL)
            shutil.rmtree(self.root, ignore_errors=True)
        self.nodes.clear()

    def leftovers(self) -> list[int]:
        """Pids of processes that still name this cluster's folder (none after ``stop``)."""
        mark = str(self.root).encode()
        return [pid for pid, cmd in _processes() if mark in cmd and pid != os.getpid()]


def _end_group(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        with _ignore():
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    with _ignore():
        os.killpg(proc.pid, signal.SIGKILL)  # what the node's processes left in its group


class _ignore:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, *rest: object) -> bool:
        return kind is not None and issubclass(kind, ProcessLookupError | PermissionError)

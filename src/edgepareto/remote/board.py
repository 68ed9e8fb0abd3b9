"""A session with one board: ship the agent and artifacts (content-addressed), fingerprint, measure.

The agent is the bench core (engines/_base.py, engines/litert.py, bench/*.py core modules) plus
:mod:`edgepareto.remote._agent`, copied flat into ``<project folder>/agent/<hash>/`` on the board;
artifacts go to ``<project folder>/blobs/<sha256><suffix>``. Names are content hashes, so a rerun
uploads nothing new and two versions of the agent never mix.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from edgepareto.errors import EdgeParetoError, ModelFileError
from edgepareto.remote._ssh import Completed, Connection
from edgepareto.remote.errors import BoardRuntimeError
from edgepareto.remote.inventory import Board

log = logging.getLogger(__name__)

_PKG = Path(__file__).resolve().parents[1]  # src/edgepareto
#: file name on the board -> file in the package. Board-shippable: stdlib + NumPy + TFLite runtime only.
AGENT_FILES: dict[str, str] = {
    "_base.py": "engines/_base.py",
    "litert.py": "engines/litert.py",
    "_sysfs.py": "bench/_sysfs.py",
    "cpus.py": "bench/cpus.py",
    "pinning.py": "bench/pinning.py",
    "protocol.py": "bench/protocol.py",
    "stats.py": "bench/stats.py",
    "telemetry.py": "bench/telemetry.py",
    "sensors.py": "bench/sensors.py",
    "energy.py": "bench/energy.py",
    "interference.py": "bench/interference.py",
    "processes.py": "bench/processes.py",
    "_child.py": "bench/_child.py",
    "errors.py": "errors.py",
    "_guard.py": "bench/_guard.py",
    "edgepareto_agent.py": "remote/_agent.py",
}
AGENT = "edgepareto_agent.py"
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}")


@dataclass(frozen=True)
class AgentBundle:
    """The files shipped to a board and the hash that names their folder there."""

    digest: str
    files: dict[str, Path]


@lru_cache(maxsize=1)
def agent_bundle() -> AgentBundle:
    """Hash of every shipped file's name and bytes: a changed module lands in a new folder on the board.

    A file this install lacks is left out; the agent then reports the failed import as one line.
    """
    h = hashlib.sha256()
    files = {}
    for name in sorted(AGENT_FILES):
        path = _PKG / AGENT_FILES[name]
        if not path.is_file():
            continue
        h.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
        files[name] = path
    return AgentBundle(h.hexdigest()[:16], files)


def file_digest(path: Path) -> str:
    """sha256 of a file, cached on (path, size, mtime) so a sweep does not rehash a 17 MB model per board."""
    st = path.stat()
    return _digest(str(path.resolve()), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=1024)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class RemoteBoard:
    """One board, one SSH connection, reused for every command; reconnects lazily after a drop."""

    def __init__(self, board: Board, *, accept_new_host_key: bool = False) -> None:
        self.board = board
        self.accept_new_host_key = accept_new_host_key
        self._conn: Connection | None = None
        self._agent_dir: str | None = None
        self._fingerprint: Any = None
        self._versions: dict[str, Any] | None = None
        self.uploaded_files = 0  # over the life of this object, reconnects included
        self.uploaded_bytes = 0

    def __enter__(self) -> RemoteBoard:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self.uploaded_files += self._conn.uploaded_files
            self.uploaded_bytes += self._conn.uploaded_bytes
            self._conn.close()
        self._conn = None
        self._agent_dir = None

    @property
    def conn(self) -> Connection:
        if self._conn is None or not self._conn.alive:
            self.close()
            self._conn = Connection(self.board, accept_new_host_key=self.accept_new_host_key).open()
        return self._conn

    # -- shipping -----------------------------------------------------------------------------------
    def ensure_agent(self) -> str:
        """Upload the agent files not already on the board; returns the agent's folder there."""
        if self._agent_dir is not None:
            return self._agent_dir
        bundle = agent_bundle()
        conn = self.conn
        folder = conn.confined("agent", bundle.digest)
        present = conn.listdir(folder)
        if not present:
            conn._mkdirs(folder)
        # the entry point last: its presence means the rest is complete
        for name in sorted(bundle.files, key=lambda n: n == AGENT):
            local = bundle.files[name]
            if present.get(name) != local.stat().st_size:
                conn.upload(local, conn.confined("agent", bundle.digest, name))
        self._agent_dir = folder
        return folder

    def upload_artifact(self, path: str | Path) -> str:
        """The artifact's path on the board, uploading it only if that content is not there yet."""
        path = Path(path)
        if not path.is_file():
            raise ModelFileError(f"{path}: model file not found")
        suffix = path.suffix if _SUFFIX.fullmatch(path.suffix) else ""
        remote = self.conn.confined("blobs", file_digest(path) + suffix)
        self.conn.upload(path, remote)
        return remote

    # -- agent calls --------------------------------------------------------------------------------
    def agent(self, command: str, *, request: dict[str, Any] | None = None, timeout: float = 120.0) -> dict[str, Any]:
        """Run one agent command; returns its reply (``ok`` true or a ``measure`` failure), raises otherwise."""
        folder = self.ensure_agent()
        conn = self.conn
        env = {**self.board.environment, "EDGEPARETO_AGENT_TMP": conn.confined("tmp")}
        stdin = json.dumps(request).encode() if request is not None else None
        done = conn.run([self.board.python, f"{folder}/{AGENT}", command], env=env, stdin=stdin, timeout=timeout)
        return self._parse(done)

    def _parse(self, done: Completed) -> dict[str, Any]:
        b = self.board
        lines = [ln for ln in done.stdout.splitlines() if ln.strip()]
        reply = None
        if lines:
            try:
                reply = json.loads(lines[-1])
            except ValueError:
                reply = None
        if not isinstance(reply, dict):
            err = (done.stderr.strip().splitlines() or ["no output"])[-1]
            if done.status == 127 or ("No such file or directory" in err and b.python in err):
                raise BoardRuntimeError(
                    f'board {b.name}: Python {b.python!r} not found on the board; set python = "/usr/bin/python3" '
                    f"(or the right path) for this board in the inventory"
                )
            raise BoardRuntimeError(
                f"board {b.name}: the agent failed (exit status {done.status}: {err}); check that {b.python} is "
                f"Python >= 3.9 on the board"
            )
        if reply.get("ok") or reply.get("kind") == "measure":
            return reply
        raise BoardRuntimeError(f"board {b.name}: {reply.get('error', 'agent error')}")

    def check(self) -> dict[str, Any]:
        """Python, NumPy and runtime versions on the board (no measurement), fetched once per session.

        ``missing`` is the agent's one-line fix when the board's Python cannot measure, else None.
        """
        if self._versions is None:
            self._versions = self.agent("check")["result"]
        return self._versions

    @property
    def uses_benchmark_model(self) -> bool:
        """True when the board measures with its ``benchmark_model`` binary (no Python TFLite runtime)."""
        return bool(self.board.benchmark_model) and bool(self.check().get("missing"))

    def require_runtime(self) -> dict[str, Any]:
        """Versions, or a one-line :class:`BoardRuntimeError` naming what to install on the board.

        A board without a Python runtime but with ``benchmark_model`` in the inventory passes.
        """
        versions = self.check()
        fix = versions.get("missing")
        if fix and not self.board.benchmark_model:
            raise BoardRuntimeError(f"board {self.board.name}: {fix}")
        return versions

    def fingerprint(self) -> Any:
        """The board's ``Fingerprint`` (clusters, caches, kernel, runtimes), fetched once per session."""
        if self._fingerprint is None:
            from edgepareto.bench.cpus import Fingerprint

            fp = self._flag(self.agent("fingerprint")["result"])
            if fp is None:
                raise BoardRuntimeError(f"board {self.board.name}: the agent sent no fingerprint; rerun with --debug")
            self._fingerprint = Fingerprint.from_json(fp)
        return self._fingerprint

    def _flag(self, fp: dict[str, Any] | None) -> dict[str, Any] | None:
        """The fingerprint with the inventory's ``emulated = true`` applied when the agent saw no emulation."""
        if fp is None or not self.board.emulated or fp.get("emulation"):
            return fp
        return {**fp, "emulation": "emulated = true in the inventory"}

    def _emulated(self, m: Any) -> Any:
        """A measurement from an emulated board says so: in its device fingerprint and in a warning."""
        from dataclasses import replace

        device = self._flag(m.device)
        why = (device or {}).get("emulation")
        if not why:
            return m
        note = f"emulated ({why}): not the board's real speed"
        return replace(m, device=device, warnings=[*m.warnings, note])

    def measure(
        self,
        artifact: str | Path,
        *,
        protocol: Any = None,
        threads: int = 1,
        cluster: str | None = None,
        cpus: list[int] | None = None,
        engine: str = "litert",
        **options: Any,
    ) -> Any:
        """Measure ``artifact`` on the board with the bench core; returns an ``edgepareto.bench`` Measurement.

        The same child as on the host (``_child.py``: pinning, telemetry, statistics) runs on the
        board. A model that fails there gives a failed Measurement (one-line error); a board that
        cannot be reached raises :class:`BoardUnreachable` (the farm retries it).
        """
        from edgepareto.bench import child_request
        from edgepareto.bench.protocol import Measurement, Protocol

        protocol = protocol if protocol is not None else Protocol.fast()
        local = Path(artifact)
        remote = self.upload_artifact(local)
        if self.uses_benchmark_model:
            return self._emulated(self._benchmark_model(local, remote, protocol, threads, cluster, cpus))
        request = child_request(
            remote, engine=engine, threads=threads, cpus=cpus, cluster=cluster, protocol=protocol, **options
        )
        request["agent_timeout_s"] = protocol.timeout_s  # the agent kills a hung child after this
        context = {"model": str(local), "engine": engine, "threads": threads, "cluster": cluster,
                   "protocol": protocol.to_json()}  # fmt: skip
        reply = self.agent("measure", request=request, timeout=protocol.timeout_s + 120.0)
        if not reply.get("ok"):
            kind = "timeout" if "did not finish" in str(reply.get("error")) else "crash"
            return self._emulated(
                Measurement.failed(f"on board {self.board.name}: {reply.get('error')}", kind, **context)
            )
        doc = dict(reply["result"])
        doc["model"] = str(local)  # the host's name for it; the board's copy is named by its hash
        m = self._emulated(Measurement.from_json(doc))
        if m.device is not None and self._fingerprint is None:
            from edgepareto.bench.cpus import Fingerprint

            self._fingerprint = Fingerprint.from_json(m.device)
        return m

    def _benchmark_model(
        self, local: Path, remote: str, protocol: Any, threads: int, cluster: str | None, cpus: list[int] | None
    ) -> Any:
        """One measurement with the board's ``benchmark_model`` binary, its log imported (see _benchmark_model)."""
        from edgepareto.bench.protocol import Measurement
        from edgepareto.remote._benchmark_model import benchmark_model_argv, imported_measurement

        fp = self.fingerprint()
        context = {"model": str(local), "engine": "tflite benchmark_model", "threads": threads, "cluster": cluster,
                   "protocol": protocol.to_json(), "device": fp.to_json()}  # fmt: skip
        try:
            pin = list(fp.cluster(cluster).cpus) if cluster else sorted(cpus or [])
        except EdgeParetoError as exc:
            return Measurement.failed(f"on board {self.board.name}: {exc}", "device", **context)
        argv = benchmark_model_argv(self.board.benchmark_model, remote, protocol, threads)
        request = {"argv": argv, "cpus": pin, "timeout_s": protocol.timeout_s}
        reply = self.agent("benchmark", request=request, timeout=protocol.timeout_s + 120.0)
        if not reply.get("ok"):
            kind = "timeout" if "did not finish" in str(reply.get("error")) else "crash"
            return Measurement.failed(f"on board {self.board.name}: {reply.get('error')}", kind, **context)
        return imported_measurement(
            reply["result"],
            board=self.board.name,
            model=str(local),
            cluster=cluster,
            device=fp.to_json(),
            protocol=protocol,
        )


def describe(board: Board, *, fetch: bool = True, accept_new_host_key: bool = False) -> dict[str, Any]:
    """One inventory entry as JSON, with its fingerprint and versions fetched over SSH when ``fetch``.

    Never raises for a board problem: the entry says ``status`` (ok, unreachable, host-key, auth,
    runtime) and the one-line ``error``, so one dead board does not hide the others.
    """
    from edgepareto.remote.errors import AuthError, BoardUnreachable, HostKeyError

    doc: dict[str, Any] = {**board.to_json(), "status": "not checked", "fingerprint": None, "versions": None}
    if not fetch:
        return doc
    try:
        with RemoteBoard(board, accept_new_host_key=accept_new_host_key) as rb:
            doc["versions"] = rb.check()
            fp = rb.fingerprint()  # the standard library suffices: shown even when the runtime is missing
            doc["fingerprint"] = fp.to_json() if hasattr(fp, "to_json") else fp
            doc["emulation"] = doc["fingerprint"].get("emulation") if isinstance(doc["fingerprint"], dict) else None
            rb.require_runtime()
            if rb.uses_benchmark_model:
                doc["measures_with"] = f"benchmark_model {board.benchmark_model}"
                doc["note"] = f"{doc['versions']['missing']}; measuring with {doc['measures_with']}"
            doc["status"] = "ok"
    except EdgeParetoError as exc:
        kinds = {BoardUnreachable: "unreachable", HostKeyError: "host-key", AuthError: "auth"}
        doc["status"] = next((v for k, v in kinds.items() if isinstance(exc, k)), "runtime")
        doc["error"] = str(exc)
    return doc

"""One SSH connection to a board (Paramiko): verified host key, commands without a shell string, SFTP uploads.

Security rules kept here, in one place:
- the host key must already be in known_hosts; an unknown key is accepted (and appended to
  known_hosts) only with ``accept_new_host_key=True``, and a *changed* key is never accepted;
- the private key is only handed to Paramiko by path; neither it nor a passphrase is logged;
- every command is an argument list joined with :func:`shlex.join`, so a file or model name is
  always one quoted word, never shell syntax;
- uploads go to content-addressed names inside the board's per-project folder, nowhere else.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import os
import posixpath
import secrets
import shlex
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import paramiko

from edgepareto.remote.errors import AuthError, BoardUnreachable, HostKeyError, RemoteError
from edgepareto.remote.inventory import Board

log = logging.getLogger(__name__)
# Paramiko's DEBUG logs are a transcript of the session; keep them out of --debug output.
logging.getLogger("paramiko").setLevel(logging.WARNING)

_TRANSIENT = (OSError, EOFError, socket.timeout, paramiko.SSHException)


def key_fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's ``SHA256:...`` form, as ``ssh-keygen -lf`` prints it on the board."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def known_hosts_name(host: str, port: int) -> str:
    """The name OpenSSH and Paramiko file a host under: ``host`` on port 22, else ``[host]:port``."""
    return host if port == 22 else f"[{host}]:{port}"


class _Policy(paramiko.MissingHostKeyPolicy):
    """Unknown host key: refuse with the fingerprint to check, or (explicit flag) append it to known_hosts."""

    def __init__(self, board: Board, accept_new: bool) -> None:
        self.board = board
        self.accept_new = accept_new

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        fp = key_fingerprint(key)
        kh = self.board.known_hosts
        if not self.accept_new:
            raise HostKeyError(
                f"board {self.board.name}: host key {key.get_name()} {fp} of {hostname} is not in {kh}; "
                f"check it on the board (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and rerun with "
                f"--accept-new-host-key"
            )
        kh.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(kh, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="ascii") as f:
            f.write(f"{hostname} {key.get_name()} {key.get_base64()}\n")
        client.get_host_keys().add(hostname, key.get_name(), key)
        log.warning(
            "board %s: accepted new host key %s %s for %s into %s", self.board.name, key.get_name(), fp, hostname, kh
        )


@dataclass(frozen=True)
class Completed:
    """A finished remote command."""

    argv: tuple[str, ...]
    status: int  # exit status; -1 when the board reported none (the command died of a signal)
    stdout: str
    stderr: str


class Connection:
    """A live SSH session to one board; use as a context manager."""

    def __init__(self, board: Board, *, accept_new_host_key: bool = False) -> None:
        self.board = board
        self.accept_new_host_key = accept_new_host_key
        self._client: paramiko.SSHClient | None = None
        self._sftp: paramiko.SFTPClient | None = None
        self._root: str | None = None
        self.uploaded_files = 0
        self.uploaded_bytes = 0

    # -- connection ---------------------------------------------------------------------------------
    def open(self) -> Connection:
        b = self.board
        if b.key_file is not None and not b.key_file.is_file():
            raise AuthError(f"board {b.name}: key file {b.key_file} not found; fix `key` in the inventory")
        client = paramiko.SSHClient()
        if b.known_hosts.is_file():
            try:
                client.load_host_keys(str(b.known_hosts))
            except UnicodeDecodeError as exc:
                raise HostKeyError(
                    f"board {b.name}: known_hosts {b.known_hosts} is not UTF-8 text (byte {exc.start}); "
                    "fix or remove the damaged line (ssh-keygen -R HOST -f FILE) and reconnect"
                ) from exc
            except (OSError, paramiko.SSHException) as exc:
                raise HostKeyError(f"board {b.name}: cannot read known_hosts {b.known_hosts} ({exc})") from exc
        client.set_missing_host_key_policy(_Policy(b, self.accept_new_host_key))
        t = b.connect_timeout
        try:
            client.connect(
                b.host,
                port=b.port,
                username=b.user,
                key_filename=str(b.key_file) if b.key_file else None,
                timeout=t,
                banner_timeout=t,
                auth_timeout=t,
                channel_timeout=t,
                allow_agent=b.allow_agent,
                look_for_keys=b.key_file is None and not b.allow_agent,
            )
        except RemoteError:
            client.close()
            raise
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise HostKeyError(
                f"board {b.name}: HOST KEY CHANGED for {known_hosts_name(b.host, b.port)} "
                f"(got {key_fingerprint(exc.key)}, known_hosts has {key_fingerprint(exc.expected_key)}); "
                f"someone may be intercepting the connection: if the board was reinstalled, remove the old key "
                f"with `ssh-keygen -R '{known_hosts_name(b.host, b.port)}' -f {b.known_hosts}` and reconnect"
            ) from None
        except paramiko.PasswordRequiredException:
            client.close()
            raise AuthError(
                f"board {b.name}: key file {b.key_file} is passphrase-protected; load it in ssh-agent and "
                f"set allow_agent = true"
            ) from None
        except paramiko.AuthenticationException:
            client.close()
            raise AuthError(
                f"board {b.name}: {b.user}@{b.host} refused our key; add its public key to "
                f"~{b.user}/.ssh/authorized_keys on the board"
            ) from None
        except _TRANSIENT as exc:
            client.close()
            raise BoardUnreachable(f"board {b.name}: cannot connect to {b.address} ({_why(exc)})") from None
        transport = client.get_transport()
        if transport is not None:
            transport.set_keepalive(5)  # notice a board that vanished while a measurement runs
        self._client = client
        log.debug("board %s: connected to %s", b.name, b.address)
        return self

    def close(self) -> None:
        for thing in (self._sftp, self._client):
            if thing is not None:
                with contextlib.suppress(Exception):  # closing a dead connection must not mask the real error
                    thing.close()
        self._sftp = None
        self._client = None
        self._root = None

    def __enter__(self) -> Connection:
        if self._client is None:
            self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        t = self._client.get_transport() if self._client else None
        return bool(t and t.is_active())

    def _require(self) -> paramiko.SSHClient:
        if self._client is None:
            self.open()
        assert self._client is not None
        return self._client

    # -- commands -----------------------------------------------------------------------------------
    def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
        timeout: float = 60.0,
    ) -> Completed:
        """Run ``argv`` on the board. Each argument is quoted (``shlex.join``): no word is ever shell syntax.

        Environment variables are passed as ``env NAME=value`` arguments rather than SSH ``setenv``
        requests, which sshd refuses unless its AcceptEnv lists them.
        """
        if not argv:
            raise ValueError("empty command")
        words = list(argv)
        if env:
            words = ["env", *(f"{k}={v}" for k, v in env.items()), *words]
        command = shlex.join(words)
        client = self._require()
        name = self.board.name
        try:
            transport = client.get_transport()
            if transport is None or not transport.is_active():
                raise BoardUnreachable(f"board {name}: connection lost")
            chan = transport.open_session(timeout=self.board.connect_timeout)
            chan.exec_command(command)
            if stdin is not None:
                chan.sendall(stdin)
            chan.shutdown_write()
            out, err = bytearray(), bytearray()
            deadline = time.monotonic() + timeout
            while True:
                busy = False
                while chan.recv_ready():
                    out += chan.recv(65536)
                    busy = True
                while chan.recv_stderr_ready():
                    err += chan.recv_stderr(65536)
                    busy = True
                if chan.exit_status_ready() and not chan.recv_ready() and not chan.recv_stderr_ready():
                    break
                if chan.closed or not transport.is_active():
                    raise BoardUnreachable(f"board {name}: connection dropped while running {words[-2:]!r}")
                if time.monotonic() > deadline:
                    chan.close()
                    raise BoardUnreachable(f"board {name}: no answer within {timeout:.0f} s; the board may hang")
                if not busy:
                    time.sleep(0.01)
            status = chan.recv_exit_status()
            if status == -1 and not transport.is_active():  # Paramiko's "closed without a status"
                raise BoardUnreachable(f"board {name}: connection dropped while running {words[-2:]!r}")
            chan.close()
        except RemoteError:
            self.close()
            raise
        except _TRANSIENT as exc:
            self.close()
            raise BoardUnreachable(f"board {name}: connection dropped ({_why(exc)})") from None
        return Completed(tuple(words), status, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))

    # -- files --------------------------------------------------------------------------------------
    def _sftp_client(self) -> paramiko.SFTPClient:
        if self._sftp is None:
            try:
                self._sftp = self._require().open_sftp()
            except _TRANSIENT as exc:
                self.close()
                raise BoardUnreachable(f"board {self.board.name}: SFTP unavailable ({_why(exc)})") from None
        return self._sftp

    def root(self) -> str:
        """Absolute path of the board's per-project folder (created 0700 on first use)."""
        if self._root is None:
            try:
                self._root = self._mkdirs(self.board.folder)
                for sub in ("blobs", "agent", "tmp"):
                    self._mkdirs(posixpath.join(self._root, sub))
                self._sweep_parts(posixpath.join(self._root, "tmp"))
            except _TRANSIENT as exc:
                self.close()
                raise BoardUnreachable(f"board {self.board.name}: cannot prepare folder ({_why(exc)})") from None
        return self._root

    def _sweep_parts(self, tmp: str, age_s: float = 3600.0) -> None:
        """Remove partial uploads an old dropped connection left behind (not a concurrent upload's)."""
        sftp = self._sftp_client()
        now = time.time()
        for a in sftp.listdir_attr(tmp):
            if a.filename.endswith(".part") and (a.st_mtime or now) < now - age_s:
                with contextlib.suppress(OSError):
                    sftp.remove(posixpath.join(tmp, a.filename))

    def _mkdirs(self, path: str) -> str:
        sftp = self._sftp_client()
        parts = [p for p in path.split("/") if p]
        cur = "/" if path.startswith("/") else "."
        for p in parts:
            cur = posixpath.join(cur, p)
            try:
                sftp.stat(cur)
            except FileNotFoundError:
                try:
                    sftp.mkdir(cur, mode=0o700)
                except OSError:  # another session (a second sweep) made it first: fine if it is there now
                    sftp.stat(cur)
        return sftp.normalize(cur)

    def confined(self, *parts: str) -> str:
        """A path inside the project folder; refuses anything that would leave it."""
        root = self.root()
        for p in parts:
            if not p or "/" in p or p in (".", "..") or "\x00" in p:
                raise RemoteError(f"board {self.board.name}: refusing remote name {p!r} outside {root}")
        return posixpath.join(root, *parts)

    def upload(self, local: Path, remote: str) -> bool:
        """Copy ``local`` to ``remote`` (a :meth:`confined` path) unless a file of that size is there.

        Names are content hashes, so an existing file of the right size is the same file. The copy
        goes to ``tmp/`` first and is renamed into place, so a dropped connection never leaves a
        truncated file under the final name. Returns True when bytes were sent.
        """
        root = self.root()
        if not remote.startswith(root + "/"):
            raise RemoteError(f"board {self.board.name}: refusing upload to {remote} outside {root}")
        sftp = self._sftp_client()
        size = local.stat().st_size
        try:
            try:
                if sftp.stat(remote).st_size == size:
                    return False
            except FileNotFoundError:
                pass
            part = posixpath.join(root, "tmp", f"{posixpath.basename(remote)}.{secrets.token_hex(4)}.part")
            sftp.put(str(local), part, confirm=True)
            sftp.chmod(part, 0o600)
            sftp.posix_rename(part, remote)
        except _TRANSIENT as exc:
            self.close()
            raise BoardUnreachable(f"board {self.board.name}: upload of {local.name} failed ({_why(exc)})") from None
        self.uploaded_files += 1
        self.uploaded_bytes += size
        log.debug("board %s: uploaded %s (%d bytes)", self.board.name, posixpath.basename(remote), size)
        return True

    def listdir(self, path: str) -> dict[str, int]:
        """Names and sizes in a remote folder (empty if it does not exist)."""
        try:
            return {a.filename: int(a.st_size or 0) for a in self._sftp_client().listdir_attr(path)}
        except FileNotFoundError:
            return {}
        except _TRANSIENT as exc:
            self.close()
            raise BoardUnreachable(f"board {self.board.name}: cannot list {path} ({_why(exc)})") from None


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

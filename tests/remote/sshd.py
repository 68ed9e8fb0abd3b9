"""A real OpenSSH server on 127.0.0.1 for the tests: throw-away host key, user key and sshd_config.

Each :class:`Sshd` is one "board". It runs in its own process group so :meth:`kill` drops the
listener *and* every open session at once, as a board losing power would.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
SSH_KEYGEN = shutil.which("ssh-keygen") or "/usr/bin/ssh-keygen"


def sshd_available() -> str | None:
    """None when the tests can start sshd, else why not (the skip reason)."""
    if not Path(SSHD).is_file() or not Path(SSH_KEYGEN).is_file():
        return "OpenSSH server not installed; run scripts/system-deps.sh (Debian openssh-server)"
    return None


def keygen(path: Path) -> Path:
    subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", "edgepareto-test", "-f", str(path)], check=True)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children first found, then theirs), from /proc/*/stat."""
    parent: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            parent[int(d.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        kids = [p for p, pp in parent.items() if pp in frontier]
        found += kids
        frontier = kids
    return found


class Sshd:
    """One sshd listening on a loopback port, for the current user, public-key auth only."""

    def __init__(self, folder: Path, user_pub: Path, *, host_key: Path | None = None, port: int | None = None):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.host_key = host_key or keygen(folder / "ssh_host_ed25519_key")
        self.port = port or free_port()
        self.user = getpass.getuser()
        authorized = folder / "authorized_keys"
        shutil.copyfile(user_pub, authorized)
        authorized.chmod(0o600)
        self.config = folder / "sshd_config"
        self.config.write_text(
            "\n".join(
                [
                    "ListenAddress 127.0.0.1",
                    f"Port {self.port}",
                    f"HostKey {self.host_key}",
                    f"AuthorizedKeysFile {authorized}",
                    f"PidFile {folder / 'sshd.pid'}",
                    f"AllowUsers {self.user}",
                    "PermitRootLogin prohibit-password",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "StrictModes no",  # pytest's tmp folders sit under world-writable /tmp
                    "PermitUserEnvironment no",
                    "X11Forwarding no",
                    "AllowTcpForwarding no",
                    "Subsystem sftp internal-sftp",
                    # The login shell is this machine's, and bash sources ~/.bashrc for ssh commands when
                    # SHLVL < 2. Here root's ~/.bashrc runs pyenv, whose rehash lock a killed "board" can
                    # leave behind, stalling every later command by 60 s. Boards' login files are not
                    # what these tests are about.
                    "SetEnv SHLVL=1",
                    "LogLevel ERROR",
                    "",
                ]
            )
        )
        self.log = folder / "sshd.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> Sshd:
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation folder
        subprocess.run([SSHD, "-t", "-f", str(self.config)], check=True)
        self.proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd exited at start: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(64).startswith(b"SSH-2.0"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"sshd did not listen on 127.0.0.1:{self.port} within {timeout} s")

    def kill(self) -> None:
        """SIGKILL the listener, every session and every command they run, like a board powering off.

        sshd puts each connection in a session of its own (setsid), so the process group is not
        enough: the tree is walked through /proc.
        """
        if self.proc is None:
            return
        tree = [self.proc.pid, *descendants(self.proc.pid)]
        for sig in (signal.SIGSTOP, signal.SIGKILL):  # freeze first: no process may answer for another
            for pid in tree:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
        self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        self.kill()  # sessions left behind would outlive the test otherwise

    def known_hosts_line(self) -> str:
        pub = Path(f"{self.host_key}.pub").read_text().split()
        return f"[127.0.0.1]:{self.port} {pub[0]} {pub[1]}\n"

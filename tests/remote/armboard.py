"""Emulated ARM boards for the slow tests: Debian bookworm arm64/armhf root file systems run under qemu-user.

``python -m tests.remote.armboard build [arm64] [armhf]`` (or ``scripts/build-arm-rootfs.sh``) builds
and caches them; the slow tests build-or-reuse them through :func:`ensure_rootfs`.

- **Build** (root, Debian's ``debootstrap`` and ``qemu-user-static``): ``debootstrap --variant=minbase``
  with ``python3 python3-numpy openssh-server``; for arm64 the aarch64 ``ai-edge-litert`` wheel (the
  newest the package index offers for CPython 3.11 on manylinux aarch64) and its pure-Python
  dependencies are unpacked into ``/usr/local/lib/python3.11/dist-packages``. armhf gets no TFLite
  runtime: none is published for 32-bit ARM. A finished system is renamed into place with a
  stamp (``<cache>/<name>.json``: recipe, build seconds, versions), so an interrupted build is
  never reused and a changed recipe rebuilds.
- **Cache**: ``$EDGEPARETO_ROOTFS_CACHE``, default ``~/.cache/edgepareto/rootfs``; downloaded
  ``.deb`` files and wheels are kept beside the systems.
- **binfmt**: :func:`binfmt` registers ``/usr/lib/binfmt.d/qemu-{aarch64,arm}.conf`` in
  ``/proc/sys/fs/binfmt_misc`` (mounting it first if needed) and unregisters only what it
  registered (flag ``F``: the interpreter is opened at registration, so nothing is copied into
  the chroot).
- **Board**: :class:`ChrootSshd` starts the system's own Debian ``sshd`` (emulated) on 127.0.0.1
  in a private mount namespace (``unshare --mount``) with the real ``/proc`` mounted in the chroot
  (so the host's x86 ``/proc/cpuinfo`` shows through, as it does under qemu-user), its own host
  key (made by Debian's postinst at build time), and the Exynos 5422 fake ``/sys`` + ``/proc``
  of ``tests/bench/fakesys.py`` copied to ``/opt/fake-exynos5422`` inside the root file system.
  Nothing is mounted outside the namespace: killing sshd leaves no mount behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.bench import fakesys
from tests.remote.sshd import SSH_KEYGEN, descendants, free_port

SUITE = "bookworm"
MIRROR = os.environ.get("EDGEPARETO_DEBIAN_MIRROR", "http://deb.debian.org/debian")
BINFMT = Path("/proc/sys/fs/binfmt_misc")
FAKE_SOC = "/opt/fake-exynos5422"  # inside the root file system


@dataclass(frozen=True)
class Arch:
    name: str  # Debian architecture
    qemu: str  # binfmt entry / qemu suffix
    machine: str  # what uname -m says under qemu-user
    packages: tuple[str, ...]
    wheels: tuple[str, ...]  # pip requirements unpacked into /usr/local (platform wheels for `platform`)
    platform: str | None = None


BASE_PACKAGES = ("python3", "python3-numpy", "openssh-server")
ARCHES = {
    "arm64": Arch(
        "arm64",
        "aarch64",
        "aarch64",
        BASE_PACKAGES,
        ("ai-edge-litert", "flatbuffers", "tqdm", "typing-extensions", "backports.strenum"),
        "manylinux_2_17_aarch64",
    ),
    "armhf": Arch("armhf", "arm", "armv7l", BASE_PACKAGES, ()),
}


def cache_dir() -> Path:
    return Path(os.environ.get("EDGEPARETO_ROOTFS_CACHE") or Path.home() / ".cache/edgepareto/rootfs").expanduser()


def recipe(arch: Arch) -> dict:
    return {"suite": SUITE, "arch": arch.name, "packages": list(arch.packages), "wheels": list(arch.wheels),
            "platform": arch.platform, "format": 1}  # fmt: skip


def rootfs_path(arch: str) -> Path:
    return cache_dir() / f"{SUITE}-{arch}"


def stamp_path(arch: str) -> Path:
    return cache_dir() / f"{SUITE}-{arch}.json"


# -- what is needed ------------------------------------------------------------------------------


def unavailable(arches: tuple[str, ...] = ("arm64",)) -> str | None:
    """None when emulated boards can be built and run here, else why not (the skip reason)."""
    if os.geteuid() != 0:
        return "emulated ARM boards need root (debootstrap, chroot, binfmt_misc)"
    for tool, package in (("debootstrap", "debootstrap"), ("unshare", "util-linux"), ("chroot", "coreutils")):
        if shutil.which(tool) is None:
            return f"{tool} not found; install Debian's {package} (apt-get install {package} qemu-user-static)"
    for a in arches:
        conf = Path(f"/usr/lib/binfmt.d/qemu-{ARCHES[a].qemu}.conf")
        if not conf.is_file():
            return f"{conf} not found; install Debian's qemu-user-static (apt-get install qemu-user-static)"
    if not BINFMT.is_dir():
        return f"{BINFMT} does not exist (no binfmt_misc in this kernel); emulated ARM boards cannot run here"
    return None


# -- binfmt_misc ---------------------------------------------------------------------------------


@contextlib.contextmanager
def binfmt(arches: tuple[str, ...]) -> Iterator[None]:
    """qemu-user registered for ``arches`` while inside; only what this call registered is removed after."""
    mounted = False
    if not (BINFMT / "register").exists():
        subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT)], check=True)
        mounted = True
    mine = []
    try:
        for a in arches:
            q = ARCHES[a].qemu
            entry = BINFMT / f"qemu-{q}"
            if entry.exists():
                if entry.read_text().splitlines()[0].strip() != "enabled":
                    raise RuntimeError(f"{entry} is registered but disabled; enable it (echo 1 > {entry})")
                continue
            line = Path(f"/usr/lib/binfmt.d/qemu-{q}.conf").read_text().strip()
            with contextlib.suppress(FileExistsError):  # another process registered it meanwhile
                (BINFMT / "register").write_text(line)
                mine.append(entry)
        yield
    finally:
        for entry in mine:
            with contextlib.suppress(OSError):
                entry.write_text("-1")
        if mounted and not any(p.name.startswith("qemu-") for p in BINFMT.iterdir()):
            subprocess.run(["umount", str(BINFMT)], check=False)


# -- building ------------------------------------------------------------------------------------


def _log(msg: str) -> None:
    print(f"[armboard] {msg}", file=sys.stderr, flush=True)


def _fetch_wheels(arch: Arch, dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--python-version", "3.11",
           "-d", str(dest), "-q"]  # fmt: skip
    if arch.platform:
        pip += ["--platform", arch.platform, "--platform", "any"]
    subprocess.run([*pip, *arch.wheels], check=True)
    wheels = sorted(dest.glob("*.whl"))
    out = []
    for req in arch.wheels:
        norm = req.replace("-", "_").replace(".", "_").lower()
        found = [w for w in wheels if w.name.split("-")[0].replace(".", "_").lower() == norm]
        if not found:
            raise RuntimeError(f"pip downloaded no wheel for {req} into {dest}")
        out.append(sorted(found)[-1])
    return out


def _unpack_wheel(wheel: Path, site: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            top = info.filename.split("/", 1)[0]
            if top.endswith(".data"):  # scripts/headers: nothing the agent needs
                continue
            z.extract(info, site)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(site / info.filename, mode)


def _mounts_under(path: Path) -> list[str]:
    """Mount points at or below ``path`` (deepest first), from /proc/self/mounts."""
    base = os.path.realpath(path)
    found = []
    with open("/proc/self/mounts", encoding="utf-8") as f:
        for line in f:
            point = line.split()[1].replace("\\040", " ")
            if point == base or point.startswith(base + "/"):
                found.append(point)
    return sorted(found, key=len, reverse=True)


def _remove(path: Path) -> None:
    """Delete a half-built system, after unmounting what a killed debootstrap left mounted in it (/proc, /sys)."""
    for point in _mounts_under(path):
        subprocess.run(["umount", "--lazy", point], check=False)
    left = _mounts_under(path)
    if left:
        raise RuntimeError(f"{path}: still mounted at {', '.join(left)}; unmount them, then delete {path}")
    shutil.rmtree(path)


def _chroot(root: Path, *argv: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["chroot", str(root), *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"},
    )


PROBE = r"""
import json, platform
from importlib import metadata
out = {"python": platform.python_version(), "machine": platform.machine()}
for d in ("numpy", "ai-edge-litert", "tflite-runtime"):
    try:
        out[d] = metadata.version(d)
    except metadata.PackageNotFoundError:
        pass
if "ai-edge-litert" in out:
    from ai_edge_litert.interpreter import Interpreter  # the wheel's native module must load
print(json.dumps(out))
"""


def build(arch_name: str, *, force: bool = False) -> dict:
    """Build (or reuse) one root file system; returns its stamp (recipe, versions, build seconds)."""
    arch = ARCHES[arch_name]
    root, stamp = rootfs_path(arch_name), stamp_path(arch_name)
    want = recipe(arch)
    cache_dir().mkdir(parents=True, exist_ok=True)
    with open(cache_dir() / f".{arch_name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test sessions never build the same system at once
        if not force and root.is_dir() and stamp.is_file():
            doc = json.loads(stamp.read_text())
            if doc.get("recipe") == want:
                return doc
        started = time.monotonic()
        work = cache_dir() / f".{SUITE}-{arch_name}.building"
        if work.exists():
            _remove(work)
        debs = cache_dir() / "debs" / arch_name
        debs.mkdir(parents=True, exist_ok=True)
        with binfmt((arch_name,)):
            _log(f"debootstrap {SUITE} {arch_name} into {work} (packages: {', '.join(arch.packages)})")
            cmd = [
                "debootstrap",
                f"--arch={arch.name}",
                "--variant=minbase",
                f"--include={','.join(arch.packages)}",
                f"--cache-dir={debs}",
                SUITE,
                str(work),
                MIRROR,
            ]
            for attempt in (1, 2):  # a busy machine can fail a fork ("Cannot fork"): once more, .debs cached
                done = subprocess.run(cmd, capture_output=True, text=True)
                if done.returncode == 0:
                    break
                log = work / "debootstrap/debootstrap.log"
                tail = log.read_text()[-3000:] if log.is_file() else done.stderr[-3000:]
                if attempt == 2:
                    raise RuntimeError(f"debootstrap {arch_name} failed (exit {done.returncode}):\n{tail}")
                _log(f"debootstrap {arch_name} failed (exit {done.returncode}), retrying: {tail[-300:]}")
                _remove(work)
            if arch.wheels:
                site = work / "usr/local/lib/python3.11/dist-packages"
                site.mkdir(parents=True, exist_ok=True)
                for w in _fetch_wheels(arch, cache_dir() / "wheels" / arch_name):
                    _log(f"unpacking {w.name}")
                    _unpack_wheel(w, site)
            if not (work / "etc/ssh/ssh_host_ed25519_key").is_file():
                subprocess.run(
                    [SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(work / "etc/ssh/ssh_host_ed25519_key")],
                    check=True,
                )
            # sshd must not start at boot-like moments, and apt caches only take room
            shutil.rmtree(work / "var/cache/apt/archives", ignore_errors=True)
            (work / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)
            versions = json.loads(_chroot(work, "/usr/bin/python3", "-c", PROBE).stdout.strip().splitlines()[-1])
        if root.exists():
            _remove(root)
        work.rename(root)
        doc = {
            "recipe": want,
            "versions": versions,
            "build_s": round(time.monotonic() - started, 1),
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        stamp.write_text(json.dumps(doc, indent=2) + "\n")
        _log(f"{arch_name}: built in {doc['build_s']} s: {versions}")
        return doc


def ensure_rootfs(arch_name: str) -> tuple[Path, dict]:
    """The cached root file system (built first if missing or stale) and its stamp."""
    doc = build(arch_name)
    return rootfs_path(arch_name), doc


# -- a running board -----------------------------------------------------------------------------


class ChrootSshd:
    """The root file system's own sshd on 127.0.0.1, run under qemu-user in a private mount namespace.

    Same surface as :class:`tests.remote.sshd.Sshd` (start, kill, stop, port, user, known_hosts_line).
    """

    def __init__(self, root: Path, user_pub: Path, *, port: int | None = None) -> None:
        self.root = root
        self.port = port or free_port()
        self.user = "root"
        self.etc = root / "etc/ssh/edgepareto"
        self.etc.mkdir(parents=True, exist_ok=True)
        authorized = self.etc / f"authorized_keys_{self.port}"
        shutil.copyfile(user_pub, authorized)
        authorized.chmod(0o600)
        self.config_rel = f"/etc/ssh/edgepareto/sshd_config_{self.port}"
        (root / self.config_rel.lstrip("/")).write_text(
            "\n".join(
                [
                    "ListenAddress 127.0.0.1",
                    f"Port {self.port}",
                    "HostKey /etc/ssh/ssh_host_ed25519_key",
                    f"AuthorizedKeysFile /etc/ssh/edgepareto/{authorized.name}",
                    f"PidFile /run/sshd-edgepareto-{self.port}.pid",
                    "AllowUsers root",
                    "PermitRootLogin prohibit-password",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "StrictModes no",
                    "X11Forwarding no",
                    "AllowTcpForwarding no",
                    "Subsystem sftp internal-sftp",
                    "LogLevel ERROR",
                    "",
                ]
            )
        )
        self.log = self.etc / f"sshd_{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> ChrootSshd:
        (self.root / "run/sshd").mkdir(mode=0o755, parents=True, exist_ok=True)
        # the real /proc (qemu-user shows the host's cpuinfo there) and the real /sys, as a board's kernel has
        script = (
            'mount -t proc proc "$1/proc" && { mount --bind /sys "$1/sys" || true; } && '
            'exec chroot "$1" /usr/sbin/sshd -D -e -f "$2"'
        )
        argv = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", str(self.root)]
        self.proc = subprocess.Popen(
            [*argv, self.config_rel],
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
            start_new_session=True,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"board sshd exited at start: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                    if s.recv(64).startswith(b"SSH-2.0"):
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"board sshd did not listen on 127.0.0.1:{self.port} within {timeout} s")

    def kill(self) -> None:
        """SIGKILL sshd, every session and every command they run (the board loses power)."""
        if self.proc is None:
            return
        tree = [self.proc.pid, *descendants(self.proc.pid)]
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in tree:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
        self.proc.wait(timeout=20)
        self.proc = None

    def stop(self) -> None:
        self.kill()

    def known_hosts_line(self) -> str:
        pub = (self.root / "etc/ssh/ssh_host_ed25519_key.pub").read_text().split()
        return f"[127.0.0.1]:{self.port} {pub[0]} {pub[1]}\n"


def install_fake_soc(root: Path) -> dict[str, str]:
    """The Exynos 5422 fake /sys + /proc copied into the root file system; the env that points the agent there."""
    target = root / FAKE_SOC.lstrip("/")
    if target.exists():
        shutil.rmtree(target)
    fakesys.make_exynos5422(target)
    return {"EDGEPARETO_SYSFS_ROOT": f"{FAKE_SOC}/sys", "EDGEPARETO_PROC_ROOT": f"{FAKE_SOC}/proc"}


def newer_op_model(src: Path, dst: Path, op: str = "SOFTMAX", version: int = 4) -> Path:
    """``src`` with ``op`` raised to ``version``: a model newer than the board's runtime.

    Measured here: this host's LiteRT 2.3.0 loads Google's quantized MobileNet with SOFTMAX
    version 4, the aarch64 ai-edge-litert 1.4.0 (the newest wheel for the board) stops at 3.
    """
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromPackedBuf(src.read_bytes(), 0)
    code = getattr(schema.BuiltinOperator, op)
    for oc in model.operatorCodes:
        if max(oc.builtinCode, oc.deprecatedBuiltinCode) == code:
            oc.version = version
    b = flatbuffers.Builder(1024)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    dst.write_bytes(b.Output())
    return dst


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] != "build":
        print("usage: python -m tests.remote.armboard build [arm64] [armhf] [--force]", file=sys.stderr)
        return 2
    names = [a for a in argv[2:] if not a.startswith("--")] or list(ARCHES)
    why = unavailable(tuple(names))
    if why:
        print(f"cannot build: {why}", file=sys.stderr)
        return 1
    from concurrent.futures import ThreadPoolExecutor

    started = time.monotonic()
    with binfmt(tuple(names)), ThreadPoolExecutor(len(names)) as pool:  # downloads overlap emulated configure
        docs = list(pool.map(lambda n: build(n, force="--force" in argv), names))
    for n, doc in zip(names, docs, strict=True):
        print(json.dumps({"arch": n, "root": str(rootfs_path(n)), **doc}))
    print(f"total {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

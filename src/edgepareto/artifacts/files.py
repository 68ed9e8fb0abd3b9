"""Files that must never be half-written or silently swapped: atomic writes, content hashes, the home folder."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from edgepareto.errors import StoreError


def home() -> Path:
    """The edgepareto cache folder: ``$EDGEPARETO_HOME`` or ``~/.cache/edgepareto``."""
    env = os.environ.get("EDGEPARETO_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "edgepareto"


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _umask() -> int:
    """The process umask, read without changing it (``os.umask`` sets it, racing other threads' file creations)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no procfs: the classic read-and-restore
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, data: bytes | str) -> None:
    """Write via a temporary file and rename, so a full disk or Ctrl-C never leaves half a file."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}; choose another folder") from exc
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 would hide artifacts and sidecars from other users
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise StoreError(
            f"cannot write {path}: {exc.strerror or exc}; free disk space or choose another --out"
        ) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def copy_atomic(src: str | Path, dest: str | Path) -> None:
    """Copy a file in place of ``dest`` in one rename (a reader never sees a partial copy)."""
    write_atomic(dest, Path(src).read_bytes())

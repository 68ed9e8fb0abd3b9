"""Is an artifact file still the one recorded? Its sha256, computed once per (size, mtime, inode).

An artifact is reused only when its content hashes to the recorded sha256: a same-size corrupted
file must be rebuilt, not measured and stored under the original's hash. Hashing a 17 MB model
takes ~50 ms, so the result is cached in this process by the file's identity (path, size,
modification time in ns, inode): a file rewritten in place gets a new mtime and is hashed again.
"""

from __future__ import annotations

import os
from pathlib import Path

from edgepareto.artifacts.files import sha256_file

_CACHE: dict[tuple[str, int, int, int], str] = {}


def sha256_of(path: Path) -> str | None:
    """The file's sha256 (cached by size and mtime), or None when it cannot be read."""
    try:
        st = os.stat(path)
        ident = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns, st.st_ino)
        if ident not in _CACHE:
            _CACHE[ident] = sha256_file(path)
    except OSError:
        return None
    return _CACHE[ident]


def is_intact(path: Path, sha256: str, size: int | None = None) -> bool:
    """True when ``path`` is a file of ``size`` bytes (if given) whose content hashes to ``sha256``."""
    try:
        if not path.is_file() or (size is not None and path.stat().st_size != size):
            return False
    except OSError:
        return False
    return sha256_of(path) == sha256

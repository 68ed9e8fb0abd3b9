"""The one place sysfs and procfs are read: paths join a configurable root, so tests and fake boards work.

``EDGEPARETO_SYSFS_ROOT`` (default ``/sys``) and ``EDGEPARETO_PROC_ROOT`` (default ``/proc``) point
every read at another tree. Standard library only: this file is shipped to boards as is.
"""

from __future__ import annotations

import os

try:  # package import inside edgepareto; plain exceptions when shipped flat to a board
    from edgepareto.errors import ConfigError, DeviceError
except ImportError:  # pragma: no cover - flat copies (board agent, flat-copy test); no-redef: same names

    class DeviceError(Exception):  # type: ignore[no-redef]
        """A device, cluster or CPU set is unavailable."""

    class ConfigError(ValueError):  # type: ignore[no-redef]
        """A configuration value is out of range."""


ENV_SYSFS = "EDGEPARETO_SYSFS_ROOT"
ENV_PROC = "EDGEPARETO_PROC_ROOT"

__all__ = [
    "ENV_PROC",
    "ENV_SYSFS",
    "ConfigError",
    "DeviceError",
    "format_cpu_list",
    "is_fake",
    "parse_cpu_list",
    "proc_path",
    "proc_root",
    "read_int",
    "read_text",
    "sysfs_path",
    "sysfs_root",
]


def sysfs_root() -> str:
    return os.environ.get(ENV_SYSFS) or "/sys"


def proc_root() -> str:
    return os.environ.get(ENV_PROC) or "/proc"


def is_fake() -> bool:
    """True when either root is redirected: facts about the real host (affinity, threads) cannot be checked."""
    return os.path.realpath(sysfs_root()) != "/sys" or os.path.realpath(proc_root()) != "/proc"


def sysfs_path(rel: str) -> str:
    """``sysfs_path("devices/system/cpu/online")`` -> ``<root>/devices/system/cpu/online``."""
    return os.path.join(sysfs_root(), rel.lstrip("/"))


def proc_path(rel: str) -> str:
    return os.path.join(proc_root(), rel.lstrip("/"))


def read_text(path: str) -> str | None:
    """The stripped content of a file, or None when it is absent or unreadable (sysfs files come and go)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return None


def read_int(path: str) -> int | None:
    text = read_text(path)
    if text is None:
        return None
    try:
        return int(text.split()[0])
    except (ValueError, IndexError):
        return None


def parse_cpu_list(text: str) -> list[int]:
    """Kernel CPU list syntax (``"0-3,6,8-9"``) -> sorted CPU ids; raises ConfigError on bad syntax."""
    out: set[int] = set()
    text = text.strip()
    if not text:
        return []
    for part in text.split(","):
        part = part.strip()
        try:
            if "-" in part:
                lo, hi = (int(x) for x in part.split("-", 1))
                if hi < lo or lo < 0:
                    raise ValueError
                out.update(range(lo, hi + 1))
            else:
                n = int(part)
                if n < 0:
                    raise ValueError
                out.add(n)
        except ValueError:
            raise ConfigError(f"bad CPU list {text!r}: use ids and ranges like 0-3,6") from None
    return sorted(out)


def format_cpu_list(cpus: list[int] | tuple[int, ...] | set[int]) -> str:
    """Sorted ids -> the kernel's compact form (``[0, 1, 2, 5]`` -> ``"0-2,5"``)."""
    ids = sorted(set(cpus))
    parts: list[str] = []
    i = 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        parts.append(str(ids[i]) if i == j else f"{ids[i]}-{ids[j]}")
        i = j + 1
    return ",".join(parts)

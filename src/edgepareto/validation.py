"""The one place for input checks: finite numbers, integer ranges, UTF-8 text, output paths.

Every check raises :class:`~edgepareto.errors.ConfigError` with one line that names the
field and the fix; the ``arg_*`` helpers turn the same checks into argparse types so a bad
flag fails before any work starts.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edgepareto.errors import ConfigError, first_line

SEED_MAX = 2**32 - 1  # NumPy's and Keras's seeds are unsigned 32-bit


def finite(value: Any, name: str, *, lo: float | None = None, hi: float | None = None) -> float:
    """``value`` as a float, refusing NaN, infinities, booleans, non-numbers and values outside [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        raise ConfigError(f"{name} must be {_range(lo, hi)}, got {value!r}")
    return x


def integer(value: Any, name: str, *, lo: int | None = None, hi: int | None = None) -> int:
    """``value`` as an int (not a bool, not a float), inside [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(f"{name} must be {_range(lo, hi)}, got {value!r}")
    return value


def seed(value: Any, name: str = "seed") -> int:
    return integer(value, name, lo=0, hi=SEED_MAX)


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def threads(value: Any, name: str = "threads", *, cpus: int | None = None) -> int:
    """A thread count in [1, usable CPUs]: more threads than CPUs only adds contention."""
    limit = cpus if cpus is not None else usable_cpus()
    n = integer(value, name, lo=1)
    if n > limit:
        raise ConfigError(f"{name} must be in [1, {limit}] (one per CPU available), got {n}; pass fewer threads")
    return n


def no_duplicates(values: tuple[Any, ...], name: str) -> tuple[Any, ...]:
    seen: list[Any] = []
    for v in values:
        if v in seen:
            raise ConfigError(f"{name} lists {v!r} twice; give each value once")
        seen.append(v)
    return values


def read_text(path: str | Path, what: str) -> str:
    """A UTF-8 text file; a missing, unreadable or non-UTF-8 file is one line naming it."""
    p = Path(path)
    try:
        return p.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what} {display_path(p)} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {display_path(p)}: {exc.strerror or exc}") from exc


def host_port(text: str, flag: str, what: str) -> tuple[str, int]:
    """(host, port) of ``HOST:PORT``; a port outside 1..65535 is refused here, before any connection is
    tried or any fix is suggested with it (``--ray-address 127.0.0.1:99999``)."""
    host, _, port = text.rpartition(":")
    fix = f"pass {what}, e.g. 10.0.0.5:6379"
    if not host or not port.isdigit():
        raise ConfigError(f"{flag} {text!r} is not HOST:PORT; {fix}")
    if not 1 <= int(port) <= 65535:
        raise ConfigError(f"{flag} {text!r}: the port must be in [1, 65535], got {int(port)}; {fix}")
    return host, int(port)


def parse_json(text: str, what: str, fix: str) -> Any:
    """JSON a user gives (a saved profile, a preprocessing sidecar): malformed text, nesting deeper than the
    parser's recursion (100,000 ``[``) or a number of thousands of digits is one line naming ``what`` and ``fix``."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ConfigError(f"{what} is nested too deeply to be JSON this tool wrote; {fix}") from None
    except ValueError as exc:  # JSONDecodeError, and int()'s digit limit
        raise ConfigError(f"{what} is not valid JSON ({first_line(exc, 120)}); {fix}") from exc


def display_path(path: str | Path) -> str:
    """A path safe to print: undecodable bytes shown as \\xNN instead of raising on output."""
    raw = os.fsencode(path)
    return raw.decode("utf-8", errors="backslashreplace")


def csv_cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: a leading = + - @ (or tab, CR) gets a ' in front (OWASP's
    CSV-injection rule); undecodable file-name bytes are written as \\xNN so the file stays UTF-8."""
    text = display_path(text) if isinstance(text, str) and _has_surrogates(text) else str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def utf8_path(path: str | Path, what: str = "model") -> Path:
    """Engines take str paths through pybind/C APIs, which need UTF-8: refuse other names up front."""
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(
            f"{what} path {display_path(path)} is not valid UTF-8; rename the file (or a folder above it)"
        ) from None
    return Path(path)


def output_dir(path: str | Path, flag: str = "--out", *, create: bool = True) -> Path:
    """Create the output folder or fail in one line (a file in the way, no permission, /proc).

    ``create=False`` only checks that it could be created (for ``--dry-run``).
    """
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise ConfigError(f"{flag} {display_path(p)} is an existing file; pass a folder")
    if not create:
        return _check_creatable(p, flag)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create {flag} folder {display_path(p)}: {os_reason(exc)}") from exc
    if not os.access(p, os.W_OK | os.X_OK):
        raise ConfigError(f"{flag} folder {display_path(p)} is not writable; pass another folder")
    return p


def _check_creatable(p: Path, flag: str) -> Path:
    base = p.absolute()
    while not base.exists():
        base = base.parent
    if not base.is_dir() or not os.access(base, os.W_OK | os.X_OK) or str(base).startswith(("/proc", "/sys")):
        raise ConfigError(f"cannot create {flag} folder {display_path(p)} in {display_path(base)}; pass another folder")
    return p


def output_file(path: str | Path, flag: str = "--out") -> Path:
    """Check an output file's place: not a folder, its folder creatable and writable."""
    p = Path(path)
    if p.is_dir():
        raise ConfigError(f"{flag} {display_path(p)} is a folder; pass a file name")
    output_dir(p.parent if str(p.parent) else Path("."), f"{flag} folder of")
    return p


def write_text(path: Path, text: str, flag: str = "--out") -> None:
    """Write a whole text file; a full disk or a refused write is one line (the partial file is removed)."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {flag} {display_path(path)}: {os_reason(exc)}") from exc


def replace_text(path: Path, text: str, what: str) -> None:
    """Write a small text file beside an output (a preprocessing sidecar) in one rename: a kill or a full disk
    never leaves half of it, and a symlink at ``path`` is replaced by the file, never written through (its
    target is left alone). For packages that cannot import ``artifacts.write_atomic``; the temporary file is
    created with the umask's mode (0666 & ~umask), as ``open`` would."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {what} {display_path(path)}: {os_reason(exc)}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def os_reason(exc: OSError) -> str:
    """The OS's reason for a failed file operation, with the usual fix."""
    import errno

    fixes = {
        errno.ENOSPC: "free some space or choose another place",
        errno.EDQUOT: "free some space or choose another place",
        errno.EACCES: "check its permissions or choose another place",
        errno.EPERM: "check its permissions or choose another place",
        errno.EROFS: "choose a writable place",
        errno.ENOENT: "choose a place that exists and can be written (not /proc or /sys)",
        errno.EEXIST: "remove what is in the way or choose another place",
        errno.ENOTDIR: "a part of the path is a file; choose another place",
        errno.EISDIR: "it is a folder; pass a file name",
    }
    reason = exc.strerror or str(exc)
    fix = fixes.get(exc.errno or 0, "choose another place")
    where = f" ({display_path(exc.filename)})" if exc.filename else ""
    return f"{reason}{where}; {fix}"


# -- argparse types: the same checks, failing as argparse usage errors ------------------------


def _arg_type(convert: Callable[[str], Any], check: Callable[[Any], Any], kind: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {kind}") from None
        try:
            return check(value)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = kind
    return parse


def arg_finite(lo: float | None = None, hi: float | None = None) -> Callable[[str], float]:
    return _arg_type(float, lambda x: finite(x, "the value", lo=lo, hi=hi), "a number")


def arg_int(lo: int | None = None, hi: int | None = None) -> Callable[[str], int]:
    return _arg_type(int, lambda x: integer(x, "the value", lo=lo, hi=hi), "an integer")


arg_seed = _arg_type(int, lambda x: seed(x, "the seed"), "an integer")
arg_threads = _arg_type(int, lambda x: threads(x, "the thread count"), "an integer")


def _range(lo: float | None, hi: float | None) -> str:
    if hi is None:
        return f">= {_num(lo)}"
    if lo is None:
        return f"<= {_num(hi)}"
    return f"in [{_num(lo)}, {_num(hi)}]"


def _num(x: float | None) -> str:
    return str(x) if isinstance(x, int) else f"{x:g}"

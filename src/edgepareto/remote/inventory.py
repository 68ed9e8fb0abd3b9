"""The device inventory: a TOML file of boards reachable over SSH.

```toml
[defaults]                       # optional; every key of a board may be set here once
user = "odroid"
key = "~/.ssh/id_ed25519"
known_hosts = "~/.ssh/known_hosts"

[boards.xu4]
host = "192.168.1.20"
port = 22
python = "/usr/bin/python3"      # a Python with NumPy and ai-edge-litert or tflite-runtime
clusters = ["LITTLE", "big"]     # optional names for the discovered clusters, in discovery order
env = { EDGEPARETO_SYSFS_ROOT = "/tmp/fake/sys" }   # optional environment for the agent
emulated = true                  # optional: flag every number from this board as emulated (qemu)
benchmark_model = "/opt/tflite/benchmark_model"  # optional: TFLite's C++ tool, used when the
                                 # board's Python has no TFLite runtime
```

Relative paths (key, known_hosts) are taken from the inventory file's folder, so an inventory
and its keys can travel together.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgepareto.errors import ConfigError

ENV_INVENTORY = "EDGEPARETO_INVENTORY"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_ENV_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REMOTE_DIR = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,127}")
CACHE_ROOT = ".cache/edgepareto"  # on the board, relative to its home: every upload stays below it
_KEYS = {
    "host",
    "port",
    "user",
    "key",
    "known_hosts",
    "python",
    "clusters",
    "env",
    "project",
    "remote_dir",
    "connect_timeout",
    "allow_agent",
    "emulated",
    "benchmark_model",
}


@dataclass(frozen=True)
class Board:
    """One board: where to reach it, which Python runs the agent, and where uploads may go."""

    name: str
    host: str
    port: int = 22
    user: str = field(default_factory=lambda: os.environ.get("USER", "root"))
    key_file: Path | None = None
    known_hosts: Path = field(default_factory=lambda: Path("~/.ssh/known_hosts").expanduser())
    python: str = "python3"
    clusters: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    project: str = "default"
    remote_dir: str = ""  # empty: ~/.cache/edgepareto/<project> on the board
    connect_timeout: float = 10.0
    allow_agent: bool = False
    emulated: bool = False  # the inventory says its CPUs are emulated (the agent detects qemu-user itself)
    benchmark_model: str = ""  # path of TFLite's benchmark_model on the board, for boards without a runtime

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ConfigError(f"board name {self.name!r}: use letters, digits, '.', '_' or '-' (at most 64)")
        where = f"board {self.name}"
        if not self.host or any(c.isspace() for c in self.host) or self.host.startswith("-"):
            raise ConfigError(f"{where}: host {self.host!r} must be a host name or address")
        if not 1 <= self.port <= 65535:
            raise ConfigError(f"{where}: port must be in 1..65535, got {self.port}")
        if not self.user or any(c.isspace() for c in self.user) or self.user.startswith("-"):
            raise ConfigError(f"{where}: user {self.user!r} must be a login name")
        if not self.python.strip() or self.python.startswith("-"):
            raise ConfigError(f"{where}: python must name the board's Python, e.g. python3 or /usr/bin/python3")
        for key, _ in self.env:
            if not _ENV_KEY.fullmatch(key):
                raise ConfigError(f"{where}: env key {key!r} must be a shell variable name ([A-Za-z_][A-Za-z0-9_]*)")
        if not _NAME.fullmatch(self.project):
            raise ConfigError(f"{where}: project {self.project!r}: use letters, digits, '.', '_' or '-'")
        if ".." in Path(self.remote_dir).parts or "\n" in self.remote_dir:
            raise ConfigError(f"{where}: remote_dir {self.remote_dir!r} must not contain '..'")
        if self.remote_dir.startswith(("/", "~")) or not _REMOTE_DIR.fullmatch(self.remote_dir or "x"):
            raise ConfigError(
                f"{where}: remote_dir {self.remote_dir!r} must be a relative folder name (letters, digits, "
                f"'.', '_', '-', '/'); it is placed under {CACHE_ROOT}/ on the board"
            )
        if self.benchmark_model and (not self.benchmark_model.startswith("/") or "\n" in self.benchmark_model):
            raise ConfigError(
                f'{where}: benchmark_model must be an absolute path on the board, e.g. "/usr/local/bin/benchmark_model"'
            )
        if not 0 < self.connect_timeout <= 600:
            raise ConfigError(f"{where}: connect_timeout must be in (0, 600] seconds, got {self.connect_timeout}")

    @property
    def address(self) -> str:
        """``user@host:port`` for messages (never the key)."""
        return f"{self.user}@{self.host}:{self.port}"

    @property
    def folder(self) -> str:
        """The per-project folder on the board that every upload is confined to."""
        return f"{CACHE_ROOT}/{self.remote_dir or self.project}"  # confined: never /etc/ssh

    @property
    def environment(self) -> dict[str, str]:
        return dict(self.env)

    def to_json(self) -> dict[str, Any]:
        """The inventory entry as plain data; the key file is named, its contents never read here."""
        return {
            "name": self.name,
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "key_file": str(self.key_file) if self.key_file else None,
            "known_hosts": str(self.known_hosts),
            "python": self.python,
            "clusters": list(self.clusters),
            "env": self.environment,
            "project": self.project,
            "folder": self.folder,
            "emulated": self.emulated,
            "benchmark_model": self.benchmark_model or None,
        }


def default_inventory_path() -> Path:
    """``$EDGEPARETO_INVENTORY``, else ``./boards.toml`` if present, else ``~/.config/edgepareto/boards.toml``."""
    env = os.environ.get(ENV_INVENTORY)
    if env:
        return Path(env).expanduser()
    local = Path("boards.toml")
    if local.is_file():
        return local
    return Path("~/.config/edgepareto/boards.toml").expanduser()


def _path(value: Any, base: Path, where: str, key: str) -> Path:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: {key} must be a file path string")
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p)


def board_from_mapping(name: str, raw: Mapping[str, Any], base: Path = Path(".")) -> Board:
    """Build one :class:`Board` from a TOML table; unknown keys are errors (typos must not pass silently)."""
    where = f"board {name}"
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_KEYS))}")
    if "host" not in raw:
        raise ConfigError(f"{where}: host is required")
    kw: dict[str, Any] = {"name": name, "host": str(raw["host"])}
    kw.update(_scalar_fields(raw, where))
    kw.update(_table_fields(raw, base, where))
    return Board(**kw)


# key -> (accepted types, what the one-line error says it must be)
_SCALARS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "port": (int, "an integer in 1..65535"),
    "user": (str, "a string"),
    "python": (str, "a string"),
    "project": (str, "a string"),
    "remote_dir": (str, "a string"),
    "connect_timeout": ((int, float), "a number of seconds"),
    "emulated": (bool, "true or false"),
    "benchmark_model": (str, "a path string"),
}


def _scalar_fields(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The single-valued keys, each checked for its type."""
    kw: dict[str, Any] = {}
    for key, (types, must) in _SCALARS.items():
        if key in raw:
            if not isinstance(raw[key], types):
                raise ConfigError(f"{where}: {key} must be {must}")
            kw[key] = float(raw[key]) if key == "connect_timeout" else raw[key]
    if "allow_agent" in raw:
        kw["allow_agent"] = bool(raw["allow_agent"])
    return kw


def _table_fields(raw: Mapping[str, Any], base: Path, where: str) -> dict[str, Any]:
    """Paths (relative to the inventory), the cluster list and the environment table."""
    kw: dict[str, Any] = {}
    if "key" in raw:
        kw["key_file"] = _path(raw["key"], base, where, "key")
    if "known_hosts" in raw:
        kw["known_hosts"] = _path(raw["known_hosts"], base, where, "known_hosts")
    if "clusters" in raw:
        if not isinstance(raw["clusters"], list) or not all(isinstance(c, str) and c for c in raw["clusters"]):
            raise ConfigError(f'{where}: clusters must be a list of names, e.g. ["LITTLE", "big"]')
        kw["clusters"] = tuple(raw["clusters"])
    if "env" in raw:
        if not isinstance(raw["env"], Mapping) or not all(isinstance(v, str) for v in raw["env"].values()):
            raise ConfigError(f'{where}: env must be a table of strings, e.g. env = {{ NAME = "value" }}')
        kw["env"] = tuple(sorted(raw["env"].items()))
    return kw


def load_inventory(path: str | os.PathLike[str] | None = None) -> dict[str, Board]:
    """Read the inventory: board name -> :class:`Board`, in file order."""
    p = Path(path).expanduser() if path is not None else default_inventory_path()
    if not p.is_file():
        raise ConfigError(f"inventory {p} not found; write one (see `edgepareto boards --help`) or pass --inventory")
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"inventory {p}: not valid TOML ({exc})") from exc
    except RecursionError:  # arrays or inline tables nested thousands deep
        raise ConfigError(f"inventory {p}: nested too deeply; see `edgepareto boards --help`") from None
    extra = sorted(set(doc) - {"defaults", "boards"})
    if extra:
        raise ConfigError(f"inventory {p}: unknown table(s) {', '.join(extra)}; use [defaults] and [boards.NAME]")
    defaults = doc.get("defaults", {})
    boards = doc.get("boards", {})
    if not isinstance(defaults, Mapping) or not isinstance(boards, Mapping):
        raise ConfigError(f"inventory {p}: [defaults] and [boards.NAME] must be tables")
    if not boards:
        raise ConfigError(f'inventory {p}: no boards; add a [boards.NAME] table with at least host = "..."')
    base = p.resolve().parent
    out: dict[str, Board] = {}
    for name, raw in boards.items():
        if not isinstance(raw, Mapping):
            raise ConfigError(f"inventory {p}: boards.{name} must be a table")
        out[name] = board_from_mapping(name, {**defaults, **raw}, base)
    return out


def select_boards(inventory: Mapping[str, Board], names: str | list[str] | None) -> list[Board]:
    """Boards named in ``"a,b,c"`` (or all, for None/empty), with a one-line error for unknown names."""
    if not names:
        return list(inventory.values())
    wanted = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
    wanted = [n for n in wanted if n]
    unknown = [n for n in wanted if n not in inventory]
    if unknown:
        raise ConfigError(f"unknown board(s) {', '.join(unknown)}; the inventory has {', '.join(inventory) or 'none'}")
    if len(set(wanted)) != len(wanted):
        raise ConfigError(f"board list {','.join(wanted)} names a board twice")
    return [inventory[n] for n in wanted]


HOST = "host"  # in --devices: this host's clusters as well


def parse_devices(devices: str, inventory: str | Path | None = None) -> tuple[list[Board], bool]:
    """``--devices a,b,host`` -> (the inventory boards named, whether this host measures too)."""
    names = [n.strip() for n in devices.split(",") if n.strip()]
    host = HOST in names
    names = [n for n in names if n != HOST]
    boards = select_boards(load_inventory(inventory), names) if names else []
    return boards, host

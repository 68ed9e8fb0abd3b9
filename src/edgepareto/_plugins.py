"""Plug-in discovery for the three registries (model families, exporters, engines).

A registry never imports its members (timm's ``_registry.py``): the package that holds the built-in
members imports them all in its ``__init__`` with :func:`import_package`, and each member registers
itself, so the import graph has no circle and a new member is one file. Members from other
distributions come through entry points (:func:`load_entry_points`), loaded on the registry's first
lookup: scanning the installed distributions costs ~0.1 s, which ``edgepareto --help`` must not pay.

Both take literal names: ``tests/structure/test_imports.py`` reads the string passed to
:func:`import_package` as an import of every module of that package.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any

from edgepareto.errors import ConfigError

ENTRY_POINT_GROUPS = ("edgepareto.model_families", "edgepareto.exporters", "edgepareto.engines")


def import_package(package: str) -> tuple[str, ...]:
    """Import every public module of ``package`` (each registers itself); the names imported, sorted."""
    pkg = importlib.import_module(package)
    names = sorted(f"{package}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_"))
    for name in names:
        importlib.import_module(name)
    return tuple(names)


@cache
def _all_entry_points() -> Any:
    from importlib import metadata

    return metadata.entry_points()


_LOADED: set[str] = set()


def load_entry_points(group: str) -> tuple[str, ...]:
    """Load, once per process, every entry point of ``group`` (another distribution's members register
    themselves on import); the entry points' names. ``group`` is one of ``ENTRY_POINT_GROUPS``."""
    if group not in ENTRY_POINT_GROUPS:
        raise ValueError(f"unknown plug-in group {group!r}; use one of {', '.join(ENTRY_POINT_GROUPS)}")
    found = tuple(_all_entry_points().select(group=group))
    if group not in _LOADED:
        _LOADED.add(group)
        for ep in found:
            try:
                ep.load()
            except Exception as exc:  # another distribution's bug: name it, not a traceback from deep inside
                raise ConfigError(
                    f"plug-in {ep.name} ({ep.value}, entry point group {group}) failed to load: "
                    f"{type(exc).__name__}: {exc}; fix or uninstall the distribution that provides it"
                ) from exc
    return tuple(ep.name for ep in found)

"""A plan written back as TOML (``sweep --json``'s ``plan_toml``): what loads back to the same plan."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from edgepareto.compute import ExecutorChoice


def plan_toml(plan_name: str, executor: ExecutorChoice, recommend: dict[str, float], studies: Sequence[Any]) -> str:
    """A plan's parts (its studies are dataclasses) as TOML; fields at their defaults left out."""
    lines = [f"name = {_toml_value(plan_name)}"]
    lines += _executor_toml(executor)
    if recommend:
        lines += ["", *_toml_table("recommend", recommend)]
    for s in studies:
        lines += ["", "[[study]]"]
        tables = []
        for name, f in type(s).__dataclass_fields__.items():
            value = getattr(s, name)
            default = f.default_factory() if callable(f.default_factory) else f.default
            if name != "name" and name != "kind" and value == default:
                continue
            if isinstance(value, dict):
                tables.append((name, value))
            else:
                lines.append(f"{name} = {_toml_value(value)}")
        for name, table in tables:
            lines += _toml_table(f"study.{name}", table)
    return "\n".join(lines) + "\n"


def _executor_toml(choice: ExecutorChoice) -> list[str]:
    """The top-level executor keys that differ from the default (local, no address, no Ray devices)."""
    keys = {
        "executor": choice.name if choice.name != "local" else None,
        "ray_address": choice.address,
        "shared_paths": choice.shared_paths or None,
        "ray_devices": list(choice.devices) or None,
    }
    return [f"{k} = {_toml_value(v)}" for k, v in keys.items() if v is not None]


def _toml_table(header: str, table: dict[str, Any]) -> list[str]:
    lines = [f"[{header}]"] + [f"{k} = {_toml_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
    for k, v in table.items():
        if isinstance(v, dict):
            lines += _toml_table(f"{header}.{k}", v)
    return lines


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))  # a TOML basic string is a JSON string

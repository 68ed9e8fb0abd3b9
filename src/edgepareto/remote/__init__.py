"""Remote boards over SSH: inventory, verified connections, the on-board agent, the farm.

The public API for the sweep and the CLI:

- :func:`load_inventory` / :func:`select_boards` -> :class:`Board` (one TOML table per board);
- :func:`list_boards` -> one JSON dict per board with its fingerprint fetched over SSH;
- :func:`fingerprint` / :func:`measure` for one board, :class:`RemoteBoard` to keep a session open;
- :func:`run_farm` with :class:`Job`: boards in parallel, one measurement at a time per board,
  ``on_result`` called in the caller's thread as each measurement finishes.
"""

from __future__ import annotations

import importlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgepareto.remote.errors import AuthError, BoardRuntimeError, BoardUnreachable, HostKeyError, RemoteError
from edgepareto.remote.inventory import Board, default_inventory_path, load_inventory, parse_devices, select_boards

if TYPE_CHECKING:
    from edgepareto.remote._ssh import Completed, Connection, key_fingerprint
    from edgepareto.remote.board import RemoteBoard, agent_bundle, describe
    from edgepareto.remote.farm import FarmReport, Job, OnEvent, RetryPolicy, run_farm

# The SSH layer (Paramiko, ~0.3 s to import) loads on first use: reading an inventory or
# listing local devices should not pay for it.
_LAZY = {
    **dict.fromkeys(("Completed", "Connection", "key_fingerprint"), "_ssh"),
    **dict.fromkeys(("RemoteBoard", "agent_bundle", "describe"), "board"),
    **dict.fromkeys(("FarmReport", "Job", "OnEvent", "RetryPolicy", "run_farm"), "farm"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AuthError",
    "Board",
    "BoardRuntimeError",
    "BoardUnreachable",
    "Completed",
    "Connection",
    "FarmReport",
    "HostKeyError",
    "Job",
    "OnEvent",
    "RemoteBoard",
    "RemoteError",
    "RetryPolicy",
    "agent_bundle",
    "default_inventory_path",
    "describe",
    "fingerprint",
    "key_fingerprint",
    "list_boards",
    "load_inventory",
    "measure",
    "parse_devices",
    "run_farm",
    "select_boards",
]


def list_boards(
    inventory_path: str | os.PathLike[str] | None = None,
    *,
    names: str | list[str] | None = None,
    fetch: bool = True,
    accept_new_host_key: bool = False,
) -> list[dict[str, Any]]:
    """Every inventory board (or ``names``) as JSON with fingerprint and versions, fetched in parallel.

    For ``edgepareto devices --json``: a dead board is listed with its status and one-line error.
    """
    from edgepareto.remote.board import describe

    boards = select_boards(load_inventory(inventory_path), names)
    with ThreadPoolExecutor(max_workers=min(8, len(boards)), thread_name_prefix="describe") as pool:
        return list(pool.map(lambda b: describe(b, fetch=fetch, accept_new_host_key=accept_new_host_key), boards))


def fingerprint(board: Board, *, accept_new_host_key: bool = False) -> Any:
    """The board's ``edgepareto.bench.Fingerprint``, discovered on the board by the agent."""
    from edgepareto.remote.board import RemoteBoard

    with RemoteBoard(board, accept_new_host_key=accept_new_host_key) as rb:
        return rb.fingerprint()


def measure(
    board: Board,
    artifact: str | Path,
    protocol: Any = None,
    threads: int = 1,
    cluster: str | None = None,
    cpus: list[int] | None = None,
    *,
    engine: str = "litert",
    accept_new_host_key: bool = False,
    **options: Any,
) -> Any:
    """Measure one artifact on one board -> ``edgepareto.bench.Measurement`` (one connection, then closed)."""
    from edgepareto.remote.board import RemoteBoard

    with RemoteBoard(board, accept_new_host_key=accept_new_host_key) as rb:
        return rb.measure(
            artifact, protocol=protocol, threads=threads, cluster=cluster, cpus=cpus, engine=engine, **options
        )

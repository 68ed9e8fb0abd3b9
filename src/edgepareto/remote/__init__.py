"""Remote boards over SSH: inventory, verified connections, content-addressed uploads, the farm."""

from __future__ import annotations

from edgepareto.remote._ssh import Completed, Connection, key_fingerprint
from edgepareto.remote.errors import AuthError, BoardRuntimeError, BoardUnreachable, HostKeyError, RemoteError
from edgepareto.remote.inventory import Board, default_inventory_path, load_inventory, select_boards

__all__ = [
    "AuthError",
    "Board",
    "BoardRuntimeError",
    "BoardUnreachable",
    "Completed",
    "Connection",
    "HostKeyError",
    "RemoteError",
    "default_inventory_path",
    "key_fingerprint",
    "load_inventory",
    "select_boards",
]

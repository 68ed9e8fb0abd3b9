"""The devices a sweep measures on: this host's CPU clusters and the clusters of remote boards.

Every device is named from its fingerprint by one function, :func:`device_name`, so a host
cluster and a board cluster read alike in the store and the report.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from edgepareto.bench import discover_host
from edgepareto.errors import EdgeParetoError
from edgepareto.remote import Board
from edgepareto.store import Device

Where = dict[str, dict[str, Any]]  # device name -> where it runs: {"cluster": ..., "cpus": ..., "board": ...}


def clusters_of(fp: dict[str, Any]) -> list[dict[str, Any]]:
    return [dict(c) for c in (fp.get("clusters") or [{"name": None}])]


def core_of(cluster: dict[str, Any], fp: dict[str, Any]) -> str:
    """A cluster's core type (``Cluster.to_json``'s ``core``); the CPU model where discovery found no clusters."""
    return str(cluster.get("core") or fp.get("cpu_model") or "CPU")


def device_name(
    fp: dict[str, Any], cluster: dict[str, Any], *, board: str | None = None, label: Any = None, emulated: bool = False
) -> str:
    """``<core> (this host, <cluster>)`` for the host, ``<board> <core> (<cluster>[, emulated])`` for a board:
    an emulated board says so in its name, so every table and plot shows it."""
    core = core_of(cluster, fp)
    several = len(clusters_of(fp)) > 1
    label = label if label is not None else cluster.get("name")
    if board is None:
        return f"{core} (this host, {label})" if several else f"{core} (this host)"
    tags = ([str(label)] if label and several else []) + (["emulated"] if emulated else [])
    return f"{board} {core}" + (f" ({', '.join(tags)})" if tags else "")


def _wanted(cluster: dict[str, Any], wanted: set[str], alias: Any = None) -> bool:
    return "all" in wanted or str(cluster.get("name")) in wanted or (alias is not None and str(alias) in wanted)


def host_devices(wanted: set[str]) -> tuple[list[Device], Where, str | None]:
    """One device per cluster of this host, named by its core; plus a note (None: nothing to say)."""
    fp = discover_host().to_json()
    clusters = [c for c in clusters_of(fp) if _wanted(c, wanted)]
    if not clusters:
        raise EdgeParetoError(
            f'none of the clusters {sorted(wanted)} exists on this host; use clusters = ["all"] in the plan'
        )
    devices, where = [], {}
    for c in clusters:
        name = device_name(fp, c)
        devices.append(Device(name, "host", {**fp, "cluster": c}))
        where[name] = {"cluster": c.get("name"), "cpus": c.get("cpus")}
    return devices, where, None


def host_device_for(cpus: list[int] | None) -> Device:
    """The host device a measurement on ``cpus`` belongs to: the cluster with exactly those CPUs (named
    as the sweep names it), else this host with the CPU list in the name."""
    fp = discover_host().to_json()
    wanted = sorted(int(c) for c in cpus or [])
    for c in clusters_of(fp):
        if sorted(int(x) for x in c.get("cpus") or []) == wanted:
            return Device(device_name(fp, c), "host", {**fp, "cluster": c})
    core = str(fp.get("cpu_model") or "CPU")
    listed = ",".join(str(c) for c in wanted) or "unknown"
    return Device(f"{core} (this host, CPUs {listed})", "host", {**fp, "cpus": wanted})


def board_devices(
    boards: list[Board], wanted: set[str], *, accept_new_host_key: bool = False
) -> tuple[list[Device], Where, list[str]]:
    """Store devices for the boards' clusters, fetched in parallel; plus notes for boards left out.

    A board's inventory ``clusters`` labels its discovered clusters in order and may be used in
    the plan too. A board that cannot be fingerprinted is left out with a note (the rerun picks it up).
    """
    from edgepareto.remote import describe  # loads the SSH layer: only when there are boards

    if not boards:
        return [], {}, []
    with ThreadPoolExecutor(max_workers=min(8, len(boards)), thread_name_prefix="fingerprint") as pool:
        docs = list(pool.map(lambda b: describe(b, accept_new_host_key=accept_new_host_key), boards))
    devices: list[Device] = []
    where: Where = {}
    notes: list[str] = []
    for board, doc in zip(boards, docs, strict=True):
        if doc["status"] != "ok":
            notes.append(f"board {board.name} left out of this run: {doc['error']}")
            continue
        found = _board_clusters(board, doc, wanted)
        if not found:
            have = ", ".join(str(c.get("name")) for c in clusters_of(_fingerprint(doc)))
            notes.append(f"board {board.name} has none of the plan's clusters {sorted(wanted)} (it has {have})")
        for device, place in found:
            devices.append(device)
            where[device.name] = place
    return devices, where, notes


def _fingerprint(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["fingerprint"] if isinstance(doc["fingerprint"], dict) else {"raw": doc["fingerprint"]}


def _board_clusters(board: Board, doc: dict[str, Any], wanted: set[str]) -> list[tuple[Device, dict[str, Any]]]:
    fp = _fingerprint(doc)
    clusters = clusters_of(fp)
    out = []
    for i, c in enumerate(clusters):
        alias = board.clusters[i] if i < len(board.clusters) else c.get("name")
        if not _wanted(c, wanted, alias):
            continue
        emulation = fp.get("emulation") or ("emulated = true in the inventory" if board.emulated else None)
        name = device_name(fp, c, board=board.name, label=alias, emulated=bool(emulation))
        info = {**fp, "cluster": c, "board": board.to_json(), "versions": doc["versions"], "emulation": emulation,
                "measures_with": doc.get("measures_with") or "agent"}  # fmt: skip
        place = {"board": board.name, "cluster": c.get("name") if len(clusters) > 1 else None, "cpus": c.get("cpus")}
        out.append((Device(name, "board", info), place))
    return out


def ray_devices(executor: Any, names: tuple[str, ...], wanted: set[str]) -> tuple[list[Device], Where]:
    """Boards that are Ray nodes (resource ``device:<name>``): fingerprinted there, stored as a board is."""
    devices: list[Device] = []
    where: Where = {}
    for board in names:
        fp = executor.fingerprint(board)
        clusters = clusters_of(fp)
        for c in (c for c in clusters if _wanted(c, wanted)):
            name = device_name(fp, c, board=board)
            devices.append(Device(name, "board", {**fp, "cluster": c, "ray_device": board}))
            where[name] = {
                "ray_device": board,
                "cluster": c.get("name") if len(clusters) > 1 else None,
                "cpus": c.get("cpus"),
            }
    return devices, where

"""The sweep's remote half: boards become store devices, their latency tasks run as one farm.

``edgepareto sweep --devices a,b`` plans latency tasks for every cluster of every named board
(devices named ``<board> <core> (<cluster>)``, kind ``board``, the fingerprint fetched over SSH),
then runs them through :func:`edgepareto.remote.run_farm`: boards in parallel, one measurement at
a time per board, each result committed to the store the moment it arrives. A board that drops
off is retried with back-off and then given up; its unfinished tasks stay pending in the store,
so the same command run again measures exactly those.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgepareto.errors import EdgeParetoError
from edgepareto.remote.board import describe
from edgepareto.remote.farm import Job, OnEvent, RetryPolicy, run_farm
from edgepareto.remote.inventory import Board

log = logging.getLogger(__name__)


HOST = "host"  # in --devices: this host's clusters as well


def parse_devices(devices: str, inventory: str | Path | None = None) -> tuple[list[Board], bool]:
    """``--devices a,b,host`` -> (the inventory boards named, whether this host measures too)."""
    from edgepareto.remote.inventory import load_inventory, select_boards

    names = [n.strip() for n in devices.split(",") if n.strip()]
    host = HOST in names
    names = [n for n in names if n != HOST]
    boards = select_boards(load_inventory(inventory), names) if names else []
    return boards, host


def _clusters(fp: dict[str, Any]) -> list[dict[str, Any]]:
    clusters = fp.get("clusters") or [{"name": None}]
    return [c if isinstance(c, dict) else dict(c) for c in clusters]


def _core(c: dict[str, Any], fp: dict[str, Any]) -> str:
    for key in ("core", "core_name", "model", "cpu_model", "part_name", "name"):
        if c.get(key):
            return str(c[key])
    return str(fp.get("cpu_model") or "CPU")


def board_devices(
    boards: list[Board], wanted: set[str], *, accept_new_host_key: bool = False
) -> tuple[list[Any], dict[str, dict[str, Any]], list[str]]:
    """Store devices for the boards' clusters, fetched in parallel; plus notes for boards that failed.

    ``wanted`` holds cluster names from the plan (``"all"`` for every cluster); a board's
    inventory ``clusters`` names its discovered clusters in order and may be used there too.
    A board that cannot be fingerprinted is left out with a note (the rerun picks it up).
    """
    from edgepareto.store import Device

    if not boards:
        return [], {}, []
    with ThreadPoolExecutor(max_workers=min(8, len(boards)), thread_name_prefix="fingerprint") as pool:
        docs = list(pool.map(lambda b: describe(b, accept_new_host_key=accept_new_host_key), boards))
    devices: list[Device] = []
    where: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    for board, doc in zip(boards, docs, strict=True):
        if doc["status"] != "ok":
            notes.append(f"board {board.name} left out of this run: {doc['error']}")
            continue
        fp = doc["fingerprint"] if isinstance(doc["fingerprint"], dict) else {"raw": doc["fingerprint"]}
        clusters = _clusters(fp)
        before = len(devices)
        for i, c in enumerate(clusters):
            discovered = c.get("name")
            alias = board.clusters[i] if i < len(board.clusters) else discovered
            if "all" not in wanted and str(discovered) not in wanted and str(alias) not in wanted:
                continue
            tags = [str(alias)] if alias and len(clusters) > 1 else []
            emulation = fp.get("emulation") or ("emulated = true in the inventory" if board.emulated else None)
            if emulation:
                tags.append("emulated")  # in the device's name: every table and plot shows it
            name = f"{board.name} {_core(c, fp)}" + (f" ({', '.join(tags)})" if tags else "")
            info = {**fp, "cluster": c, "board": board.to_json(), "versions": doc["versions"],
                    "emulation": emulation, "measures_with": doc.get("measures_with") or "agent"}  # fmt: skip
            devices.append(Device(name, "board", info))
            where[name] = {"board": board.name, "cluster": discovered if len(clusters) > 1 else None,
                           "cpus": c.get("cpus")}  # fmt: skip
        if len(devices) == before:
            have = ", ".join(str(c.get("name")) for c in clusters)
            notes.append(f"board {board.name} has none of the plan's clusters {sorted(wanted)} (it has {have})")
    return devices, where, notes


#: versions the board's own software decides: never this host's
_BOARD_SIDE = ("python", "numpy", "ai-edge-litert", "tflite-runtime", "onnxruntime")


def board_records(recs: list[Any], doc: dict[str, Any]) -> list[Any]:
    """A board's records carry the board's Python/NumPy/runtime versions (the host's converter beside them)
    and, when its CPUs were emulated, a note saying so."""
    from dataclasses import replace

    from edgepareto.store import tool_versions

    device = doc.get("device") or {}
    versions = {k: v for k, v in tool_versions().items() if k not in _BOARD_SIDE}
    versions.update({k: str(v) for k, v in (device.get("runtimes") or {}).items()})
    if doc.get("engine") == "tflite benchmark_model":
        versions["benchmark_model"] = str(doc.get("engine_version") or "version not in its log")
    if device.get("machine"):
        versions["board machine"] = str(device["machine"])
    emulation = device.get("emulation")
    out = []
    for r in recs:
        notes = r.notes
        if emulation:
            notes = f"emulated ({emulation}): not the board's real speed" + (f"; {notes}" if notes else "")
        out.append(replace(r, tool_versions=versions, notes=notes))
    return out


@dataclass
class RemoteOutcome:
    """What the farm part of a sweep did, in the sweep's own terms."""

    done: int = 0
    failed: int = 0
    new_records: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)


def run_remote_tasks(
    ctx: Any,
    tasks: list[Any],
    boards: list[Board],
    *,
    policy: RetryPolicy | None = None,
    accept_new_host_key: bool = False,
    on_event: OnEvent | None = None,
    on_task: Any = None,
) -> RemoteOutcome:
    """Run the sweep's remote latency ``tasks`` on the farm; every result is in the store when this returns.

    ``tasks`` carry ``task.job`` (recipe, engine, threads, device, protocol, key); the artifact
    is built or found first (here, on the host), then shipped to the board by content hash.
    ``on_task(task, seconds, outcome, n)`` is called after each task, in this thread.
    """
    from edgepareto.sweep._tasks import _protocol, measurement_records

    out = RemoteOutcome()
    by_name = {b.name: b for b in boards}
    jobs = []
    for task in tasks:
        j = task.job
        where = ctx.devices[j["device"]]
        try:
            art = ctx.artifact(j["recipe"])
        except EdgeParetoError as exc:
            out.failed += 1
            out.failures.append({"task": task.label, "error": str(exc)})
            continue
        jobs.append(
            Job(
                where["board"],
                Path(art.path),
                protocol=_protocol(j["protocol"], j.get("overrides") or {}),
                threads=j["threads"],
                cluster=where.get("cluster"),
                engine=j["engine"],
                tag=(task, art),
            )
        )

    since: dict[str, float] = {}  # board -> when its previous job ended: a task's time is its board's time

    def on_result(job: Job, m: Any) -> None:
        now = time.monotonic()
        seconds = now - since.get(job.board, started)
        since[job.board] = now
        task, art = job.tag
        j = task.job
        doc = m.to_json() if hasattr(m, "to_json") else dict(m)
        ctx.store.forget_failed(j["key"])
        recs = board_records(measurement_records(doc, art.variant, j["device"], art, j["key"], j["protocol"]), doc)
        n = ctx.store.add_many(recs, run_id=ctx.run_id)
        ok = doc.get("status", "ok") == "ok"
        out.new_records += n
        if ok:
            out.done += 1
        else:
            out.failed += 1
            out.failures.append({"task": task.label, "error": str(doc.get("error"))})
        if on_task:
            on_task(task, seconds, "ok" if ok else "failed", n)

    started = time.monotonic()
    report = run_farm(
        [by_name[n] for n in sorted({j.board for j in jobs})],
        jobs,
        on_result,
        policy=policy,
        accept_new_host_key=accept_new_host_key,
        on_event=on_event,
    )
    for job, why in report.not_done:
        task, _ = job.tag
        out.failed += 1
        out.failures.append({"task": task.label, "error": why})
    return out

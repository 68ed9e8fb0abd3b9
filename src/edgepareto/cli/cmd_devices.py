"""This host's fingerprint: CPU clusters (cores, max frequency, capacity, caches, SIMD), kernel, runtimes.

A cluster's name (``big``, ``LITTLE``, ``all``...), its core type (``a15``) or its CPU list (``4-7``)
is what ``edgepareto bench --cluster`` takes. EDGEPARETO_SYSFS_ROOT / EDGEPARETO_PROC_ROOT point
the discovery at another tree (a copied board's /sys and /proc).

Boards of the inventory (``--inventory``, ``$EDGEPARETO_INVENTORY``, ``./boards.toml`` or
``~/.config/edgepareto/boards.toml``) are listed too, with the fingerprint each reports over SSH.

    edgepareto devices
    edgepareto devices --json
    edgepareto devices --inventory boards.toml
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

HELP = "show this host's CPU clusters and fingerprint (what bench --cluster takes)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--inventory", type=Path, help="boards inventory TOML (default: the usual places, if present)")
    p.add_argument("--offline", action="store_true", help="list inventory boards without connecting to them")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.bench import discover_host
    from edgepareto.bench.checks import system_checks

    fp = discover_host()
    doc: dict[str, Any] = {"host": fp.to_json(), "checks": system_checks(fp), "boards": []}
    from edgepareto.remote import list_boards
    from edgepareto.remote.inventory import default_inventory_path

    inventory = args.inventory or default_inventory_path()
    if args.inventory is not None or inventory.is_file():
        doc["boards"] = list_boards(inventory, fetch=not args.offline)
    return doc


def render(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import table

    h = doc["host"]
    title = f"{h['cpu_model']} · {h['arch']} · kernel {h['kernel']} · id {h['id']}"
    if h.get("hardware"):
        title = f"{h['hardware']} · " + title
    rows = []
    for c in h["clusters"]:
        ghz = c["max_freq_khz"] / 1e6 if c.get("max_freq_khz") else None
        caches = " ".join(f"{k} {v}" for k, v in c["caches"].items())
        rows.append((c["name"], c["cpu_list"], c["core"], ghz, c.get("capacity"), caches, " ".join(c["simd"])))
    console.print(
        table(title, ["cluster", "CPUs", "core", "max GHz", "capacity", "caches", "SIMD"], rows, right=(3, 4))
    )
    if h.get("cpus_offline"):
        console.print(f"offline CPUs: {h['cpus_offline']}")
    if h.get("sysfs_root"):
        console.print(f"[yellow]fake tree[/yellow]: {h['sysfs_root']} (pinning cannot be verified)")
    console.print("runtimes: " + ", ".join(f"{k} {v}" for k, v in h["runtimes"].items()))
    if doc.get("boards"):
        board_rows = []
        for b in doc["boards"]:
            fp = b.get("fingerprint") or {}
            clusters = ", ".join(f"{c['name']} {c['cpu_list']}" for c in fp.get("clusters", []))
            board_rows.append((b["name"], f"{b.get('host')}:{b.get('port')}", b["status"], clusters or b.get("error")))
        console.print(table("boards", ["board", "address", "status", "clusters / error"], board_rows))
    for c in doc["checks"]:
        colour = {"ok": "green", "advice": "yellow"}.get(c["status"], "dim")
        console.print(f"[{colour}]{c['status']}[/{colour}] {c['check']}: {c['detail']}")

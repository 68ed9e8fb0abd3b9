"""Boards over SSH: list the inventory with fingerprints fetched from each board, or measure a model on them.

The inventory is a TOML file (--inventory, else $EDGEPARETO_INVENTORY, else ./boards.toml,
else ~/.config/edgepareto/boards.toml):

  [defaults]
  user = "odroid"
  key = "~/.ssh/id_ed25519"            # private key file; never logged
  known_hosts = "~/.ssh/known_hosts"   # host keys are verified against this file

  [boards.xu4]
  host = "192.168.1.20"
  python = "/usr/bin/python3"          # needs NumPy and ai-edge-litert (or tflite-runtime)
  clusters = ["LITTLE", "big"]         # optional names for the discovered clusters
  benchmark_model = "/opt/benchmark_model"  # optional: TFLite's C++ tool, for a board without a runtime
  emulated = true                      # optional: flag its numbers as emulated (qemu-user is detected)

A board whose host key is not in known_hosts is refused; check the fingerprint the error prints
and rerun once with --accept-new-host-key. Uploads go to ~/.cache/edgepareto/<project> on the board.

examples:
  edgepareto boards                                 # every board, fingerprints fetched over SSH
  edgepareto boards --devices xu4,rpi4 --json
  edgepareto boards --measure mobilenet_v1_025_224.int8.tflite --devices xu4,rpi4 --cluster big
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from edgepareto.cli._options import add_protocol_argument
from edgepareto.validation import arg_int

HELP = "list remote boards (inventory + fingerprints over SSH) or measure a model on them"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--inventory", type=Path, default=None, help="inventory TOML (default: see above)")
    p.add_argument("--devices", default=None, help="comma-separated board names (default: all in the inventory)")
    p.add_argument("--offline", action="store_true", help="list the inventory without connecting")
    p.add_argument(
        "--accept-new-host-key",
        action="store_true",
        help="trust a board's host key that is not in known_hosts yet and record it there (a changed key is "
        "always refused)",
    )
    p.add_argument("--measure", type=Path, default=None, metavar="MODEL", help="measure this .tflite on each board")
    p.add_argument("--threads", type=arg_int(1, 1024), default=1, help="inference threads (default 1)")
    p.add_argument("--cluster", default=None, help="pin to this cluster of each board (e.g. big, LITTLE)")
    add_protocol_argument(p)
    p.add_argument("--retries", type=arg_int(0, 100), default=3, help="reconnect attempts for a board that drops off")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.remote import list_boards

    if args.measure is None:
        boards = list_boards(
            args.inventory, names=args.devices, fetch=not args.offline, accept_new_host_key=args.accept_new_host_key
        )
        failed = [b for b in boards if b.get("status") not in ("ok", "not checked")]
        return {"boards": boards, **({"exit_code": 1} if failed else {})}  # a refused host key is not a success
    return _measure(args)


def _measure(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.bench import Protocol
    from edgepareto.errors import ModelFileError
    from edgepareto.remote import Job, RetryPolicy, load_inventory, run_farm, select_boards

    if not args.measure.is_file():
        raise ModelFileError(f"{args.measure}: model file not found")
    protocol = Protocol.preset(args.protocol)
    boards = select_boards(load_inventory(args.inventory), args.devices)
    jobs = [Job(b.name, args.measure, protocol, threads=args.threads, cluster=args.cluster) for b in boards]
    results: list[dict[str, Any]] = []

    def on_result(job: Job, m: Any) -> None:
        results.append({"board": job.board, **m.to_json()})

    report = run_farm(
        boards,
        jobs,
        on_result,
        policy=RetryPolicy(retries=args.retries),
        accept_new_host_key=args.accept_new_host_key,
    )
    doc: dict[str, Any] = {"model": str(args.measure), "measurements": results, **report.to_json()}
    if not report.complete:
        doc["exit_code"] = 1
    return doc


def render(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import table

    if "boards" in doc:
        rows = []
        for b in doc["boards"]:
            fp = b.get("fingerprint") or {}
            clusters = fp.get("clusters") if isinstance(fp, dict) else None
            desc = ", ".join(_cluster_text(c) for c in clusters) if clusters else ""
            versions = b.get("versions") or {}
            runtime = versions.get("runtime") or b.get("measures_with") or ("none" if versions else None)
            status = b["status"] + (", emulated" if b.get("emulation") else "")
            rows.append((b["name"], f"{b['user']}@{b['host']}:{b['port']}", status, runtime, desc))
        console.print(table("boards", ["name", "address", "status", "runtime", "clusters"], rows))
        for b in doc["boards"]:
            if b.get("error"):
                console.print(f"[red]{b['name']}[/red]: {b['error']}")
            elif b.get("note"):
                console.print(f"{b['name']}: {b['note']}")
            if b.get("emulation") and not b.get("error"):  # the status column says "emulated" in any case
                console.print(f"{b['name']}: emulated ({b['emulation']}); its latencies are flagged emulated")
        return
    results = [
        (m["board"], m.get("status"), m.get("median_ms"), m.get("ci95_median_ms"), m.get("runs"), m.get("error"))
        for m in doc["measurements"]
    ]
    console.print(
        table(doc["model"], ["board", "status", "median ms", "95% CI", "runs", "error"], results, right=(2, 4))
    )
    for item in doc["not_done"]:
        console.print(f"[red]not measured on {item['board']}[/red]: {item['reason']}")


def _cluster_text(c: Any) -> str:
    if not isinstance(c, dict):
        return str(c)
    ghz = f" @ {c['max_freq_khz'] / 1e6:.1f} GHz" if c.get("max_freq_khz") else ""
    n = len(c.get("cpus") or [])
    return f"{c.get('name', '?')}: {n}x {c.get('core', '?')}{ghz} (CPUs {c.get('cpu_list', '?')})"

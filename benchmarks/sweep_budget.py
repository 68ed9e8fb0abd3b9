"""The main job's time budget: the default sweep from nothing, with trained models cached, and resumed.

Runs ``edgepareto sweep`` (the default plan, no arguments) in fresh working folders:
(1) cold: empty store, empty EDGEPARETO_HOME (Fashion-MNIST models trained, variants
converted); (2) cached: empty store (a fresh clone), the EDGEPARETO_HOME of run 1 (trained
models and converted artifacts reused by recipe; latency measured again); (3) resumed: run 2's
folder again (everything skipped, report rewritten). With ``--home DIR`` (a home that already
holds trained models) run 1 is replaced by a first run with that home, which fills the
conversion cache if it lacks it. Targets: (1) <= 600 s, (2) <= 180 s on this 2-core machine.
Wall time of the sweep command only (the venv is already set up). The machine is shared: the
load average at the start of each run is recorded with it.

    .venv/bin/python benchmarks/sweep_budget.py [--keep DIR] [--home DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results

EDGEPARETO = Path(sys.executable).with_name("edgepareto")


def run_sweep(cwd: Path, home: Path) -> dict:
    env = {**os.environ, "EDGEPARETO_HOME": str(home), "TF_CPP_MIN_LOG_LEVEL": "3"}
    load = os.getloadavg()
    t0 = time.perf_counter()
    r = subprocess.run(
        [str(EDGEPARETO), "sweep", "--json", "--no-live"], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"sweep failed in {cwd}: {r.stderr[-3000:]}")
    doc = json.loads(r.stdout)
    by_kind: dict[str, float] = {}
    for t in doc["timings"]:
        by_kind[t["kind"]] = by_kind.get(t["kind"], 0.0) + t["seconds"]
    return {
        "wall_s": round(wall, 1),
        "loadavg_at_start": load,
        "status": doc["status"],
        "tasks": doc["tasks"],
        "ran": doc["done"],
        "skipped": doc["skipped"],
        "failed": doc["failed"],
        "failures": doc["failures"],
        "seconds_by_kind": {k: round(v, 1) for k, v in sorted(by_kind.items())},
        "timings": doc["timings"],
        "report": (doc.get("report") or {}).get("html"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", type=Path, help="keep the working folders here instead of a temporary folder")
    ap.add_argument(
        "--home", type=Path, help="use this EDGEPARETO_HOME (already holding trained models) and skip the cold run"
    )
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="edgepareto-budget-"))
    home = args.home or root / "home"
    cold, first, cached = root / "cold", root / "first", root / "cached"
    for d in (first, cached) if args.home else (home, cold, cached):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    runs = {}
    if args.home:  # a home from an older run may lack the conversion cache: fill it first, and say so
        runs["first with this home"] = run_sweep(first, home)
    else:
        runs["cold"] = run_sweep(cold, home)
    runs["cached"] = run_sweep(cached, home)
    runs["resumed"] = run_sweep(cached, home)
    targets = {"cold": 600, "first with this home": None, "cached": 180, "resumed": None}
    rows = [
        f"| {name} | {r['wall_s']:.0f} | {targets[name] or '–'} | {r['ran']} | {r['skipped']} | {r['failed']} | "
        + ", ".join(f"{k} {v:.0f} s" for k, v in r["seconds_by_kind"].items())
        + f" | {r['loadavg_at_start'][0]:.2f} |"
        for name, r in runs.items()
    ]
    md = "\n".join(
        [
            "| run | wall s | target s | tasks run | skipped | failed | time by task kind | load (1 min) at start |",
            "|---|---:|---:|---:|---:|---:|---|---:|",
            *rows,
            "",
            "Default plan (`edgepareto sweep`, no arguments): seed study (8 ImageNet variants at 224, fp32+int8, "
            "LiteRT, 1 thread, fast protocol, every cluster) + Fashion-MNIST study (trained, fp32+int8). "
            "Wall time of the sweep command only, venv already installed.",
        ]
    )
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    write_results("sweep_budget", {"runs": runs, "targets_s": targets}, md)
    print(md)


if __name__ == "__main__":
    main()

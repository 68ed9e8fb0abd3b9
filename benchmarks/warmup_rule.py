"""Which warm-up rule reaches the steady state? Per-run times of fresh pinned processes, the rule replayed on them.

``--processes`` (5) fresh processes per file, one after the other, each pinned to ``--cpu``: load with
``Interpreter(num_threads=1)``, random input, then ``--runs`` (300) timed ``invoke()`` calls. On every
process the rule "warm up until the median of the last k runs is within tol of the median of the k before"
is replayed for k in (5, 10) and tol in (2%, 3%): where it stops, and the median of the 10 runs after it
against the median of runs 150..300 of the same process (the later steady state). Used to choose
``Protocol.fast``'s ``stable_window`` / ``stable_tol``.

Run: .venv/bin/python benchmarks/warmup_rule.py [--cpu N] [--processes 5] [--runs 300] [--name warmup_rule] [FILE ...]
Writes benchmarks/results/<host>/NAME_<date>.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "models"
RULES = [(5, 0.02), (5, 0.03), (10, 0.02), (10, 0.03)]
PROBE = """
import json, os, sys, time
import numpy as np
os.sched_setaffinity(0, {cpu})
from ai_edge_litert.interpreter import Interpreter
it = Interpreter(model_path=sys.argv[1], num_threads=1)
it.allocate_tensors()
d = it.get_input_details()[0]
it.set_tensor(d["index"], (np.random.default_rng(0).random(d["shape"]) * 255).astype(d["dtype"]))
times = []
for _ in range({runs}):
    t0 = time.perf_counter_ns(); it.invoke(); times.append((time.perf_counter_ns() - t0) / 1e6)
print(json.dumps(times))
"""


def replay(times: list[float], k: int, tol: float) -> dict[str, Any]:
    """Where the rule stops on these times, and how far the next 10 runs are from runs 150.. of the process."""
    later = statistics.median(times[len(times) // 2 :])
    for i in range(2 * k, len(times) - 10):
        a, b = statistics.median(times[i - 2 * k : i - k]), statistics.median(times[i - k : i])
        if abs(b / a - 1.0) <= tol:
            return {"stop": i, "next10_vs_later": statistics.median(times[i : i + 10]) / later}
    return {"stop": None, "next10_vs_later": None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)))
    ap.add_argument("--processes", type=int, default=5)
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--name", default="warmup_rule")
    args = ap.parse_args()
    files = args.files or sorted(FIXTURES.glob("*.tflite"))
    code = PROBE.format(cpu="{" + str(args.cpu) + "}", runs=args.runs)
    rows = []
    for f in files:
        for _ in range(args.processes):
            out = subprocess.run([sys.executable, "-c", code, str(f)], capture_output=True, text=True, check=True)
            times = json.loads(out.stdout.strip().splitlines()[-1])
            later = statistics.median(times[len(times) // 2 :])
            rows.append(
                {
                    "file": f.name,
                    "first_vs_later": times[0] / later,
                    "times_ms": times,
                    "rules": {f"k={k} tol={tol:.0%}": replay(times, k, tol) for k, tol in RULES},
                }
            )
    lines = [
        f"{args.processes} fresh processes per file pinned to CPU {args.cpu}, {args.runs} timed invoke() each; "
        f"load {os.getloadavg()} at the end. Per rule: runs before it stops (min–max) and processes whose next "
        "10 runs are within 2% of runs 150.. of the same process.",
        "",
        "| rule | stops after | within 2% |",
        "|---|---|---:|",
    ]
    for k, tol in RULES:
        name = f"k={k} tol={tol:.0%}"
        got = [r["rules"][name] for r in rows if r["rules"][name]["stop"] is not None]
        stops = [g["stop"] for g in got]
        near = sum(abs(g["next10_vs_later"] - 1.0) <= 0.02 for g in got)
        lines.append(f"| {name} | {min(stops)}–{max(stops)} | {near} / {len(rows)} |")
    _, mpath = write_results(args.name, {"cpu": args.cpu, "rows": rows}, "\n".join(lines))
    print(mpath.read_text())


if __name__ == "__main__":
    main()

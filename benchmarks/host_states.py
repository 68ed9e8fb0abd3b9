"""How long the host's speed states last, and what spacing the fast protocol's processes needs to sample them.

``--processes`` (300) short processes back to back, each pinned to one CPU: load the model, one
warm-up, ``--runs`` (30) timed ``invoke()`` calls, the fixed-work calibration loop of
:mod:`edgepareto.bench.interference` before and after. Each process's median and calibration are
kept in order with their start times. From the sequence: the split into states (a process is in
the slow state when its calibration is above the midpoint of the fastest and slowest decile),
how long a state lasts (in processes and seconds), the correlation of latency with calibration,
and, replayed offline, the coverage of a 6-process CI ([min, max] of the 6 medians, the fast
protocol's exact CI) of the sequence's grand median when the 6 processes are consecutive or
spaced ``k`` processes apart.

Run: .venv/bin/python benchmarks/host_states.py [--processes 300] [--runs 30] [--cpu N] [FILE]
Writes benchmarks/results/<host>/host_states_<date>.{json,md}.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "models"
DEFAULT_FILE = FIXTURES / "mobilenet_v1_0.25_128_quant.tflite"
SPACINGS = (1, 2, 3, 5, 8)

WORKER = r"""
import json, os, sys, time
import numpy as np
os.sched_setaffinity(0, {int(sys.argv[2])})
from edgepareto.bench.interference import calibrate
c0 = calibrate()
from ai_edge_litert import interpreter as m
i = m.Interpreter(model_path=sys.argv[1], num_threads=1)
i.allocate_tensors()
d = i.get_input_details()[0]
info = np.iinfo(d["dtype"]) if np.issubdtype(d["dtype"], np.integer) else None
rng = np.random.default_rng(0)
x = rng.integers(info.min, info.max, d["shape"]) if info else rng.random(d["shape"])
i.set_tensor(d["index"], x.astype(d["dtype"]))
i.invoke()
ts = []
for _ in range(int(sys.argv[3])):
    t = time.perf_counter_ns(); i.invoke(); ts.append((time.perf_counter_ns() - t) / 1e6)
print(json.dumps({"median_ms": float(np.median(ts)), "calibration_ms": [c0, calibrate()]}))
"""


def sequence(model: Path, n: int, runs: int, cpu: int) -> list[dict[str, Any]]:
    out, t0 = [], time.monotonic()
    for k in range(n):
        start = time.monotonic() - t0
        p = subprocess.run(
            [sys.executable, "-c", WORKER, str(model), str(cpu), str(runs)], capture_output=True, text=True, check=True
        )
        out.append({"order": k, "start_s": start, **json.loads(p.stdout.strip().splitlines()[-1])})
    return out


def states(rows: list[dict[str, Any]]) -> list[str]:
    """``F``/``S`` per process: calibration below/above the midpoint of its 10th and 90th percentiles."""
    cal = np.array([statistics.mean(r["calibration_ms"]) for r in rows])
    cut = (np.percentile(cal, 10) + np.percentile(cal, 90)) / 2
    return ["S" if c > cut else "F" for c in cal]


def coverage(medians: list[float], spacing: int) -> float:
    grand = statistics.median(medians)
    starts = range(len(medians) - 5 * spacing)
    hits = [min(w) <= grand <= max(w) for w in ([medians[s + spacing * j] for j in range(6)] for s in starts)]
    return sum(hits) / len(hits)


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    st = states(rows)
    med = [r["median_ms"] for r in rows]
    lengths = [len(list(g)) for _, g in itertools.groupby(st)]
    per_process_s = (rows[-1]["start_s"] - rows[0]["start_s"]) / max(1, len(rows) - 1)
    cal = [statistics.mean(r["calibration_ms"]) for r in rows]
    by = {s: [m for m, x in zip(med, st, strict=True) if x == s] for s in "FS"}
    return {
        "states": "".join(st),
        "slow_share": st.count("S") / len(st),
        "median_ms_by_state": {s: statistics.median(v) if v else None for s, v in by.items()},
        "calibration_ms_by_state": {
            s: statistics.median([c for c, x in zip(cal, st, strict=True) if x == s] or [0]) for s in "FS"
        },
        "corr_latency_calibration": float(np.corrcoef(med, cal)[0, 1]),
        "mean_state_length_processes": statistics.mean(lengths),
        "seconds_per_process": per_process_s,
        "mean_state_length_s": statistics.mean(lengths) * per_process_s,
        "switches_within_a_process": sum(
            (r["calibration_ms"][0] > 1.25 * r["calibration_ms"][1])
            or (r["calibration_ms"][1] > 1.25 * r["calibration_ms"][0])
            for r in rows
        ),
        "grand_median_ms": statistics.median(med),
        "coverage_by_spacing": {k: coverage(med, k) for k in SPACINGS},
    }


def markdown(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    ms, cal = s["median_ms_by_state"], s["calibration_ms_by_state"]
    cov = " | ".join(f"{100 * v:.0f}%" for v in s["coverage_by_spacing"].values())
    return f"""# Host speed states: how long they last, and how far apart the fast protocol's processes must be

`{doc["model"]}`, {doc["processes"]} processes back to back pinned to CPU {doc["cpu"]}, each: load, 1 warm-up,
{doc["runs"]} timed `invoke()`, the calibration loop before and after. Load average before {doc["load_before"]},
after {doc["load_after"]}.

| state (by calibration loop) | processes | median latency ms | median calibration ms |
|---|---:|---:|---:|
| fast | {s["states"].count("F")} | {ms["F"] or 0:.3f} | {cal["F"]:.3f} |
| slow | {s["states"].count("S")} | {ms["S"] or 0:.3f} | {cal["S"]:.3f} |

- correlation of a process's latency with its calibration loop: {s["corr_latency_calibration"]:.2f}; the state
  changed inside {s["switches_within_a_process"]} processes (calibration before and after > 25% apart): the
  states are the CPU's speed over time (a busy sibling thread, another tenant), not a property of a process
- a state lasts {s["mean_state_length_processes"]:.1f} processes on average, {s["mean_state_length_s"]:.2f} s
  ({s["seconds_per_process"]:.2f} s per process)
- replayed: coverage of the grand median ({s["grand_median_ms"]:.3f} ms) by the [min, max] of 6 processes
  taken k processes apart:

| k = | {" | ".join(str(k) for k in s["coverage_by_spacing"])} |
|---|{"---:|" * len(s["coverage_by_spacing"])}
| coverage | {cov} |

Sequence of states: `{s["states"]}`
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    ap.add_argument("--processes", type=int, default=300)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)))
    ap.add_argument("--name", default="host_states", help="results file stem under benchmarks/results")
    args = ap.parse_args()
    if not args.file.is_file():
        sys.exit(f"{args.file}: model file not found; put ../shared beside the repository or pass a .tflite")
    if args.processes < 12 or args.runs < 1:
        sys.exit("--processes must be >= 12 and --runs >= 1")
    doc: dict[str, Any] = {"model": args.file.name, "processes": args.processes, "runs": args.runs,
                           "cpu": args.cpu, "load_before": os.getloadavg()}  # fmt: skip
    doc["rows"] = sequence(args.file, args.processes, args.runs, args.cpu)
    doc["load_after"] = os.getloadavg()
    doc["summary"] = summarise(doc["rows"])
    _, m = write_results(args.name, doc, markdown(doc))
    print(m.read_text())


if __name__ == "__main__":
    main()

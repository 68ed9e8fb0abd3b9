"""Where the 0.36 / 0.44 ms modes of a bare invoke() loop come from: per process, or over time?

Each of ``--processes`` fresh processes pins itself to one CPU, loads the model once, sets one
random input and then times ``--blocks`` blocks of 50 back-to-back ``invoke()`` calls (p10 of each
block), with the fixed-work calibration loop of :mod:`edgepareto.bench.interference` after every
block and a 50 ms pause between blocks. If the modes were a property of the process (memory layout,
packed-weight placement, input values) a process would stay in one mode; if they are the CPU's speed
over time, modes alternate within a process and the calibration loop moves with them.

Run: .venv/bin/python benchmarks/latency_modes.py [--processes 6] [--blocks 20] [--cpu N] [FILE ...]
Writes benchmarks/results/<host>/latency_modes_<date>.{json,md}.
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
DEFAULT_FILES = [FIXTURES / "mobilenet_v1_0.25_128.tflite", FIXTURES / "mobilenet_v1_0.25_128_quant.tflite"]

WORKER = r"""
import json, os, sys, time
import numpy as np
os.sched_setaffinity(0, {int(sys.argv[2])})
from ai_edge_litert import interpreter as m
from edgepareto.bench.interference import calibrate
i = m.Interpreter(model_path=sys.argv[1], num_threads=1)
i.allocate_tensors()
d = i.get_input_details()[0]
rng = np.random.default_rng(0)
if np.dtype(d["dtype"]).kind == "f":
    x = rng.uniform(-1, 1, d["shape"]).astype(d["dtype"])
else:
    x = rng.integers(0, 255, d["shape"]).astype(d["dtype"])
i.set_tensor(d["index"], x)
for _ in range(20):
    i.invoke()
rows = []
for _ in range(int(sys.argv[3])):
    ts = []
    for _ in range(50):
        t0 = time.perf_counter_ns(); i.invoke(); ts.append(time.perf_counter_ns() - t0)
    rows.append([float(np.percentile(ts, 10)) / 1e6, calibrate()])
    time.sleep(0.05)
print(json.dumps(rows))
"""


def one_process(model: Path, cpu: int, blocks: int) -> list[list[float]]:
    out = subprocess.run(
        [sys.executable, "-c", WORKER, str(model), str(cpu), str(blocks)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def analyse(procs: list[list[list[float]]]) -> dict[str, Any]:
    lat = [b[0] for p in procs for b in p]
    cal = [b[1] for p in procs for b in p]
    fast = min(lat)
    slow_blocks = [b for p in procs for b in p if b[0] > fast * 1.10]
    fast_blocks = [b for p in procs for b in p if b[0] <= fast * 1.10]
    switching = sum(1 for p in procs if len({b[0] > fast * 1.10 for b in p}) == 2)
    return {
        "blocks": len(lat),
        "fastest_block_ms": fast,
        "slow_blocks": len(slow_blocks),
        "processes_switching_mode": switching,
        "processes": len(procs),
        "median_fast_ms": statistics.median(b[0] for b in fast_blocks) if fast_blocks else None,
        "median_slow_ms": statistics.median(b[0] for b in slow_blocks) if slow_blocks else None,
        "calibration_fast_ms": statistics.median(b[1] for b in fast_blocks) if fast_blocks else None,
        "calibration_slow_ms": statistics.median(b[1] for b in slow_blocks) if slow_blocks else None,
        "correlation_latency_calibration": statistics.correlation(lat, cal) if len(set(lat)) > 1 else None,
        "per_process_ms": [[round(b[0], 3) for b in p] for p in procs],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    ap.add_argument("--processes", type=int, default=6)
    ap.add_argument("--blocks", type=int, default=20)
    ap.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)))
    args = ap.parse_args()
    rows = []
    for f in args.files:
        res = analyse([one_process(f, args.cpu, args.blocks) for _ in range(args.processes)])
        rows.append({"model": f.name, **res})
    lines = [
        f"{args.processes} fresh processes per file, each pinned to CPU {args.cpu}: {args.blocks} blocks of 50 "
        "back-to-back invoke() (p10 per block), the calibration loop after each block, 50 ms pause between blocks. "
        "A block is 'slow' when its p10 is more than 10% above the fastest block of that file.",
        "",
        "| file | fast blocks ms | slow blocks ms | slow blocks | processes that switch mode | calibration ms "
        "fast / slow | corr(latency, calibration) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:

        def f3(v: float | None) -> str:
            return "–" if v is None else f"{v:.3f}"

        corr = r["correlation_latency_calibration"]
        lines.append(
            f"| {r['model']} | {f3(r['median_fast_ms'])} | {f3(r['median_slow_ms'])} | {r['slow_blocks']}/"
            f"{r['blocks']} | {r['processes_switching_mode']}/{r['processes']} | {f3(r['calibration_fast_ms'])} / "
            f"{f3(r['calibration_slow_ms'])} | {'–' if corr is None else f'{corr:.2f}'} |"
        )
    load = Path("/proc/loadavg").read_text().split()[:3]
    lines.append(f"\n/proc/loadavg at the end: {' '.join(load)}.")
    _, mpath = write_results("latency_modes", {"cpu": args.cpu, "rows": rows, "loadavg_end": load}, "\n".join(lines))
    print(mpath.read_text())


if __name__ == "__main__":
    main()

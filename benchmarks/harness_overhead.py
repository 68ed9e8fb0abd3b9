"""Per-run overhead of our timed loop over a bare ``invoke()`` loop (target: under 20 µs).

One process pinned to one CPU. Two invokes: a no-op (isolates the harness itself) and the real
LiteRT interpreter on the smallest model (alpha 0.25 int8). For each, blocks of our
``timed_loop`` (fixed runs, and the adaptive rule with its CI checks) alternate with blocks of a
bare ``t0 = perf_counter_ns(); invoke(); t1`` loop; the overhead is the difference in wall time
per run (median over blocks). A third variant adds per-run telemetry reads from a fake
Exynos 5422 tree (4 frequency + 5 thermal files), as on a board.

Run: .venv/bin/python benchmarks/harness_overhead.py [--blocks 15] [--runs 2000] [--cpu N]
Writes benchmarks/results/<host>/harness_overhead_<date>.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy as np
from _artifacts import DEFAULT_DIR, ROOT, artifact
from _common import write_results

from edgepareto.bench.protocol import Protocol, timed_loop
from edgepareto.bench.telemetry import RunLog, Sampler
from edgepareto.engines import open_runner


def bare(invoke, n: int) -> float:
    """Wall seconds per run of the simplest honest timing loop."""
    clock = time.perf_counter_ns
    times = []
    append = times.append
    start = clock()
    for _ in range(n):
        t0 = clock()
        invoke()
        append(clock() - t0)
    return (clock() - start) / 1e9 / n


def harness(invoke, protocol: Protocol, runlog: RunLog | None = None) -> float:
    r = timed_loop(invoke, protocol, runlog=runlog)
    return r.wall_s / len(r.times_ns)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--blocks", type=int, default=15)
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument(
        "--model-runs",
        type=int,
        default=50,
        help="runs per block with the real model (short blocks "
        "make alternation fine-grained, so load changes hit both loops alike)",
    )
    ap.add_argument("--model-blocks", type=int, default=61)
    ap.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)))
    ap.add_argument("--artifacts", type=Path, default=DEFAULT_DIR)
    args = ap.parse_args()
    os.sched_setaffinity(0, [args.cpu])
    model = artifact(args.artifacts, 0.25, "int8")
    runner = open_runner(model, "litert", threads=1)
    runner.set_inputs([s.random(np.random.default_rng(0)) for s in runner.inputs])

    def noop() -> None:
        return None

    with tempfile.TemporaryDirectory() as tmp:
        sys.path.insert(0, str(ROOT / "tests" / "bench"))
        from fakesys import make_exynos5422

        env = make_exynos5422(tmp)
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        sampler = Sampler([4, 5, 6, 7])  # opened on the fake tree, read each run
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k)
            else:
                os.environ[k] = v
        cases = []
        for label, invoke, n, blocks in (
            ("no-op invoke", noop, args.runs, args.blocks),
            ("LiteRT invoke", runner.invoke, args.model_runs, args.model_blocks),
        ):
            fixed = Protocol(name="fixed", warmup=0, runs=n)
            adaptive = Protocol(name="adaptive", warmup=0, min_runs=n, max_runs=n, target_ci=1e-9, time_limit_s=None)
            for variant, proto, tele in (
                ("fixed runs", fixed, False),
                ("stopping rule checks", adaptive, False),
                ("fixed + telemetry (fake XU4 sysfs)", fixed, True),
            ):
                base, ours = [], []
                bare(invoke, min(n, 200))  # warm caches
                for b in range(blocks):
                    if b % 2:  # alternate which loop goes first
                        ours.append(harness(invoke, proto, RunLog(sampler) if tele else None))
                        base.append(bare(invoke, n))
                        continue
                    base.append(bare(invoke, n))
                    ours.append(harness(invoke, proto, RunLog(sampler) if tele else None))
                over = [o - b for o, b in zip(ours, base, strict=True)]
                cases.append(
                    {
                        "invoke": label,
                        "variant": variant,
                        "runs_per_block": n,
                        "blocks": args.blocks,
                        "bare_us": statistics.median(base) * 1e6,
                        "ours_us": statistics.median(ours) * 1e6,
                        "overhead_us": statistics.median(over) * 1e6,
                    }
                )
                c = cases[-1]
                print(
                    f"{label:14s} {variant:36s} bare {c['bare_us']:9.2f} µs  ours {c['ours_us']:9.2f} µs  "
                    f"overhead {c['overhead_us']:+.2f} µs",
                    file=sys.stderr,
                )
        sampler.close()
    ok = all(c["overhead_us"] < 20 for c in cases if c["invoke"] == "no-op invoke")
    ok_real = all(c["overhead_us"] < 20 for c in cases if c["invoke"] != "no-op invoke")
    lines = [
        f"Per-run wall time of our timed loop minus a bare invoke() loop; one process pinned to CPU {args.cpu}; "
        f"alternating blocks (median of the per-block differences). Engine {runner.info.version}, "
        f"{runner.info.kernel_path}, 1 thread, model {model.name}. The no-op rows isolate the harness (its cost "
        f"is the same whatever invoke() does); the LiteRT rows add the real model, where other load on this "
        f"shared host moves single blocks by milliseconds.",
        "",
        "| invoke | harness | runs/block | bare µs/run | ours µs/run | overhead µs/run |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for c in cases:
        lines.append(
            f"| {c['invoke']} | {c['variant']} | {c['runs_per_block']} | {c['bare_us']:.2f} | "
            f"{c['ours_us']:.2f} | {c['overhead_us']:+.2f} |"
        )
    lines.append(
        f"\nHarness overhead under 20 µs (no-op invoke): {'yes' if ok else 'NO'}; "
        f"with the real model as well: {'yes' if ok_real else 'NO (load noise, see rows)'}"
    )
    protocol = {
        "threads": 1,
        "cpus": [args.cpu],
        "blocks": args.blocks,
        "runs": args.runs,
        "model_runs": args.model_runs,
        "engine": runner.info.version,
        "kernel_path": runner.info.kernel_path,
    }
    _, mpath = write_results(
        "harness_overhead",
        {"protocol": protocol, "cases": cases, "under_20us": ok, "under_20us_real_model": ok_real},
        "\n".join(lines),
    )
    print(mpath.read_text())


if __name__ == "__main__":
    main()

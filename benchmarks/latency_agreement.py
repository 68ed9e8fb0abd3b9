"""Agreement with LiteRT's own benchmark: our median vs ``ai_edge_litert/tools/benchmark_litert_model.py``.

Same model, same thread count, same CPU, same warm-up and run counts, both in fresh child
processes; the two tools alternate ``--reps`` times per model (interleaved, so load changes on
this shared machine hit both) and the ratio of the medians of their medians is reported.
Target: within ±3% (fp32 and int8, alpha 0.25 and 1.0).

Run: .venv/bin/python benchmarks/latency_agreement.py [--reps 5] [--runs 100] [--cpu N]
Writes benchmarks/results/<host>/latency_agreement_<date>.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ai_edge_litert
from _artifacts import DEFAULT_DIR, artifact
from _common import write_results

from edgepareto.bench import Protocol, measure

TOOL = Path(ai_edge_litert.__file__).parent / "tools" / "benchmark_litert_model.py"


def theirs(model: Path, runs: int, warmup: int, cpu: int) -> float:
    """Median (ms) from LiteRT's Python benchmark, pinned to ``cpu`` with taskset semantics."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [
            sys.executable,
            str(TOOL),
            f"--model={model}",
            f"--num_runs={runs}",
            f"--warmup_runs={warmup}",
            "--num_threads=1",
            f"--result_json={out.name}",
        ]
        subprocess.run(cmd, check=True, capture_output=True, preexec_fn=lambda: os.sched_setaffinity(0, [cpu]))
        return float(json.loads(Path(out.name).read_text())["latency"]["median_ms"])


def ours(model: Path, runs: int, warmup: int, cpu: int) -> tuple[float, dict]:
    m = measure(model, threads=1, cpus=[cpu], protocol=Protocol(name="agreement", warmup=warmup, runs=runs))
    if not m.ok:
        raise SystemExit(f"{model}: {m.error}")
    return m.median_ms, {k: m.to_json()[k] for k in ("engine_version", "kernel_path", "pinning", "protocol")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)))
    ap.add_argument("--artifacts", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--alphas", default="0.25,1.0")
    args = ap.parse_args()
    rows, meta = [], None
    for alpha in (float(a) for a in args.alphas.split(",")):
        for precision in ("fp32", "int8"):
            model = artifact(args.artifacts, alpha, precision)
            a, b = [], []
            for rep in range(args.reps):
                first_ours = rep % 2 == 0
                for who in ("ours", "theirs") if first_ours else ("theirs", "ours"):
                    if who == "ours":
                        med, meta = ours(model, args.runs, args.warmup, args.cpu)
                        a.append(med)
                    else:
                        b.append(theirs(model, args.runs, args.warmup, args.cpu))
            ma, mb = statistics.median(a), statistics.median(b)
            rows.append(
                {
                    "model": model.name,
                    "alpha": alpha,
                    "precision": precision,
                    "ours_ms": a,
                    "theirs_ms": b,
                    "ours_median_ms": ma,
                    "theirs_median_ms": mb,
                    "diff": ma / mb - 1,
                }
            )
            print(f"{model.name}: ours {ma:.3f} ms, theirs {mb:.3f} ms, {100 * (ma / mb - 1):+.2f}%", file=sys.stderr)
    ok = all(abs(r["diff"]) <= 0.03 for r in rows)
    lines = [
        f"Our median vs LiteRT's benchmark_litert_model.py: 1 thread pinned to CPU {args.cpu}, {args.warmup} warm-up "
        f"+ {args.runs} counted runs per measurement, {args.reps} interleaved repetitions per tool and model; "
        f"figures are medians of the repetitions' medians. Engine: {meta['engine_version']}, {meta['kernel_path']} "
        f"(theirs: CompiledModel API, CPU accelerator).",
        "",
        "| model | ours ms | theirs ms | difference | ours per rep | theirs per rep |",
        "|---|---:|---:|---:|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['ours_median_ms']:.3f} | {r['theirs_median_ms']:.3f} | {100 * r['diff']:+.2f}% | "
            f"{', '.join(f'{x:.3f}' for x in r['ours_ms'])} | {', '.join(f'{x:.2f}' for x in r['theirs_ms'])} |"
        )
    lines.append(f"\nAll within ±3%: {'yes' if ok else 'NO'}")
    protocol = {
        "threads": 1,
        "cpus": [args.cpu],
        "warmup": args.warmup,
        "runs": args.runs,
        "reps": args.reps,
        "pause_s": 0,
        "ours": meta,
    }
    _, mpath = write_results(
        "latency_agreement", {"protocol": protocol, "rows": rows, "within_3pct": ok}, "\n".join(lines)
    )
    print(mpath.read_text())


if __name__ == "__main__":
    main()

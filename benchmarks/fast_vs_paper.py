"""Time to a stable figure: the fast default vs the paper protocol (run without pauses) on the seed's 8 variants.

For MobileNet v1 alpha 0.25/0.5/0.75/1.0, fp32 and int8 at 224, LiteRT with XNNPACK, 1 thread
pinned to one CPU: the paper protocol (1 warm-up + 100 runs, pauses removed) and the fast
default (stop when the 95% CI of the median is within ±2%) alternate ``--reps`` times per
variant, each in its own measuring child. Reported: the difference of the fast median from the paper
median measured right beside it, as the median over the ``--reps`` back-to-back pairs (target ±3%;
this host's speed drifts by tens of percent within seconds, so only paired figures share a moment),
the unpaired median of each protocol's medians beside it, and the ratio of measuring time, warm-up
included, process start and model load excluded (target ≤ 1/5).

Run: .venv/bin/python benchmarks/fast_vs_paper.py [--reps 15] [--cpu N]
Writes benchmarks/results/<host>/fast_vs_paper_<date>.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _artifacts import DEFAULT_DIR, artifact
from _common import write_results

from edgepareto.bench import Protocol, measure


def run(model: Path, protocol: Protocol, cpu: int) -> dict:
    m = measure(model, threads=1, cpus=[cpu], protocol=protocol, keep_times=False)
    if not m.ok:
        raise SystemExit(f"{model}: {m.error}")
    wall = m.wall_s + sum(m.warmup_ms or []) / 1000.0
    return {
        "median_ms": m.median_ms,
        "runs": m.runs,
        "wall_s": wall,
        "runs_s": m.wall_s,
        "stopped_by": m.stopped_by,
        "ci95_median_ms": m.ci95_median_ms,
        "engine": m.engine_version,
        "kernel_path": m.kernel_path,
        "pinning": m.pinning["status"] if m.pinning else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)))
    ap.add_argument("--artifacts", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--alphas", default="0.25,0.5,0.75,1.0")
    args = ap.parse_args()
    paper, fast = Protocol.paper(pause_s=0.0), Protocol.fast()
    rows = []
    for alpha in (float(a) for a in args.alphas.split(",")):
        for precision in ("fp32", "int8"):
            model = artifact(args.artifacts, alpha, precision)
            p_runs, f_runs = [], []
            for rep in range(args.reps):
                order = (("paper", paper), ("fast", fast)) if rep % 2 == 0 else (("fast", fast), ("paper", paper))
                for name, proto in order:
                    (p_runs if name == "paper" else f_runs).append(run(model, proto, args.cpu))
            pairs = [f["median_ms"] / p["median_ms"] for p, f in zip(p_runs, f_runs, strict=True)]
            pm = statistics.median(r["median_ms"] for r in p_runs)
            fm = statistics.median(r["median_ms"] for r in f_runs)
            pw = statistics.median(r["wall_s"] for r in p_runs)
            fw = statistics.median(r["wall_s"] for r in f_runs)
            pr = statistics.median(r["runs_s"] for r in p_runs)
            fr = statistics.median(r["runs_s"] for r in f_runs)
            spread = max(abs(r["median_ms"] / pm - 1) for r in p_runs)  # how far one paper run strays from the rest
            rows.append(
                {
                    "model": model.name,
                    "paper_spread": spread,
                    "runs_ratio": fr / pr,
                    "alpha": alpha,
                    "precision": precision,
                    "paper": p_runs,
                    "fast": f_runs,
                    "paper_median_ms": pm,
                    "fast_median_ms": fm,
                    "diff": statistics.median(pairs) - 1,
                    "diff_per_pair": [x - 1 for x in pairs],
                    "diff_unpaired": fm / pm - 1,
                    "paper_wall_s": pw,
                    "fast_wall_s": fw,
                    "wall_ratio": fw / pw,
                    "fast_runs": [r["runs"] for r in f_runs],
                }
            )
            r = rows[-1]
            print(
                f"{model.name}: paper {pm:.3f} ms in {pw:.2f} s, fast {fm:.3f} ms in {fw:.2f} s "
                f"({100 * r['diff']:+.2f}%, time x{r['wall_ratio']:.2f}, runs {r['fast_runs']})",
                file=sys.stderr,
            )
    ok_median = all(abs(r["diff"]) <= 0.03 for r in rows)
    ok_time = all(r["wall_ratio"] <= 0.2 for r in rows)
    ok_runs_time = all(r["runs_ratio"] <= 0.2 for r in rows)
    n_med = sum(abs(r["diff"]) <= 0.03 for r in rows)
    eng = rows[0]["paper"][0]
    lines = [
        f"fast ({fast}) vs paper without pauses ({paper}); LiteRT {eng['engine']}, {eng['kernel_path']}, 1 thread "
        f"pinned to CPU {args.cpu} (pinning {eng['pinning']}); {args.reps} interleaved repetitions per variant, "
        "difference = median over the back-to-back pairs of fast/paper - 1; 'unpaired' compares the medians of "
        "each protocol's medians. Measuring time = warm-up + counted runs (process start and model load "
        "excluded, the same for both).",
        "",
        "| model | paper median ms | fast median ms | difference (paired) | unpaired | paper-vs-paper spread "
        "| paper s | fast s | fast/paper time | same, counted runs only | fast runs |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['paper_median_ms']:.3f} | {r['fast_median_ms']:.3f} | "
            f"{100 * r['diff']:+.2f}% | {100 * r['diff_unpaired']:+.2f}% | ±{100 * r['paper_spread']:.1f}% | "
            f"{r['paper_wall_s']:.3f} | "
            f"{r['fast_wall_s']:.3f} | {r['wall_ratio']:.3f} | {r['runs_ratio']:.3f} | "
            f"{', '.join(map(str, r['fast_runs']))} |"
        )
    lines.append(
        f"\nMedians within ±3%: {'yes' if ok_median else 'NO'} ({n_med} of {len(rows)}); fast in ≤ 1/5 of the time "
        f"(warm-up included): {'yes' if ok_time else 'NO'}; counted runs only: {'yes' if ok_runs_time else 'NO'}. "
        f"'paper-vs-paper spread' is the largest distance of one paper repetition's median from the median of all "
        f"paper repetitions: the noise floor of this host during the run."
    )
    protocol = {
        "threads": 1,
        "cpus": [args.cpu],
        "reps": args.reps,
        "paper": paper.to_json(),
        "fast": fast.to_json(),
        "engine": eng["engine"],
        "kernel_path": eng["kernel_path"],
    }
    _, mpath = write_results(
        "fast_vs_paper",
        {
            "protocol": protocol,
            "rows": rows,
            "medians_within_3pct": ok_median,
            "n_within_3pct": n_med,
            "counted_runs_time_within_fifth": ok_runs_time,
            "time_within_fifth": ok_time,
        },
        "\n".join(lines),
    )
    print(mpath.read_text())


if __name__ == "__main__":
    main()

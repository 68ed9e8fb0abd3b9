"""Do the reported 95% CIs hold from invocation to invocation? Coverage of the new fast protocol vs the former one.

For each file, ``--reps`` (20) separate invocations of each protocol, interleaved (the order rotates every
repetition, so every protocol sees the same moments of this host): the new ``fast`` protocol (6
processes of 1 warm-up + 1 run, 0.5 s apart, median of the process medians, exact order-statistic CI
over the processes), the same with 2 runs per process without the gaps (``fast-nogap``, the fast
protocol before) and with them (``fast-2runs``), the former one (``fast-single``: one process, 3
warm-ups, 8..15 runs until the CI of its median is within ±2%, bootstrap CI) and the paper protocol without
its pauses (1 warm-up + 100 runs,
bootstrap CI) as the time reference. Coverage = the fraction of a protocol's invocations whose reported
95% CI of the median contains the median of all its invocations' medians (goal ≥ 90%). Time: measuring
time = warm-up + timed runs (process start and model load excluded, as in fast_vs_paper.py) and wall
time of the whole ``measure()`` call (process starts included), medians over the invocations.
``/proc/loadavg`` is recorded before each invocation and at the start and end.

Run: .venv/bin/python benchmarks/ci_coverage.py [--reps 20] [--cpu N]
[--protocols fast,fast-nogap,fast-2runs,fast-single,paper,fast-10] [--name ci_coverage]
[FILE ...]  (``fast-N``: the fast protocol with N processes)
Writes benchmarks/results/NAME.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results

from edgepareto.bench import Protocol, measure

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "models"
DEFAULT_FILES = [FIXTURES / "mobilenet_v1_0.25_128.tflite", FIXTURES / "mobilenet_v1_0.25_128_quant.tflite"]
PAPER = "paper (no pauses)"
PRESETS = {
    "fast": Protocol.fast(),
    "fast-nogap": Protocol.fast(runs=2, process_gap_s=0.0),  # the fast protocol until 2026-12-02: back to back
    "fast-2runs": Protocol.fast(runs=2),  # spaced, 2 runs per process (the default for part of 2026-12-02)
    "fast-1run": Protocol.fast(runs=1),  # = fast since 2026-12-02: 6 processes of 1 warm-up + 1 run
    "fast-single": Protocol.fast_single(),
    "paper": Protocol.paper(pause_s=0.0),
}
PROTOCOLS: dict[str, Protocol] = {}


def pick(names: str) -> dict[str, Protocol]:
    """``fast,fast-single,paper`` and ``fast-N`` (the fast protocol in N processes) -> protocols by label."""
    out = {}
    for name in names.split(","):
        if name.startswith("fast-") and name[5:].isdigit():
            out[name] = Protocol.fast(processes=int(name[5:]))
        else:
            out[PAPER if name == "paper" else name] = PRESETS[name]
    return out


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def one(model: Path, protocol: Protocol, cpu: int) -> dict[str, Any]:
    load = loadavg()
    t0 = time.monotonic()
    m = measure(model, threads=1, cpus=[cpu], protocol=protocol, keep_times=False)
    wall = time.monotonic() - t0
    if not m.ok:
        raise SystemExit(f"{model}: {m.error}")
    return {
        "median_ms": m.median_ms,
        "ci95_median_ms": m.ci95_median_ms,
        "runs": m.runs,
        "measuring_s": (m.wall_s or 0.0) + sum(m.warmup_ms or []) / 1000.0,
        "wall_s": wall,
        "stopped_by": m.stopped_by,
        "noisy": m.noisy,
        "process_medians_ms": [p["median_ms"] for p in m.processes or []],
        "modes": m.modes,
        "loadavg_before": load,
        "kernel_path": m.kernel_path,
        "engine": m.engine_version,
    }


def summarize_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    grand = statistics.median(r["median_ms"] for r in runs)
    inside = [r["ci95_median_ms"][0] <= grand <= r["ci95_median_ms"][1] for r in runs]
    halves = [(r["ci95_median_ms"][1] - r["ci95_median_ms"][0]) / 2 / r["median_ms"] for r in runs]
    return {
        "grand_median_ms": grand,
        "coverage": sum(inside) / len(runs),
        "covered": sum(inside),
        "median_ci_halfwidth": statistics.median(halves),
        "spread": (max(r["median_ms"] for r in runs) - min(r["median_ms"] for r in runs)) / grand,
        "measuring_s": statistics.median(r["measuring_s"] for r in runs),
        "wall_s": statistics.median(r["wall_s"] for r in runs),
        "noisy": sum(bool(r["noisy"]) for r in runs),
        "runs": statistics.median(r["runs"] for r in runs),
    }


def measure_file(model: Path, reps: int, cpu: int) -> dict[str, Any]:
    names = list(PROTOCOLS)
    runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for rep in range(reps):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            runs[name].append(one(model, PROTOCOLS[name], cpu))
        f = runs[names[0]][-1]
        print(f"{model.name} rep {rep + 1}/{reps}: {names[0]} {f['median_ms']:.3f} {f['ci95_median_ms']}, load "
              f"{f['loadavg_before'][0]:.2f}", file=sys.stderr)  # fmt: skip
    summary = {n: summarize_runs(runs[n]) for n in names}
    paper = summary.get(PAPER)
    for n in names:
        summary[n]["measuring_vs_paper"] = summary[n]["measuring_s"] / paper["measuring_s"] if paper else None
        summary[n]["wall_vs_paper"] = summary[n]["wall_s"] / paper["wall_s"] if paper else None
    return {"model": model.name, "summary": summary, "runs": runs}


def ratio(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def markdown(rows: list[dict[str, Any]], args: argparse.Namespace, load: dict[str, Any]) -> str:
    eng = next(iter(rows[0]["runs"].values()))[0]
    lines = [
        f"{args.reps} separate invocations per protocol and file, interleaved; LiteRT {eng['engine']}, 1 thread "
        f"pinned to CPU {args.cpu}. Coverage: invocations whose reported 95% CI of the median contains the median "
        "of all that protocol's invocations (goal ≥ 90%). Measuring time = warm-up + timed runs (process start and "
        "model load excluded); wall = the whole measure() call, process starts included (medians).",
        "",
        "Protocols: " + "; ".join(f"`{n}` = {p}" for n, p in PROTOCOLS.items()) + ".",
        "",
        f"Machine load (/proc/loadavg 1/5/15 min): {load['start']} at the start, {load['end']} at the end; 1-min "
        f"load before the invocations: median {load['median1']:.2f}, range {load['min1']:.2f}–{load['max1']:.2f} "
        f"on {os.cpu_count()} CPUs shared with other agents' jobs.",
        "",
        "| file | protocol | coverage | CI ± (median) | spread of medians | noisy | runs | measuring s | "
        "vs paper | wall s | vs paper |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        for name, s in r["summary"].items():
            lines.append(
                f"| {r['model']} | {name} | {100 * s['coverage']:.0f}% ({s['covered']}/{args.reps}) | "
                f"{100 * s['median_ci_halfwidth']:.1f}% | {100 * s['spread']:.0f}% | {s['noisy']}/{args.reps} | "
                f"{s['runs']:g} | {s['measuring_s']:.4f} | {ratio(s['measuring_vs_paper'])} | {s['wall_s']:.2f} | "
                f"{ratio(s['wall_vs_paper'])} |"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)))
    ap.add_argument("--protocols", default="fast,fast-nogap,fast-single,paper")
    ap.add_argument("--name", default="ci_coverage")
    args = ap.parse_args()
    PROTOCOLS.update(pick(args.protocols))
    start = loadavg()
    rows = [measure_file(f, args.reps, args.cpu) for f in args.files]
    ones = [r["loadavg_before"][0] for row in rows for runs in row["runs"].values() for r in runs]
    load = {"start": start, "end": loadavg(), "median1": statistics.median(ones), "min1": min(ones), "max1": max(ones)}
    doc = {"protocols": {n: p.to_json() for n, p in PROTOCOLS.items()}, "cpu": args.cpu, "reps": args.reps,
           "loadavg": load, "rows": rows}  # fmt: skip
    _, mpath = write_results(args.name, doc, markdown(rows, args, load))
    print(mpath.read_text())


if __name__ == "__main__":
    main()

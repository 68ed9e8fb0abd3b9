"""Do the reported 95% CIs hold from invocation to invocation, and do they cover the steady state?

For each file, ``--reps`` (20) separate invocations of each protocol, interleaved (the order rotates every
repetition, so every protocol sees the same moments of this host), and in each repetition one long
steady-state reference: a bare loop in a fresh process pinned to the same CPU
(``Interpreter(num_threads=1)``, ``--ref-warmup`` (50) untimed ``invoke()`` calls, the median of
``--ref-runs`` (1000) timed ones; ``steady_state.py``'s loop). Coverage = the fraction of a protocol's
invocations whose reported 95% CI of the median contains the median of the references (goal ≥ 90%): a
bias shared by every invocation (the former default's second inference after loading, issue 25) shows
here, where the coverage of the protocol's own median (kept beside it as ``self``) cannot see it.

Protocols: ``fast`` (the default: steady state, see ``Protocol.fast``), ``fast-former`` (the default
until issue 25: 6 processes of 1 warm-up + 1 run, 0.5 s apart), ``fast-nogap`` / ``fast-2runs`` (earlier
forms, 2 runs per process), ``fast-single`` (one process, 3 warm-ups, 8..15 runs until ±2%) and the paper
protocol without its pauses (1 warm-up + 100 runs) as the time reference. Time: measuring time = warm-up +
timed runs (process start and model load excluded) per file, beside the paper protocol's, and wall time of
the whole ``measure()`` call (process starts and redone noisy processes included), medians over the
invocations. ``/proc/loadavg`` is recorded before each invocation and at the start and end.

Run: .venv/bin/python benchmarks/ci_coverage.py [--reps 20] [--cpu N] [--ref-runs 1000] [--ref-warmup 50]
[--protocols fast,fast-former,fast-single,paper,fast-10] [--name ci_coverage]
[FILE ...]  (``fast-N``: the fast protocol with N processes)
Writes benchmarks/results/<host>/NAME_<date>.{json,md}.
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
from steady_state import bare

from edgepareto.bench import Protocol, measure
from edgepareto.bench.stats import median_ci_exact
from edgepareto.store.records import NOISY_CI, noisy_status

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "models"
DEFAULT_FILES = [FIXTURES / "mobilenet_v1_0.25_128.tflite", FIXTURES / "mobilenet_v1_0.25_128_quant.tflite"]
PAPER = "paper (no pauses)"
REFERENCE = "steady-state reference"
_FORMER = {"stable_window": 0, "retry_if_noisy": 0}  # before issue 25: a fixed warm-up, no retry
PRESETS = {
    "fast": Protocol.fast(),  # the default since issue 25: the steady state
    "fast-former": Protocol.fast(runs=1, **_FORMER),  # the default 2026-12-02 .. issue 25: 1 warm-up + 1 run
    "fast-nogap": Protocol.fast(runs=2, process_gap_s=0.0, **_FORMER),  # until 2026-12-02: back to back
    "fast-2runs": Protocol.fast(runs=2, **_FORMER),  # spaced, 2 runs per process (part of 2026-12-02)
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


def summarize_runs(runs: list[dict[str, Any]], reference_ms: float) -> dict[str, Any]:
    grand = statistics.median(r["median_ms"] for r in runs)
    inside = [r["ci95_median_ms"][0] <= reference_ms <= r["ci95_median_ms"][1] for r in runs]
    own = [r["ci95_median_ms"][0] <= grand <= r["ci95_median_ms"][1] for r in runs]
    exact = [median_ci_exact(r["process_medians_ms"]) if r["process_medians_ms"] else r["ci95_median_ms"] for r in runs]
    halves = [(r["ci95_median_ms"][1] - r["ci95_median_ms"][0]) / 2 / r["median_ms"] for r in runs]
    return {
        "grand_median_ms": grand,
        "vs_reference": grand / reference_ms,
        "coverage": sum(inside) / len(runs),
        "covered": sum(inside),
        "covered_exact": sum(c[0] <= reference_ms <= c[1] for c in exact),  # the interval before issue 25's
        "coverage_of_own_median": sum(own) / len(runs),
        "median_ci_halfwidth": statistics.median(halves),
        "spread": (max(r["median_ms"] for r in runs) - min(r["median_ms"] for r in runs)) / grand,
        "measuring_s": statistics.median(r["measuring_s"] for r in runs),
        "wall_s": statistics.median(r["wall_s"] for r in runs),
        "noisy": sum(bool(r["noisy"]) for r in runs),
        "stored_noisy": sum(noisy_status(r["median_ms"], *r["ci95_median_ms"])[0] == "noisy" for r in runs),
        "runs": statistics.median(r["runs"] for r in runs),
    }


def measure_file(model: Path, args: argparse.Namespace) -> dict[str, Any]:
    names = [*PROTOCOLS, REFERENCE]
    runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for rep in range(args.reps):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            if name == REFERENCE:
                ref = bare(model, args.cpu, args.ref_warmup, args.ref_runs)
                runs[name].append({**ref, "loadavg_before": loadavg()})
            else:
                runs[name].append(one(model, PROTOCOLS[name], args.cpu))
        f, ref = runs[names[0]][-1], runs[REFERENCE][-1]
        print(
            f"{model.name} rep {rep + 1}/{args.reps}: {names[0]} {f['median_ms']:.3f} {f['ci95_median_ms']}, "
            f"reference {ref['median_ms']:.3f}, load {f['loadavg_before'][0]:.2f}",
            file=sys.stderr,
        )
    ref_runs = runs.pop(REFERENCE)
    reference = statistics.median(r["median_ms"] for r in ref_runs)
    names.remove(REFERENCE)
    summary = {n: summarize_runs(runs[n], reference) for n in names}
    paper = summary.get(PAPER)
    for n in names:
        summary[n]["measuring_vs_paper"] = summary[n]["measuring_s"] / paper["measuring_s"] if paper else None
        summary[n]["wall_vs_paper"] = summary[n]["wall_s"] / paper["wall_s"] if paper else None
    return {"model": model.name, "reference_ms": reference, "summary": summary, "runs": runs,
            "reference_runs": ref_runs}  # fmt: skip


def ratio(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def markdown(rows: list[dict[str, Any]], args: argparse.Namespace, load: dict[str, Any]) -> str:
    eng = next(iter(rows[0]["runs"].values()))[0]
    lines = [
        f"{args.reps} separate invocations per protocol and file, interleaved with a long steady-state reference "
        f"(a bare pinned `Interpreter(num_threads=1)` loop: {args.ref_warmup} warm-ups, median of {args.ref_runs}, "
        f"one per repetition); LiteRT {eng['engine']}, 1 thread pinned to CPU {args.cpu}. Coverage: invocations "
        "whose reported 95% CI of the median contains the median of the references (goal ≥ 90%); `self`: the same "
        "against the median of the protocol's own invocations; `exact`: the coverage the exact order-statistic "
        "interval over the same process medians would have had (the interval before issue 25, without the t part: "
        "`stats.median_ci_processes`). Measuring time = warm-up + timed runs per file "
        "(process start and model load excluded), beside the paper protocol's; wall = the whole measure() call, "
        "process starts and redone noisy processes included (medians).",
        "",
        "Protocols: " + "; ".join(f"`{n}` = {p}" for n, p in PROTOCOLS.items()) + ".",
        "",
        f"Machine load (/proc/loadavg 1/5/15 min): {load['start']} at the start, {load['end']} at the end; 1-min "
        f"load before the invocations: median {load['median1']:.2f}, range {load['min1']:.2f}–{load['max1']:.2f} "
        f"on {os.cpu_count()} CPUs shared with other agents' jobs.",
        "",
        f"Stored noisy: invocations whose CI reaches past ±{NOISY_CI:.0%} of the median (status `noisy` in a store).",
        "",
        "| file | reference ms | protocol | median / reference | coverage | self | exact | CI ± (median) "
        "| spread of medians | noisy | stored noisy | runs | measuring s | vs paper | wall s | vs paper |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        for name, s in r["summary"].items():
            lines.append(
                f"| {r['model']} | {r['reference_ms']:.4f} | {name} | {s['vs_reference']:.3f} | "
                f"{100 * s['coverage']:.0f}% ({s['covered']}/{args.reps}) | {100 * s['coverage_of_own_median']:.0f}% | "
                f"{s['covered_exact']}/{args.reps} | "
                f"{100 * s['median_ci_halfwidth']:.1f}% | {100 * s['spread']:.0f}% | {s['noisy']}/{args.reps} | "
                f"{s['stored_noisy']}/{args.reps} | "
                f"{s['runs']:g} | {s['measuring_s']:.4f} | {ratio(s['measuring_vs_paper'])} | {s['wall_s']:.2f} | "
                f"{ratio(s['wall_vs_paper'])} |"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)))
    ap.add_argument("--protocols", default="fast,fast-former,fast-single,paper")
    ap.add_argument("--ref-runs", type=int, default=1000, help="timed invoke() calls of each reference loop")
    ap.add_argument("--ref-warmup", type=int, default=50, help="untimed invoke() calls before them")
    ap.add_argument("--name", default="ci_coverage")
    args = ap.parse_args()
    PROTOCOLS.update(pick(args.protocols))
    start = loadavg()
    rows = [measure_file(f, args) for f in args.files]
    ones = [r["loadavg_before"][0] for row in rows for runs in row["runs"].values() for r in runs]
    load = {"start": start, "end": loadavg(), "median1": statistics.median(ones), "min1": min(ones), "max1": max(ones)}
    doc = {
        "protocols": {n: p.to_json() for n, p in PROTOCOLS.items()},
        "cpu": args.cpu,
        "reps": args.reps,
        "reference": {"warmup": args.ref_warmup, "runs": args.ref_runs},
        "loadavg": load,
        "rows": rows,
    }
    _, mpath = write_results(args.name, doc, markdown(rows, args, load))
    print(mpath.read_text())


if __name__ == "__main__":
    main()

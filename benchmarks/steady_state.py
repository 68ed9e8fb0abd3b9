"""Does the default protocol measure the steady state? ``bench``'s default against a bare pinned loop (issue 25).

For each file, ``--rounds`` (5) rounds, interleaved (within a round the order of the two measurements alternates
and the files take turns): ``measure(FILE, cpus=[CPU])`` with the default ``fast`` protocol, and a bare loop in a
fresh process pinned to the same CPU: ``Interpreter(model_path=FILE, num_threads=1)``, ``allocate_tensors()``,
random input (the same values the harness feeds: seed 0, uniform in [-1, 1) or the integer type's range),
``--bare-warmup`` (20) untimed ``invoke()`` calls, then the median of ``--bare-runs`` (200) timed ones, and that
process's first ``invoke()`` timed on its own, right after ``set_tensor`` (as the harness now times its first
inference, before its probes and sampler: issue 25). Reported per file: the ratio of the medians over the
rounds (default / bare; goal 0.97..1.03), the per-round ratios, and the first-inference metric
(``first_inference_ms``, median over the protocol's processes) against the bare loop's first ``invoke()`` in
fresh processes (goal within ±10%): per round the median over ``--first-processes`` (6, as many as the
protocol's processes, 0.5 s apart like them) fresh processes, the bare loop's own and N-1 that only load
and invoke once, so a single preempted first ``invoke()`` cannot decide a round (a median of 6 against a
single sample was biased on a busy host: the protocol's medians are over 6 processes).

``--compare`` adds the check of the stored float/uint8 ratio of the two fixture files: the ratio of the
default protocol's medians (what ``bench --store`` stores, each file measured on its own, here in alternating
order) against ``bench FLOAT --compare QUANT`` (both files in the same processes, ratio process by process),
once per round (goal: within 5%).

Files: the two Google files in ``../shared/fixtures/models`` and the built alpha-1.0/224 fp32 and int8 files
(``artifacts/bench``, exported on first use; ``--no-built`` leaves them out).

Run: .venv/bin/python benchmarks/steady_state.py [--rounds 5] [--cpu N] [--bare-runs 200] [--bare-warmup 20]
[--first-processes 6] [--compare] [--no-built] [--name steady_state] [FILE ...]
Writes benchmarks/results/<host>/NAME_<date>.{json,md} with the command, the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _artifacts import DEFAULT_DIR, artifact
from _common import write_results

from edgepareto.bench import Interleave, Protocol, measure, measure_interleaved
from edgepareto.bench.interleaved import ratios

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "models"
FLOAT, QUANT = FIXTURES / "mobilenet_v1_0.25_128.tflite", FIXTURES / "mobilenet_v1_0.25_128_quant.tflite"

BARE = """
import json, os, sys, time
import numpy as np
os.sched_setaffinity(0, {cpu})
from ai_edge_litert.interpreter import Interpreter
it = Interpreter(model_path=sys.argv[1], num_threads=1)
it.allocate_tensors()
d = it.get_input_details()[0]
rng = np.random.default_rng(0)
if np.issubdtype(d["dtype"], np.integer):  # the harness's own inputs (InputSpec.random, seed 0), bit for bit
    info = np.iinfo(d["dtype"])
    x = rng.integers(info.min, info.max, size=d["shape"], endpoint=True, dtype=d["dtype"])
else:
    x = rng.uniform(-1.0, 1.0, size=d["shape"]).astype(d["dtype"])
it.set_tensor(d["index"], x)
t0 = time.perf_counter_ns(); it.invoke(); first = (time.perf_counter_ns() - t0) / 1e6
for _ in range({warmup}):
    it.invoke()
times = []
for _ in range({runs}):
    t0 = time.perf_counter_ns(); it.invoke(); times.append((time.perf_counter_ns() - t0) / 1e6)
times.sort()
print(json.dumps({{"first_ms": first, "median_ms": float(np.median(times)), "runs": len(times)}}))
"""


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def _bare_process(model: Path, cpu: int, warmup: int, runs: int) -> dict[str, Any]:
    code = BARE.format(cpu="{" + str(cpu) + "}", warmup=warmup, runs=runs)
    out = subprocess.run([sys.executable, "-c", code, str(model)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bare(model: Path, cpu: int, warmup: int, runs: int, first_processes: int = 1) -> dict[str, Any]:
    """The bare steady loop in a fresh process pinned to ``cpu`` (its first invoke() timed apart), and
    ``first_processes - 1`` more fresh processes, 0.5 s apart, that time only their first invoke()."""
    t0 = time.monotonic()
    doc = _bare_process(model, cpu, warmup, runs)
    firsts = [doc["first_ms"]]
    for _ in range(first_processes - 1):
        time.sleep(0.5)
        firsts.append(_bare_process(model, cpu, 0, 1)["first_ms"])
    return {**doc, "first_ms": statistics.median(firsts), "firsts_ms": firsts, "wall_s": time.monotonic() - t0}


def default(model: Path, cpu: int) -> dict[str, Any]:
    """``bench FILE --cpus CPU`` with the default protocol."""
    t0 = time.monotonic()
    m = measure(model, cpus=[cpu], protocol=Protocol.fast(), keep_times=False)
    if not m.ok:
        raise SystemExit(f"{model}: {m.error}")
    return {
        "median_ms": m.median_ms,
        "ci95_median_ms": m.ci95_median_ms,
        "first_inference_ms": m.first_inference_ms,
        "load_ms": m.load_ms,
        "runs": m.runs,
        "noisy": m.noisy,
        "wall_s": time.monotonic() - t0,
        "discarded": len((m.telemetry or {}).get("discarded") or []),
        "warmup_runs": [len(p.get("warmup_ms") or []) for p in m.processes or []],
        "warmup_stopped_by": [p.get("warmup_stopped_by") for p in m.processes or []],
    }


def rounds(files: list[Path], args: argparse.Namespace) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Every file's default and bare measurements, interleaved: the order alternates from round to round."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {f.name: {"default": [], "bare": []} for f in files}
    for r in range(args.rounds):
        for f in files if r % 2 == 0 else files[::-1]:
            pair = [
                ("default", lambda f=f: default(f, args.cpu)),
                ("bare", lambda f=f: bare(f, args.cpu, args.bare_warmup, args.bare_runs, args.first_processes)),
            ]
            for name, run in pair if r % 2 == 0 else pair[::-1]:
                out[f.name][name].append({**run(), "loadavg_before": loadavg()})
            d, b = out[f.name]["default"][-1], out[f.name]["bare"][-1]
            print(
                f"round {r + 1}/{args.rounds} {f.name}: default {d['median_ms']:.4f} ms, bare {b['median_ms']:.4f} "
                f"ms, ratio {d['median_ms'] / b['median_ms']:.3f}",
                file=sys.stderr,
            )
    return out


def summary(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    d, b = runs["default"], runs["bare"]
    med_d, med_b = statistics.median(x["median_ms"] for x in d), statistics.median(x["median_ms"] for x in b)
    first_d = statistics.median(x["first_inference_ms"] for x in d)
    first_b = statistics.median(x["first_ms"] for x in b)
    return {
        "default_median_ms": med_d,
        "bare_median_ms": med_b,
        "ratio": med_d / med_b,
        "ratio_per_round": [x["median_ms"] / y["median_ms"] for x, y in zip(d, b, strict=True)],
        "first_inference_ms": first_d,
        "bare_first_ms": first_b,
        "first_ratio": first_d / first_b,
        "load_ms": statistics.median(x["load_ms"] for x in d),
        "default_wall_s": statistics.median(x["wall_s"] for x in d),
        "noisy": sum(bool(x["noisy"]) for x in d),
        "discarded": sum(x["discarded"] for x in d),
        "warmup_runs": sorted(n for x in d for n in x["warmup_runs"]),
        "warmup_time_bound": sum(s == "time bound" for x in d for s in x["warmup_stopped_by"]),
    }


def compare(args: argparse.Namespace) -> dict[str, Any]:
    """Stored float/uint8 ratio (each file on its own, the default protocol) against ``bench --compare``'s."""
    stored, compared = [], []
    for r in range(args.rounds):
        pair = [FLOAT, QUANT] if r % 2 == 0 else [QUANT, FLOAT]
        ms = {p.name: default(p, args.cpu)["median_ms"] for p in pair}
        stored.append(ms[FLOAT.name] / ms[QUANT.name])
        got = measure_interleaved(
            [FLOAT, QUANT], cpus=[args.cpu], protocol=Protocol.fast(), interleave=Interleave(args.visits, 3)
        )
        ratio = ratios(got)[1]["ratio"]  # uint8 / float, process by process
        compared.append(1.0 / ratio if ratio else float("nan"))
        print(
            f"round {r + 1}/{args.rounds}: stored float/uint8 {stored[-1]:.3f}, --compare {compared[-1]:.3f}",
            file=sys.stderr,
        )
    s, c = statistics.median(stored), statistics.median(compared)
    return {
        "stored_ratio": s,
        "compare_ratio": c,
        "agreement": s / c,
        "stored_per_round": stored,
        "compare_per_round": compared,
        "visits": args.visits,
    }


def markdown(doc: dict[str, Any], args: argparse.Namespace) -> str:
    lines = [
        f"`bench`'s default protocol ({Protocol.fast()}) against a bare pinned loop (`Interpreter(num_threads=1)`, "
        f"{args.bare_warmup} warm-ups, median of {args.bare_runs}), {args.rounds} rounds interleaved, CPU {args.cpu}. "
        "Ratio of the medians over the rounds (goal 0.97–1.03); first inference: the protocol's `first_inference_ms` "
        f"against the bare loop's first `invoke()`: per round the median over {args.first_processes} fresh processes "
        "0.5 s apart, as many as the protocol's processes (goal ±10%).",
        "",
        f"Machine load (/proc/loadavg): {doc['loadavg']['start']} at the start, {doc['loadavg']['end']} at the end.",
        "",
        "| file | default ms | bare ms | ratio | per round | first inference ms | bare first ms | ratio | load ms "
        "| warm-up runs (min–max) | noisy / redone | wall s |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---|---|---:|",
    ]
    for name, s in doc["summary"].items():
        per = ", ".join(f"{x:.3f}" for x in s["ratio_per_round"])
        warm = f"{s['warmup_runs'][0]}–{s['warmup_runs'][-1]}" if s["warmup_runs"] else "–"
        lines.append(
            f"| {name} | {s['default_median_ms']:.4f} | {s['bare_median_ms']:.4f} | **{s['ratio']:.3f}** | {per} | "
            f"{s['first_inference_ms']:.4f} | {s['bare_first_ms']:.4f} | {s['first_ratio']:.3f} | {s['load_ms']:.1f} "
            f"| {warm} ({s['warmup_time_bound']} at the time bound) | {s['noisy']} / {s['discarded']} | "
            f"{s['default_wall_s']:.1f} |"
        )
    if doc.get("compare"):
        c = doc["compare"]
        lines += [
            "",
            "Float/uint8 ratio of the two fixture files: stored (default protocol, each file on its own) "
            f"**{c['stored_ratio']:.3f}**, `bench --compare` ({c['visits']} visits) "
            f"**{c['compare_ratio']:.3f}**, agreement {c['agreement']:.3f} (goal within 5%).",
        ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)))
    ap.add_argument("--bare-runs", type=int, default=200)
    ap.add_argument("--bare-warmup", type=int, default=20)
    ap.add_argument("--first-processes", type=int, default=6, help="fresh processes per round: bare first invoke")
    ap.add_argument("--compare", action="store_true", help="also the stored float/uint8 ratio vs bench --compare's")
    ap.add_argument("--visits", type=int, default=40, help="--compare: visits per file and process")
    ap.add_argument("--no-built", action="store_true", help="only the fixture files (no alpha-1.0/224 export)")
    ap.add_argument("--artifacts", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--name", default="steady_state")
    args = ap.parse_args()
    files = args.files or [FLOAT, QUANT]
    if not args.files and not args.no_built:
        files += [artifact(args.artifacts, 1.0, "fp32"), artifact(args.artifacts, 1.0, "int8")]
    start = loadavg()
    runs = rounds(files, args)
    doc: dict[str, Any] = {
        "protocol": Protocol.fast().to_json(),
        "cpu": args.cpu,
        "rounds": args.rounds,
        "bare": {"warmup": args.bare_warmup, "runs": args.bare_runs},
        "summary": {n: summary(r) for n, r in runs.items()},
        "runs": runs,
    }
    if args.compare:
        doc["compare"] = compare(args)
    doc["loadavg"] = {"start": start, "end": loadavg()}
    _, mpath = write_results(args.name, doc, markdown(doc, args))
    print(mpath.read_text())


if __name__ == "__main__":
    main()

"""Latency prediction from few measurements: fit on the 4 corner variants per precision, predict the other 12.

On this host, LiteRT, 1 thread pinned to one CPU: alpha {0.25, 0.5, 0.75, 1.0} x resolution
{128, 160, 192, 224}, fp32 and int8 (random weights, exported with `edgepareto export`), all 32
measured in this one run. Default (``--design interleaved``): all 32 files in the same 6 measuring
processes (``edgepareto.bench.measure_interleaved``), each process visiting every file 40 times in a
new shuffled order (one uncounted run after the switch, 3 counted), so that every variant sees the
same mix of the host's speed states; a variant's figure is the median of its 6 process medians.
``--design sequential`` is the former design: each variant measured by ``bench`` on its own (the fast
protocol, 6 processes), in ``--rounds`` rounds of a shuffled order each. Then, per precision:

- fit the default model (``edgepareto.predict``: NNLS of latency on MACs, activation and weight bytes,
  relative error) on the 4 corners (alpha 0.25/1.0 x resolution 128/224) and predict the other 12:
  share within ±10% and ±5%, median |error|, the measuring time saved;
- leave-one-out over all 16;
- the other model forms, for comparison (the default was fixed before this run);
- the seed's Table II (both ODROID-XU4 clusters, both precisions, resolution 224): fit on alpha
  0.25 and 1.0, predict 0.5 and 0.75.

Run: .venv/bin/python benchmarks/latency_prediction.py [--cpu N] [--seed 0] [--design interleaved|sequential]
Writes benchmarks/results/<host>/latency_prediction_<date>.{json,md}.

With ``--families mobilenet_v1,mobilenet_v2,mobilenet_v3_small,mobilenet_v3_large`` (issue 28) it measures,
instead, each family's published alphas x ``--sides`` (default 128, 160, 192, 224) in ``--precisions``, all files
interleaved in the same processes, and reports per precision: (a) one model fitted on the corners of every family
at once (each family's extreme alphas x extreme sides), the share of the held-out variants within ±10% (goal
>= 90%), per family and overall, beside each family fitted on its own corners; (b) leave-one-family-out: a model
fitted on every measured variant of the other families predicts the family it never saw. Writes
benchmarks/results/<host>/latency_prediction_families_<date>.{json,md} (``--name``). The default grid is 112 files (14
published alphas x 4 sides x 2 precisions), exported once into ``--artifacts`` (TensorFlow, seconds each);
``--alphas-per-family``, ``--sides`` and ``--precisions`` cut it. Smallest run (a smoke test, not a figure):
``--families mobilenet_v1,mobilenet_v3_small --sides 96,128,160 --alphas-per-family 2 --precisions fp32
--processes 1 --visits 2 --per-visit 1``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _artifacts import DEFAULT_DIR, artifact
from _common import write_results

from edgepareto.analysis.reference import seed_table2
from edgepareto.bench import Interleave, Protocol, measure, measure_interleaved
from edgepareto.bench.stats import modes
from edgepareto.engines import open_runner
from edgepareto.models import ModelConfig, Variant, get_family
from edgepareto.predict import DEFAULT_FORM, FORMS, MODEL_VERSION, ModelKey, fit

ALPHAS = (0.25, 0.5, 0.75, 1.0)
SIDES = (128, 160, 192, 224)
PRECISIONS = ("fp32", "int8")
CORNERS = {(a, r) for a in (0.25, 1.0) for r in (128, 224)}
METRICS = {
    "median_ms": "wall-clock median over every process of every round (bench)",
    "first_round_median_ms": "wall-clock median of round 1 alone (one bench measurement per variant)",
    "fastest_mode_ms": "median of the fastest mode (of 3+ processes) among every process of every round",
    "fastest_process_ms": "the fastest process's median (the host's fast state; a diagnostic, not bench's figure)",
    "cpu_median_ms": "thread CPU time median",
}
INTERLEAVED_METRICS = {
    "median_ms": "median of the process medians, all 32 files interleaved in the same processes (measure_interleaved)",
    "fastest_process_ms": "the fastest process's median (a diagnostic)",
}
MODE_MIN_PROCESSES = 3  # a "mode" of one or two processes is an outlier, not a mode


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def cpu_time(path: Path, cpu: int, runs: int = 15, warmup: int = 3) -> dict[str, float]:
    """Beside bench's wall-clock median: the thread CPU time of each invoke, in this process pinned to ``cpu``.

    LiteRT with one thread computes on the calling thread, so its CPU time is the inference's own
    cost even while the host is oversubscribed and a wall-clock run waits for the CPU.
    """
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, [cpu])
    try:
        runner = open_runner(path, "litert", threads=1)
        runner.set_inputs([s.random(np.random.default_rng(0)) for s in runner.inputs])
        cpu_ms, wall_ms = [], []
        for i in range(warmup + runs):
            t0, c0 = time.perf_counter_ns(), time.thread_time_ns()
            runner.invoke()
            if i >= warmup:
                cpu_ms.append((time.thread_time_ns() - c0) / 1e6)
                wall_ms.append((time.perf_counter_ns() - t0) / 1e6)
        runner.close()
    finally:
        os.sched_setaffinity(0, before)
    return {"cpu_median_ms": statistics.median(cpu_ms), "wall_median_ms": statistics.median(wall_ms)}


def measure_all(folder: Path, cpu: int, seed: int, rounds: int, protocol: Protocol) -> list[dict[str, Any]]:
    """Every variant measured ``rounds`` times, each round in its own seeded shuffled order.

    A variant's figure is the median over the medians of all its processes (``rounds`` x the
    protocol's processes): processes land in modes about 30% apart on this host, and 6 of them
    leave the median a coin toss between modes; more, spread over the whole run, let the
    reference values hold still enough to judge a ±10% prediction.
    """
    grid = [(a, r, p) for p in PRECISIONS for a in ALPHAS for r in SIDES]
    paths = {g: artifact(folder, g[0], g[2], resolution=g[1]) for g in grid}  # export first, then measure
    done: dict[tuple[float, int, str], list[dict[str, Any]]] = {g: [] for g in grid}
    for k in range(rounds):
        order = list(grid)
        random.Random(seed + k).shuffle(order)
        for i, g in enumerate(order):
            done[g].append(measure_one(paths[g], cpu, protocol, k * len(grid) + i))
            m = done[g][-1]
            print(
                f"round {k + 1}/{rounds} {i + 1:2d}/{len(grid)} {g[2]} {g[0]} {g[1]}: {m['median_ms']:.3f} ms "
                f"(CPU {m['cpu_median_ms']:.3f} ms), load {m['loadavg_before'][0]:.2f}",
                file=sys.stderr,
            )
    return [pooled(g, done[g]) for g in grid]


def measure_interleaved_all(folder: Path, cpu: int, seed: int, processes: int, il: Interleave) -> list[dict[str, Any]]:
    """All 32 variants in the same ``processes`` processes, interleaved (:func:`measure_interleaved`)."""
    grid = [(a, r, p) for p in PRECISIONS for a in ALPHAS for r in SIDES]
    paths = [artifact(folder, g[0], g[2], resolution=g[1]) for g in grid]
    t0 = time.perf_counter()
    ms = measure_interleaved(
        paths, cpus=[cpu], protocol=Protocol.fast(warmup=2, processes=processes, seed=seed), interleave=il
    )
    share = (time.perf_counter() - t0) / len(grid)  # every file got the same runs: an equal share of the time
    rows = []
    for g, m in zip(grid, ms, strict=True):
        if not m.ok:
            raise SystemExit(f"{m.model}: {m.error}")
        procs = [e["median_ms"] for e in m.processes or []]
        rows.append({"alpha": g[0], "resolution": g[1], "precision": g[2], "median_ms": m.median_ms,
                     "ci95_median_ms": m.ci95_median_ms, "fastest_process_ms": min(procs),
                     "process_medians_ms": procs, "processes": len(procs), "runs": m.runs,
                     "measure_wall_s": share, "warnings": m.warnings,
                     "engine_version": m.engine_version, "kernel_path": m.kernel_path})  # fmt: skip
    return rows


def measure_one(path: Path, cpu: int, protocol: Protocol, order: int) -> dict[str, Any]:
    before, t0 = loadavg(), time.perf_counter()
    m = measure(path, threads=1, cpus=[cpu], protocol=protocol)
    if not m.ok:
        raise SystemExit(f"{path}: {m.error}")
    return {
        "order": order,
        "median_ms": m.median_ms,
        **cpu_time(path, cpu),
        "process_medians_ms": [e["median_ms"] for e in m.processes or []],
        "ci95_median_ms": m.ci95_median_ms,
        "runs": m.runs,
        "stopped_by": m.stopped_by,
        "measure_wall_s": time.perf_counter() - t0,
        "loadavg_before": before,
        "engine_version": m.engine_version,
        "kernel_path": m.kernel_path,
    }


def fastest_mode(values: list[float]) -> float:
    """The median of the lowest group of process medians (bench's own mode split) holding 3+ processes.

    Processes of one file land in modes about 30% apart here (issue 17); which mode a median
    falls in depends on the mix. The fastest mode is the file's own cost at its best placement.
    """
    groups = [g for g in modes(values) if g["processes"] >= MODE_MIN_PROCESSES]
    return groups[0]["median_ms"] if groups else statistics.median(values)


def pooled(g: tuple[float, int, str], rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One row per variant: medians over every process of every round; each round kept beside it."""
    a, r, p = g
    procs = [v for x in rounds for v in x["process_medians_ms"]]
    return {
        "alpha": a,
        "resolution": r,
        "precision": p,
        "median_ms": statistics.median(procs),
        "cpu_median_ms": statistics.median(x["cpu_median_ms"] for x in rounds),
        "first_round_median_ms": rounds[0]["median_ms"],
        "fastest_mode_ms": fastest_mode(procs),
        "fastest_process_ms": min(procs),
        "round_medians_ms": [x["median_ms"] for x in rounds],
        "processes": len(procs),
        "measure_wall_s": sum(x["measure_wall_s"] for x in rounds),
        "rounds": rounds,
        "engine_version": rounds[0]["engine_version"],
        "kernel_path": rounds[0]["kernel_path"],
    }


def variant(a: float, r: int, p: str) -> Variant:
    return Variant.of(ModelConfig("mobilenet_v1", a, r), p)


def errors_of(model: Any, held: list[dict[str, Any]], metric: str) -> list[dict[str, Any]]:
    out = []
    for row in held:
        pred = model.predict(variant(row["alpha"], row["resolution"], row["precision"]))
        out.append(
            {
                **{k: row[k] for k in ("alpha", "resolution", "precision")},
                "measured_ms": row[metric],
                "predicted_ms": pred.latency_ms,
                "interval_ms": None if pred.low is None else [pred.low, pred.high],
                "error": pred.latency_ms / row[metric] - 1,
            }
        )
    return out


def score(errs: list[dict[str, Any]]) -> dict[str, float]:
    e = [abs(x["error"]) for x in errs]
    covered = [x for x in errs if x["interval_ms"]]
    inside = sum(x["interval_ms"][0] <= x["measured_ms"] <= x["interval_ms"][1] for x in covered)
    return {
        "n": len(e),
        "within_10pct": sum(x <= 0.10 for x in e) / len(e),
        "within_5pct": sum(x <= 0.05 for x in e) / len(e),
        "median_abs_error": statistics.median(e),
        "max_abs_error": max(e),
        "interval_coverage": inside / len(covered) if covered else None,
    }


def points(rows: list[dict[str, Any]], metric: str) -> list[tuple[Variant, float]]:
    return [(variant(r["alpha"], r["resolution"], r["precision"]), r[metric]) for r in rows]


def corners_study(rows: list[dict[str, Any]], p: str, form: str, metric: str) -> dict[str, Any]:
    mine = [r for r in rows if r["precision"] == p]
    train = [r for r in mine if (r["alpha"], r["resolution"]) in CORNERS]
    held = [r for r in mine if (r["alpha"], r["resolution"]) not in CORNERS]
    model = fit(ModelKey("host", p, "litert", 1), points(train, metric), form)
    errs = errors_of(model, held, metric)
    return {
        "precision": p,
        "form": form,
        "metric": metric,
        "model": model.summary(),
        "held_out": errs,
        "score": score(errs),
        "measure_s_all16": sum(r["measure_wall_s"] for r in mine),
        "measure_s_corners": sum(r["measure_wall_s"] for r in train),
    }


def loo_study(rows: list[dict[str, Any]], p: str, form: str, metric: str) -> dict[str, Any]:
    mine = [r for r in rows if r["precision"] == p]
    errs = []
    for i, row in enumerate(mine):
        model = fit(ModelKey("host", p, "litert", 1), points(mine[:i] + mine[i + 1 :], metric), form)
        errs += errors_of(model, [row], metric)
    return {"precision": p, "form": form, "metric": metric, "held_out": errs, "score": score(errs)}


def seed_study() -> list[dict[str, Any]]:
    out = []
    for device in sorted({r.device for r in seed_table2()}):
        for p in PRECISIONS:
            ms = {r.alpha: r.latency_ms for r in seed_table2() if r.device == device and r.precision == p}
            model = fit(ModelKey(device, p, "tflite", 1), [(variant(a, 224, p), ms[a]) for a in (0.25, 1.0)])
            for a in (0.5, 0.75):
                pred = model.predict(variant(a, 224, p)).latency_ms
                out.append(
                    {
                        "device": device,
                        "precision": p,
                        "alpha": a,
                        "published_ms": ms[a],
                        "predicted_ms": pred,
                        "error": pred / ms[a] - 1,
                        "coefficients_ms_per_million": model.coefficients,
                    }
                )
    return out


def paper_s(ms: float) -> float:
    """What the seed's protocol would take for one variant: 1 + 100 runs and 100 pauses of 2 s."""
    return 101 * ms / 1000 + 100 * 2.0


def pct(x: float) -> str:
    return f"{100 * x:+.1f}%"


def corners_lines(study: dict[str, Any], metrics: dict[str, str]) -> list[str]:
    s, m = study["score"], study["model"]
    coef = ", ".join(f"{f} {c:.4g}" for f, c in zip(m["features"], m["coefficients_ms_per_million"], strict=True))
    lines = [
        f"### {study['precision']}, {metrics[study['metric']]}: fit on the 4 corners, predict the other 12",
        "",
        f"Coefficients (ms per million): {coef}; leave-one-out interval ±{100 * m['interval_fraction']:.1f}%.",
        f"Within ±10%: **{100 * s['within_10pct']:.0f}%**, within ±5%: {100 * s['within_5pct']:.0f}%, "
        f"median |error| {100 * s['median_abs_error']:.1f}%, max {100 * s['max_abs_error']:.1f}%; "
        f"measured value inside the interval: {100 * s['interval_coverage']:.0f}%.",
        "",
        "| alpha | resolution | measured ms | predicted ms (source: predicted) | interval ms | error |",
        "|---:|---:|---:|---:|---|---:|",
    ]
    for e in study["held_out"]:
        lo, hi = e["interval_ms"]
        lines.append(
            f"| {e['alpha']} | {e['resolution']} | {e['measured_ms']:.3f} | {e['predicted_ms']:.3f} | "
            f"[{lo:.3f}, {hi:.3f}] | {pct(e['error'])} |"
        )
    return [*lines, ""]


def summary_lines(doc: dict[str, Any]) -> list[str]:
    lines = ["## Summary", "",
             "| latency | precision | form | protocol | n | within ±10% | within ±5% | median abs error | max |",
             "|---|---|---|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for name, studies in (("corners -> 12", doc["corners"]), ("leave-one-out of 16", doc["loo"])):
        for st in studies:
            s = st["score"]
            lines.append(
                f"| {st['metric']} | {st['precision']} | {st['form']} | {name} | {s['n']} | "
                f"{100 * s['within_10pct']:.0f}% | "
                f"{100 * s['within_5pct']:.0f}% | {100 * s['median_abs_error']:.1f}% | "
                f"{100 * s['max_abs_error']:.1f}% |"
            )
    return [*lines, ""]


def seed_lines(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## The seed's Table II (resolution 224): fit on alpha 0.25 and 1.0, predict 0.5 and 0.75",
        "",
        "| device | precision | alpha | published ms | predicted ms | error |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['device']} | {r['precision']} | {r['alpha']} | {r['published_ms']:.1f} | "
            f"{r['predicted_ms']:.1f} | {pct(r['error'])} |"
        )
    worst = max(abs(r["error"]) for r in rows)
    lines.append(f"\nLargest |error| {100 * worst:.1f}%" + (": none exceeds 10%." if worst <= 0.10 else "."))
    return lines


def measured(args: argparse.Namespace) -> dict[str, Any]:
    start_load, t0 = loadavg(), time.perf_counter()
    if args.design == "interleaved":
        il = Interleave(args.visits, args.per_visit)
        rows = measure_interleaved_all(args.artifacts, args.cpu, args.seed, args.processes, il)
        protocol = (
            f"interleaved: 2 warm-up runs per file, then {il.rounds} visits per file in a shuffled order, "
            f"1 uncounted + {il.per_visit} counted runs per visit, in {args.processes} processes 0.5 s apart"
        )
        design = (
            f"all 32 files measured in the same {args.processes} processes, interleaved; a variant's figure is "
            f"the median of its {args.processes} process medians"
        )
        rounds = 1
    else:
        proto = Protocol.fast(warmup=2, runs=args.runs)
        rows = measure_all(args.artifacts, args.cpu, args.seed, args.rounds, proto)
        protocol, rounds = str(proto), args.rounds
        design = (
            f"32 variants measured {rounds} times each by bench, one after another (each round in its own "
            f"shuffled order); a variant's figure is the median over all {rows[0]['processes']} of its processes"
        )
    return {
        "model_version": MODEL_VERSION,
        "default_form": DEFAULT_FORM,
        "cpu": args.cpu,
        "design": design,
        "metrics": INTERLEAVED_METRICS if args.design == "interleaved" else METRICS,
        "loadavg_start": start_load,
        "loadavg_end": loadavg(),
        "rounds": rounds,
        "protocol": protocol,
        "measure_wall_s": time.perf_counter() - t0,
        "measurements": rows,
    }


def reanalysed(path: Path) -> dict[str, Any]:
    """An earlier run's measurements, pooled again (new metrics, new forms) without measuring anything."""
    try:
        old = json.loads(path.read_text())
        interleaved = "rounds" not in old["measurements"][0]
        rows = (
            old["measurements"]
            if interleaved
            else [pooled((m["alpha"], m["resolution"], m["precision"]), m["rounds"]) for m in old["measurements"]]
        )
        design = old.get("design") or (
            f"32 variants measured {old['rounds']} times each by bench, one after another "
            f"(each round in its own shuffled order); a variant's figure is the median "
            f"over all {rows[0]['processes']} of its processes"
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise SystemExit(f"{path}: not a latency_prediction results file ({exc})") from None
    keep = ("cpu", "loadavg_start", "loadavg_end", "rounds", "protocol", "measure_wall_s")
    return {
        "model_version": MODEL_VERSION,
        "default_form": DEFAULT_FORM,
        **{k: old[k] for k in keep},
        "design": design,
        "metrics": INTERLEAVED_METRICS if interleaved else METRICS,
        "measurements": rows,
        "reanalysed_from": {"file": str(path), "machine": old.get("machine")},
    }


FAMILY_SIDES = (128, 160, 192, 224)


def family_grid(args: argparse.Namespace) -> list[tuple[str, float, int, str]]:
    """(family, alpha, side, precision) of every file: each family's published alphas (``--alphas-per-family``
    spread from its narrowest to its widest) at every side."""
    grid = []
    for fam in args.families.split(","):
        alphas = get_family(fam).alphas
        k = args.alphas_per_family
        if k and len(alphas) > k:
            alphas = tuple(alphas[round(i * (len(alphas) - 1) / (k - 1))] for i in range(k)) if k > 1 else alphas[:1]
        grid += [(fam, a, r, p) for p in args.precisions.split(",") for a in alphas for r in args.sides]
    return grid


def family_variant(row: dict[str, Any]) -> Variant:
    return Variant.of(ModelConfig(row["family"], row["alpha"], row["resolution"]), row["precision"])


def measure_families(args: argparse.Namespace) -> tuple[list[dict[str, Any]], float]:
    """Every file of the grid, one interleaved run per precision (a model is fitted per precision, and each
    process holds every file of its run in memory): a variant's figure is its process medians' median. The
    rows and the seconds spent measuring (the exports before it not counted)."""
    grid = family_grid(args)
    paths = [artifact(args.artifacts, a, p, resolution=r, family=f) for f, a, r, p in grid]
    rows, seconds = [], 0.0
    for precision in dict.fromkeys(g[3] for g in grid):
        mine = [(g, path) for g, path in zip(grid, paths, strict=True) if g[3] == precision]
        t0, protocol = time.perf_counter(), Protocol.fast(warmup=2, processes=args.processes, seed=args.seed)
        ms = measure_interleaved(
            [path for _, path in mine],
            cpus=[args.cpu],
            protocol=protocol,
            interleave=Interleave(args.visits, args.per_visit),
        )
        seconds += time.perf_counter() - t0
        for ((f, a, r, p), _), m in zip(mine, ms, strict=True):
            if not m.ok:
                raise SystemExit(f"{m.model}: {m.error}")
            rows.append({"family": f, "alpha": a, "resolution": r, "precision": p, "median_ms": m.median_ms,
                         "ci95_median_ms": m.ci95_median_ms, "engine_version": m.engine_version,
                         "kernel_path": m.kernel_path})  # fmt: skip
    return rows, seconds


def family_corners(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each family's extreme alphas x extreme sides."""
    out = []
    for fam in dict.fromkeys(r["family"] for r in rows):
        mine = [r for r in rows if r["family"] == fam]
        ends = {
            (a, s)
            for a in (min(r["alpha"] for r in mine), max(r["alpha"] for r in mine))
            for s in (min(r["resolution"] for r in mine), max(r["resolution"] for r in mine))
        }
        out += [r for r in mine if (r["alpha"], r["resolution"]) in ends]
    return out


def family_errors(train: list[dict[str, Any]], held: list[dict[str, Any]], p: str) -> list[dict[str, Any]]:
    model = fit(ModelKey("host", p, "litert", 1), [(family_variant(r), r["median_ms"]) for r in train])
    out = []
    for r in held:
        pred = model.predict(family_variant(r)).latency_ms
        ident = {k: r[k] for k in ("family", "alpha", "resolution", "precision")}
        out.append({**ident, "measured_ms": r["median_ms"], "predicted_ms": pred, "error": pred / r["median_ms"] - 1})
    return out


def family_score(errs: list[dict[str, Any]]) -> dict[str, Any]:
    e = [abs(x["error"]) for x in errs]
    if not e:
        return {"n": 0}
    return {
        "n": len(e),
        "within_10pct": sum(x <= 0.10 for x in e) / len(e),
        "median_abs_error": statistics.median(e),
        "max_abs_error": max(e),
    }


def families_study(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """(a) corners of every family in one model, and each family on its own corners; (b) leave one family out."""
    out: dict[str, Any] = {"corners_joint": [], "corners_own": [], "leave_one_family_out": []}
    for p in dict.fromkeys(r["precision"] for r in rows):
        mine = [r for r in rows if r["precision"] == p]
        corners = family_corners(mine)
        held = [r for r in mine if r not in corners]
        joint = family_errors(corners, held, p)
        own = []
        for f in dict.fromkeys(r["family"] for r in mine):
            own += family_errors([r for r in corners if r["family"] == f], [r for r in held if r["family"] == f], p)
        out["corners_joint"].append({"precision": p, "held_out": joint, "score": family_score(joint),
                                     "by_family": _by_family(joint)})  # fmt: skip
        out["corners_own"].append({"precision": p, "held_out": own, "score": family_score(own),
                                   "by_family": _by_family(own)})  # fmt: skip
        for f in dict.fromkeys(r["family"] for r in mine):
            errs = family_errors([r for r in mine if r["family"] != f], [r for r in mine if r["family"] == f], p)
            out["leave_one_family_out"].append({"precision": p, "family": f, "held_out": errs,
                                                "score": family_score(errs)})  # fmt: skip
    for key, fits in (("acceptance", "corners_joint"), ("acceptance_own_corners", "corners_own")):
        errs = [e for s in out[fits] for e in s["held_out"]]
        share = family_score(errs).get("within_10pct", 0.0)
        out[key] = {"within_10pct_held_out": share, "n": len(errs), "goal": 0.90, "holds": share >= 0.90}
    return out


def _by_family(errs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f: family_score([e for e in errs if e["family"] == f]) for f in dict.fromkeys(e["family"] for e in errs)}


def _score_cells(s: dict[str, Any]) -> str:
    if not s["n"]:
        return "0 | - | - | -"
    return (
        f"{s['n']} | {100 * s['within_10pct']:.0f}% | {100 * s['median_abs_error']:.1f}% | "
        f"{100 * s['max_abs_error']:.1f}%"
    )


def families_lines(doc: dict[str, Any]) -> list[str]:
    st, acc = doc["families_study"], doc["families_study"]["acceptance"]
    r0 = doc["measurements"][0]
    lines = [
        "# Latency prediction across MobileNet families",
        "",
        f"Host, {r0['engine_version']} ({r0['kernel_path']}), 1 thread pinned to CPU {doc['cpu']}; "
        f"{doc['design']}; "
        f"{doc['measure_wall_s']:.0f} s of measuring; load average {doc['loadavg_start']} -> {doc['loadavg_end']} "
        f"on a {os.cpu_count()}-core machine. Model {doc['model_version']}, form `{doc['default_form']}`.",
        "",
        f"**(a) Acceptance (>= 90% of held-out variants within ±10%, one model fitted on every family's corners "
        f"at once)**: {100 * acc['within_10pct_held_out']:.0f}% of {acc['n']} -> "
        f"{'holds' if acc['holds'] else 'does NOT hold'}; each family fitted on its own corners alone: "
        f"{100 * st['acceptance_own_corners']['within_10pct_held_out']:.0f}%",
        "",
        "| fit | precision | family | n | within ±10% | median abs error | max |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for name, key in (("all families' corners", "corners_joint"), ("its own corners", "corners_own")):
        for s in st[key]:
            lines += [f"| {name} | {s['precision']} | {f} | {_score_cells(v)} |" for f, v in s["by_family"].items()]
            lines.append(f"| {name} | {s['precision']} | all | {_score_cells(s['score'])} |")
    lines += [
        "",
        "**(b) Leave one family out** (fitted on every measured variant of the others):",
        "",
        "| precision | family predicted | n | within ±10% | median abs error | max |",
        "|---|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {s['precision']} | {s['family']} | {_score_cells(s['score'])} |" for s in st["leave_one_family_out"]]
    return lines


def families_main(args: argparse.Namespace) -> None:
    start_load = loadavg()
    rows, seconds = measure_families(args)
    doc = {
        "model_version": MODEL_VERSION,
        "default_form": DEFAULT_FORM,
        "cpu": args.cpu,
        "families": args.families,
        "design": f"{len(rows)} files (each family's published alphas x sides {list(args.sides)}), those of each "
        f"precision interleaved in the same {args.processes} processes, {args.visits} visits x "
        f"{args.per_visit} counted runs",
        "loadavg_start": start_load,
        "loadavg_end": loadavg(),
        "measure_wall_s": seconds,
        "measurements": rows,
    }
    doc["families_study"] = families_study(rows)
    _, mpath = write_results(args.name, doc, "\n".join(families_lines(doc)))
    print(mpath.read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)))
    ap.add_argument("--seed", type=int, default=0, help="seed of the measuring order")
    ap.add_argument("--artifacts", type=Path, default=DEFAULT_DIR)
    ap.add_argument(
        "--design",
        choices=("interleaved", "sequential"),
        default="interleaved",
        help="interleaved: all files in the same processes; sequential: bench on each file in turn",
    )
    ap.add_argument("--processes", type=int, default=6, help="interleaved: measuring processes")
    ap.add_argument("--visits", type=int, default=40, help="interleaved: visits per file per process")
    ap.add_argument("--per-visit", type=int, default=3, help="interleaved: counted runs per visit")
    ap.add_argument("--rounds", type=int, default=3, help="sequential: times each variant is measured, each shuffled")
    ap.add_argument("--runs", type=int, default=10, help="sequential: counted runs per process (fast protocol's 6)")
    ap.add_argument("--name", default="latency_prediction", help="results file stem under benchmarks/results")
    ap.add_argument("--reanalyse", type=Path, help="a results JSON of this script: refit its measurements")
    ap.add_argument("--families", help="comma-separated families: the cross-family study instead (issue 28)")
    ap.add_argument(
        "--sides",
        type=lambda t: tuple(int(x) for x in t.split(",")),
        default=FAMILY_SIDES,
        help="--families: input sides (default 128,160,192,224)",
    )
    ap.add_argument("--alphas-per-family", type=int, default=0, help="--families: at most N alphas each (0: all)")
    ap.add_argument("--precisions", default="fp32,int8", help="--families: precisions (default fp32,int8)")
    args = ap.parse_args()
    if min(args.rounds, args.runs, args.processes, args.visits, args.per_visit) < 1:
        raise SystemExit("--rounds, --runs, --processes, --visits and --per-visit must be >= 1")
    if args.families:
        if args.name == "latency_prediction":
            args.name = "latency_prediction_families"
        families_main(args)
        return
    doc = reanalysed(args.reanalyse) if args.reanalyse else measured(args)
    rows = doc["measurements"]
    metrics = doc["metrics"]
    doc["corners"] = [corners_study(rows, p, f, m) for m in metrics for f in FORMS for p in PRECISIONS]
    doc["loo"] = [loo_study(rows, p, f, m) for m in metrics for f in FORMS for p in PRECISIONS]
    doc["seed_table2"] = seed_study()
    held = [r for r in rows if (r["alpha"], r["resolution"]) not in CORNERS]
    doc["time_saved"] = {
        "fast_protocol_s": sum(r["measure_wall_s"] for r in held) / doc["rounds"],
        "paper_protocol_s": sum(paper_s(r["median_ms"]) for r in held),
        "fast_protocol_all32_s": sum(r["measure_wall_s"] for r in rows) / doc["rounds"],
    }
    doc["acceptance"] = {}
    for metric in metrics:
        errs = [e for s in doc["corners"] if s["form"] == DEFAULT_FORM and s["metric"] == metric for e in s["held_out"]]
        share = score(errs)["within_10pct"]
        doc["acceptance"][metric] = {"within_10pct_all_24": share, "goal": 0.90, "holds": share >= 0.90}
    write(doc, [s for s in doc["corners"] if s["form"] == DEFAULT_FORM], args.name)


def acceptance_line(text: str, a: dict[str, Any]) -> str:
    return f"- {text}: {100 * a['within_10pct_all_24']:.0f}% -> {'holds' if a['holds'] else 'does NOT hold'}"


def write(doc: dict[str, Any], default: list[dict[str, Any]], name: str) -> None:
    r0 = doc["measurements"][0]
    ts, acc = doc["time_saved"], doc["acceptance"]
    lines = [
        "# Latency prediction from 4 measured corners per precision",
        "",
        f"Host, {r0['engine_version']} ({r0['kernel_path']}), 1 thread pinned to CPU {doc['cpu']}, "
        f"protocol {doc['protocol']}; {doc['design']}; {doc['measure_wall_s']:.0f} s of measuring. "
        f"Load average (1/5/15 min) at the start {doc['loadavg_start']}, at the end {doc['loadavg_end']} "
        f"on a {os.cpu_count()}-core machine shared with other jobs: every figure here carries that noise.",
        "",
        f"Model {doc['model_version']}, default form `{doc['default_form']}` "
        f"(latency = sum of b * {', '.join(FORMS[doc['default_form']])}, b >= 0, NNLS on relative error).",
        "",
        "**Acceptance (>= 90% of the 24 held-out variants within ±10%)**:",
        "",
        *[acceptance_line(doc["metrics"][m], a) for m, a in acc.items()],
        "",
        "The first line is the reference (wall-clock medians over processes); the others are diagnostics.",
        "",
        f"Measuring time saved by predicting the 24 held-out variants (one round): "
        f"{ts['fast_protocol_s']:.0f} s of "
        f"{ts['fast_protocol_all32_s']:.0f} s with this run's design here; {ts['paper_protocol_s'] / 60:.0f} min "
        "with the seed's protocol (1 + 100 runs, 2 s pauses).",
        "",
    ]
    for study in default:
        lines += corners_lines(study, doc["metrics"])
    lines += summary_lines(doc) + seed_lines(doc["seed_table2"])
    _, mpath = write_results(name, doc, "\n".join(lines))
    print(mpath.read_text())


if __name__ == "__main__":
    main()

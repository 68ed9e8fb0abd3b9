"""`make main` from a fresh clone with an empty home, phase by phase, against issue 27's budget.

Clones this repository's HEAD into a temporary folder with ``../shared`` beside it and runs what
``make main`` runs, one step at a time so each is timed: (1) the Debian packages
(``scripts/system-deps.sh``; it installs only what is missing, so on a machine that has them this
phase is the check alone: the table says which), (2) the venv, (3) pip (``--cold-pip``: without pip's
download cache), then (4) the main job, ``edgepareto sweep --json`` on an empty ``$EDGEPARETO_HOME``;
its document gives the task times (convert / train / latency), when the first report was on disk
after the sweep started (the seed's study, before any training), the estimate learnt from the first
training steps and when it was printed, against the time the sweep actually still took; (5) the main
job again with the store and home of (4), what a second ``make main`` is (the cached rerun: every task
found done, nothing measured or trained, the report written again); (6) for comparison, no goal: the main
job with the store removed and the trained models cached (every latency measured again). The
Fashion-MNIST study's accuracies (fp32, int8, 95% Wilson intervals) are read from the store of (4).

Goals (issue 27): cold ``make main`` (1-4) <= 600 s; first report <= 180 s after the sweep starts;
cached rerun <= 60 s; the estimate within +-25% of the remaining time; fp32 top-1 >= 85% for
alpha >= 0.5 and >= 83% at 0.25, int8 within 1 point of its fp32, top-1 not falling with alpha
beyond the 95% CIs.

    .venv/bin/python benchmarks/main_budget.py [--keep DIR] [--cold-pip]
    .venv/bin/python benchmarks/main_budget.py --parse SWEEP.json [--store results.sqlite]   # no run: the summary
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
GOALS = {"cold_s": 600.0, "first_report_s": 180.0, "cached_s": 60.0, "estimate_error": 0.25}


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {r.returncode}): {r.stderr[-2000:]}")
    print(f"{' '.join(cmd)}: {seconds:.0f} s (load {load:.2f})", file=sys.stderr)
    return seconds, r


def phases(doc: dict[str, Any]) -> dict[str, float]:
    by_kind: dict[str, float] = {}
    for t in doc["timings"]:
        by_kind[t["kind"]] = by_kind.get(t["kind"], 0.0) + t["seconds"]
    return {k: round(v, 1) for k, v in sorted(by_kind.items())}


def estimate_check(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The learnt estimate against what the sweep still took after it was printed (the final report included)."""
    est = doc.get("estimate")
    if not est:
        return None
    actual = doc["seconds"] - est["at_s"]
    return {**est, "actual_remaining_s": round(actual, 1), "error": round(est["remaining_s"] / actual - 1, 3)}


def fashion_accuracy(store_path: Path) -> list[dict]:
    from edgepareto.store import Store

    with Store(store_path) as store:
        recs = [
            m
            for m in store.measurements(source="measured")
            if m.metric == "top1" and m.dataset and m.dataset.startswith("fashion")
        ]
    rows = [
        {
            "variant": m.variant.name,
            "alpha": m.variant.alpha,
            "precision": str(m.variant.precision),
            "top1": m.value,
            "ci_low": m.ci_low,
            "ci_high": m.ci_high,
            "n": m.n,
        }
        for m in recs
    ]
    return sorted(rows, key=lambda r: (r["alpha"], r["precision"]))


def verdicts(acc: list[dict]) -> list[str]:
    fp32 = {r["alpha"]: r for r in acc if r["precision"] == "fp32"}
    int8 = {r["alpha"]: r for r in acc if r["precision"] == "int8"}
    out = []
    for a, r in sorted(fp32.items()):
        goal = 83.0 if a < 0.5 else 85.0
        d = int8[a]["top1"] - r["top1"] if a in int8 else None
        ok_fp32 = "yes" if r["top1"] >= goal else "NO"
        ok_int8 = "yes" if d is not None and d >= -1 else "NO"
        gap = "–" if d is None else f"{d:+.2f}"
        out.append(
            f"alpha {a}: fp32 {r['top1']:.2f}% (goal >= {goal:.0f}: {ok_fp32}), "
            f"int8 - fp32 {gap} points (goal >= -1: {ok_int8})"
        )
    alphas = sorted(fp32)
    falls = [(a, b) for a, b in itertools.pairwise(alphas) if fp32[b]["ci_high"] < fp32[a]["ci_low"]]
    out.append("top-1 falls beyond the 95% CIs as alpha grows: " + (", ".join(f"{a}->{b}" for a, b in falls) or "no"))
    return out


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def summary(runs: dict[str, dict[str, Any]], cold: dict[str, Any], cached_s: float | None, acc: list[dict]) -> str:
    """The Markdown page: phases, the four time goals, the estimate, the accuracies."""
    cold_total = sum(r["wall_s"] for n, r in runs.items() if not n.startswith(("(5)", "(6)")))
    first = (cold.get("first_report") or {}).get("at_s")
    est = estimate_check(cold)
    lines = [
        "# `make main` from a fresh clone, phase by phase",
        "",
        "| phase | wall s | detail |",
        "|---|---:|---|",
        *[f"| {n} | {r['wall_s']:.0f} | {r.get('detail', '')} |" for n, r in runs.items()],
        "",
        f"- cold `make main` (1-4): **{cold_total:.0f} s** (goal <= {GOALS['cold_s']:.0f} s: "
        f"{_yes(cold_total <= GOALS['cold_s'])})",
    ]
    if first is None:
        lines.append("- first report: none before training")
    else:
        ok = _yes(first <= GOALS["first_report_s"])
        lines.append(f"- first report on disk **{first:.0f} s** after the sweep started (goal <= 180 s: {ok})")
    if cached_s is not None:
        lines.append(
            f"- rerun (`make main` again, the cold run's store and home): **{cached_s:.0f} s** (goal <= 60 s: "
            f"{_yes(cached_s <= GOALS['cached_s'])})"
        )
    if est is None:
        lines.append("- estimate: none printed")
    else:
        ok = _yes(abs(est["error"]) <= GOALS["estimate_error"])
        lines.append(
            f"- estimate printed {est['at_s']:.0f} s into the sweep (10% of the first training's steps): "
            f"{est['remaining_s']:.0f} s left; actually {est['actual_remaining_s']:.0f} s: error "
            f"{100 * est['error']:+.0f}% (goal within ±25%: {ok})"
        )
    lines += [
        "",
        "## Fashion-MNIST study (10,000 test images), from the cold run's store",
        "",
        "| variant | top-1 % | 95% Wilson | n |",
        "|---|---:|---|---:|",
        *[f"| {r['variant']} | {r['top1']:.2f} | [{r['ci_low']:.2f}, {r['ci_high']:.2f}] | {r['n']} |" for r in acc],
        "",
        *[f"- {v}" for v in verdicts(acc)],
    ]
    return "\n".join(lines)


def run_all(root: Path, cold_pip: bool) -> tuple[dict[str, dict[str, Any]], dict[str, Any], float, list[dict]]:
    clone, home = root / "edgepareto", root / "home"
    (root / "shared").symlink_to(SHARED)
    env = {**os.environ, "EDGEPARETO_HOME": str(home), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("VIRTUAL_ENV", None)
    if cold_pip:
        env["PIP_NO_CACHE_DIR"] = "1"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    runs: dict[str, dict[str, Any]] = {}
    s, r = timed(["bash", "scripts/system-deps.sh"], clone, env)
    installed = [ln for ln in r.stderr.splitlines() if ln.startswith("installing Debian packages")]
    runs["(1) Debian packages"] = {"wall_s": round(s, 1), "detail": installed[0] if installed else "all present"}
    s, _ = timed([os.environ.get("PYTHON", "python3"), "-m", "venv", ".venv"], clone, env)  # the Makefile's $(PYTHON)
    runs["(2) venv"] = {"wall_s": round(s, 1)}
    pip = [str(clone / ".venv/bin/python"), "-m", "pip", "install", "-q"]
    s1, _ = timed([*pip, "--upgrade", "pip"], clone, env)
    s2, _ = timed([*pip, "-e", ".[dev]"], clone, env)
    runs["(3) pip"] = {"wall_s": round(s1 + s2, 1), "detail": "without pip's cache" if cold_pip else "pip's cache"}
    (clone / ".venv/.installed").touch()  # what `make setup` leaves: `make main` goes straight to the sweep
    sweep = [str(clone / ".venv/bin/edgepareto"), "sweep", "--json"]  # what `make main` runs (--json: the timings)
    s, r = timed(sweep, clone, env)
    cold = json.loads(r.stdout)
    said = [ln for ln in r.stderr.splitlines() if ln.startswith(("report so far:", "report rewritten"))]
    detail = ", ".join(f"{k} {v:.0f} s" for k, v in phases(cold).items())
    runs["(4) main job, empty home"] = {
        "wall_s": round(s, 1),
        "detail": f"{detail}; the terminal said: {' / '.join(said) or 'nothing'}",
    }
    acc = fashion_accuracy(clone / "edgepareto-results" / "results.sqlite")
    cached_s, r = timed(sweep, clone, env)
    runs["(5) main job again, same store and home"] = {"wall_s": round(cached_s, 1), "detail": rerun_detail(r.stdout)}
    shutil.rmtree(clone / "edgepareto-results")
    s, r = timed(sweep, clone, env)
    runs["(6) store removed, models cached (no goal)"] = {
        "wall_s": round(s, 1),
        "detail": ", ".join(f"{k} {v:.0f} s" for k, v in phases(json.loads(r.stdout)).items()),
    }
    return runs, cold, cached_s, acc


def rerun_detail(stdout: str) -> str:
    """What the rerun did: how many tasks it found done and ran, the records it wrote, the report it rewrote."""
    doc = json.loads(stdout)
    report = (doc.get("report") or {}).get("html") or "none"
    return (
        f"{doc['skipped']} of {doc['tasks']} tasks found done, {doc['done']} run, {doc['failed']} failed, "
        f"{doc['new_records']} new records; report: {report}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", type=Path, help="work here (kept) instead of a temporary folder")
    ap.add_argument("--cold-pip", action="store_true", help="pip without its download cache (PIP_NO_CACHE_DIR=1)")
    ap.add_argument("--parse", type=Path, help="no run: summarise a saved `sweep --json` document (a dry run)")
    ap.add_argument("--store", type=Path, help="with --parse: the store to read the accuracies from")
    args = ap.parse_args()
    if args.parse:
        cold = json.loads(args.parse.read_text())
        runs = {"(4) main job (parsed)": {"wall_s": cold["seconds"], "detail": str(phases(cold))}}
        print(summary(runs, cold, None, fashion_accuracy(args.store) if args.store else []))
        return
    root = args.keep or Path(tempfile.mkdtemp(prefix="edgepareto-main-"))
    if args.keep:
        shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    runs, cold, cached_s, acc = run_all(root, args.cold_pip)
    md = summary(runs, cold, cached_s, acc)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    doc = {
        "runs": runs,
        "first_report": cold.get("first_report"),
        "estimate": estimate_check(cold),
        "sweep_seconds": cold["seconds"],
        "task_timings": cold.get("timings", []),  # per task: what the estimate's constants are fitted on
        "cached_s": round(cached_s, 1),
        "fashion": acc,
        "goals": GOALS,
    }
    write_results("main_budget", doc, md)
    print(md)


if __name__ == "__main__":
    main()

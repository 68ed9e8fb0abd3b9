"""`make main` from a fresh clone: the time of each phase, cold and cached, and what the trained study reached.

Clones this repository's HEAD into a temporary folder with ``../shared`` beside it, then
(1) ``make setup`` (venv and packages; Debian packages already present, pip's download cache
as this machine has it), (2) the main job on an empty ``$EDGEPARETO_HOME`` (``edgepareto sweep``,
what ``make main`` runs after setup; its task timings give convert / train / latency), (3) the
main job again in the same clone with the store removed and the trained models cached. The
Fashion-MNIST study's accuracies (fp32, int8, 95% Wilson intervals) are read from the store of (2).
Goals (issue 15): cold <= 480 s including setup, cached <= 60 s; fp32 top-1 >= 88% for alpha >= 0.5,
>= 86% for alpha 0.25, int8 within 1 point of fp32.

    .venv/bin/python benchmarks/main_budget.py [--keep DIR]
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed (exit {r.returncode}): {r.stderr[-2000:]}")
    print(f"{' '.join(cmd)}: {seconds:.0f} s (load {load:.2f})", file=sys.stderr)
    return seconds, r


def phases(sweep_json: str) -> dict[str, float]:
    by_kind: dict[str, float] = {}
    for t in json.loads(sweep_json)["timings"]:
        by_kind[t["kind"]] = by_kind.get(t["kind"], 0.0) + t["seconds"]
    return {k: round(v, 1) for k, v in sorted(by_kind.items())}


def _phases_text(run: dict) -> str:
    return ", ".join(f"{k} {v:.0f} s" for k, v in run.get("phases_s", {}).items())


def fashion_accuracy(store_path: Path) -> list[dict]:
    from edgepareto.store import Store

    with Store(store_path) as store:
        recs = [m for m in store.measurements(source="measured") if m.metric == "top1" and m.dataset
                and m.dataset.startswith("fashion")]  # fmt: skip
    rows = [{"variant": m.variant.name, "alpha": m.variant.alpha, "precision": str(m.variant.precision),
             "top1": m.value, "ci_low": m.ci_low, "ci_high": m.ci_high, "n": m.n} for m in recs]  # fmt: skip
    return sorted(rows, key=lambda r: (r["alpha"], r["precision"]))


def verdicts(acc: list[dict]) -> list[str]:
    fp32 = {r["alpha"]: r for r in acc if r["precision"] == "fp32"}
    int8 = {r["alpha"]: r for r in acc if r["precision"] == "int8"}
    out = []
    for a, r in sorted(fp32.items()):
        goal = 86.0 if a < 0.5 else 88.0
        d = int8[a]["top1"] - r["top1"] if a in int8 else None
        ok_fp32 = "yes" if r["top1"] >= goal else "NO"
        ok_int8 = "yes" if d is not None and d >= -1 else "NO"
        gap = "–" if d is None else f"{d:+.2f}"
        out.append(f"alpha {a}: fp32 {r['top1']:.2f}% (goal >= {goal:.0f}: {ok_fp32}), "
                   f"int8 - fp32 {gap} points (goal >= -1: {ok_int8})")  # fmt: skip
    alphas = sorted(fp32)
    falls = [(a, b) for a, b in itertools.pairwise(alphas) if fp32[b]["ci_high"] < fp32[a]["ci_low"]]
    out.append("top-1 falls beyond the 95% CIs as alpha grows: " + (", ".join(f"{a}->{b}" for a, b in falls) or "no"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", type=Path, help="work here (kept) instead of a temporary folder")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="edgepareto-main-"))
    clone, home = root / "edgepareto", root / "home"
    if args.keep:
        shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    (root / "shared").symlink_to(SHARED)
    env = {**os.environ, "EDGEPARETO_HOME": str(home), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("VIRTUAL_ENV", None)
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    setup_s, _ = timed(["make", "setup"], clone, env)
    sweep = [str(clone / ".venv" / "bin" / "edgepareto"), "sweep", "--json", "--no-live"]
    cold_s, cold = timed(sweep, clone, env)
    acc = fashion_accuracy(clone / "edgepareto-results" / "results.sqlite")
    shutil.rmtree(clone / "edgepareto-results")
    cached_s, cached = timed(sweep, clone, env)
    runs = {
        "setup (venv + packages)": {"wall_s": round(setup_s, 1)},
        "main job, empty home": {"wall_s": round(cold_s, 1), "phases_s": phases(cold.stdout)},
        "main job, models cached": {"wall_s": round(cached_s, 1), "phases_s": phases(cached.stdout)},
    }
    cold_total = setup_s + cold_s
    lines = [
        "# `make main` from a fresh clone, phase by phase",
        "",
        "| run | wall s | phases (sum of task times) |",
        "|---|---:|---|",
        *[f"| {n} | {r['wall_s']:.0f} | {_phases_text(r)} |" for n, r in runs.items()],
        "",
        f"- cold `make main` (setup + main job on an empty home): **{cold_total:.0f} s** (goal <= 480 s: "
        f"{'yes' if cold_total <= 480 else 'NO'})",
        f"- with the trained models cached: **{cached_s:.0f} s** (goal <= 60 s: {'yes' if cached_s <= 60 else 'NO'})",
        "",
        "## Fashion-MNIST study (10,000 test images), from the cold run's store",
        "",
        "| variant | top-1 % | 95% Wilson | n |",
        "|---|---:|---|---:|",
        *[f"| {r['variant']} | {r['top1']:.2f} | [{r['ci_low']:.2f}, {r['ci_high']:.2f}] | {r['n']} |" for r in acc],
        "",
        *[f"- {v}" for v in verdicts(acc)],
    ]
    md = "\n".join(lines)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    write_results("main_budget", {"runs": runs, "cold_total_s": round(cold_total, 1), "fashion": acc}, md)
    print(md)


if __name__ == "__main__":
    main()

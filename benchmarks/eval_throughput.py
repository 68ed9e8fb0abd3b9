"""Evaluation throughput: warm-cache evaluation on all cores against one single-thread engine.

The 24 ImageNet fixture images are replicated to ``--images`` files (hard links with distinct
names, so each is its own cache entry; enough images that worker start-up, about half a
second per spawned process, does not dominate). Measured, in one run so the ratios share the machine's load:

* engine: one single-thread LiteRT engine invoking on one preprocessed input (warm-up runs
  first, never timed), 1 s before each pair - the stricter baseline;
* decode: JPEG decode + crop + resize in one process (what a cold pass cannot beat per core);
* cold: ``evaluate`` with an empty cache, all cores (decodes each JPEG once, fills the cache); and
  on 2,000 images with one worker, filling the cache and with no cache at all (the cost of writing it);
* warm: ``evaluate`` again with the filled cache, 1 worker then all cores, back to back, ``--repeats``
  pairs; the ratio is taken per pair (this host's speed drifts by tens of percent within seconds);
* the machine, 1 s before each pair: n bare engines at once against one. This VM does not always
  give its 2 vCPUs at once (two pinned busy loops: one at ~60% of the other at times, both equal
  at others), and no evaluation can scale past what the machine gives at that moment; the pairs
  where it gave >= 1.9x are reported apart, beside the median over all pairs.

Rates are steady-state (after every worker returned its first chunk: start-up excluded) with the end-to-end
figure beside them. Target: warm all-core evaluation >= 1.7x the evaluation rate of one single-thread engine
(the same pipeline, ``workers=1``: read from cache, encode, invoke, top-5). The stricter ratio against a bare
``invoke()`` loop on one fixed input (no reading, no encoding, no top-k) is reported beside it.

Run: .venv/bin/python benchmarks/eval_throughput.py [--images 6000] [--repeats 25] [--model PATH]
Writes benchmarks/results/<host>/eval_throughput_<date>.{json,md}.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("EDGEPARETO_SHARED", ROOT.parent / "shared")) / "fixtures"
WHOLE = 1.9  # n bare engines at once give at least this many times one: the machine has its n cores now


def replicate(n: int, folder: Path) -> Path:
    """``n`` copies of the fixture images with a ground-truth CSV; returns the CSV path."""
    import csv

    rows = list(csv.DictReader((FIXTURES / "imagenet" / "ground_truth.csv").open()))
    folder.mkdir(parents=True)
    lines = ["file,synset"]
    for i in range(n):
        r = rows[i % len(rows)]
        name = f"ILSVRC2012_val_{i + 1:08d}.JPEG"
        src = FIXTURES / "imagenet" / "images" / r["file"]
        try:  # a hard link is a distinct path (its own cache entry) without the disk cost of a copy
            os.link(src, folder / name)
        except OSError:
            shutil.copy(src, folder / name)
        lines.append(f"{name},{r['synset']}")
    gt = folder.parent / "gt.csv"
    gt.write_text("\n".join(lines) + "\n")
    return gt


def engine_rate(model: Path, spec, image: Path, seconds: float = 3.0) -> dict[str, float]:
    """Images/s of one single-thread engine on one preprocessed input (10 warm-up runs untimed)."""
    from edgepareto.engines import open_runner

    r = open_runner(model, "litert", threads=1)
    inp = r.inputs[0]
    x = spec.encode(spec.load(image), spec.encoding(inp.dtype, inp.scale, inp.zero_point))[None]
    r.set_inputs([x])
    for _ in range(10):
        r.invoke()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        r.invoke()
        n += 1
    dt = time.perf_counter() - t0
    return {"images_per_s": n / dt, "runs": n, "seconds": dt, "engine": r.info.version, "kernel": r.info.kernel_path}


def _engine_rate_job(job: tuple[str, object, str, float]) -> float:
    model, spec, image, seconds = job
    return engine_rate(Path(model), spec, Path(image), seconds)["images_per_s"]


def parallel_engine_rate(pool, model: Path, spec, image: Path, n: int, seconds: float = 3.0) -> float:
    """Sum of the images/s of ``n`` single-thread engines invoking at the same time, one process each:
    the ceiling of any ``n``-worker evaluation on this machine at this moment (shared cores show here)."""
    return float(sum(pool.map(_engine_rate_job, [(str(model), spec, str(image), seconds)] * n)))


def decode_rate(spec, files: list[Path]) -> float:
    t0 = time.perf_counter()
    for f in files:
        spec.load(f)
    return len(files) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=6000)
    ap.add_argument("--model", type=Path, default=FIXTURES / "models" / "mobilenet_v1_0.25_128.tflite")
    ap.add_argument("--repeats", type=int, default=25)
    args = ap.parse_args()

    from edgepareto.data.choice import resolve_spec
    from edgepareto.data.datasets import imagenet
    from edgepareto.eval import evaluate

    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        gt = replicate(args.images, tmp / "val")
        ds = imagenet(tmp / "val", gt)
        from edgepareto.engines import open_runner

        probe = open_runner(args.model, "litert", threads=1)
        spec = resolve_spec(args.model, probe.inputs, 1001, ds)
        probe.close()
        image = Path(ds.files[0])
        # one pool of bare engines, kept for the machine check before each pair
        with mp.get_context("spawn").Pool(cores) as engines:
            par = parallel_engine_rate(engines, args.model, spec, image, cores)
            dec = decode_rate(spec, [Path(f) for f in ds.files[:200]])
            cache = tmp / "cache"
            cold = evaluate(args.model, ds, workers=cores, cache_root=cache)
            # what filling the cache costs: one worker, the same images, with and without writing entries
            part = ds.limit(min(2000, len(ds)))
            cold_one = evaluate(args.model, part, workers=1, cache_root=tmp / "cache-one")
            uncached_one = evaluate(args.model, part, workers=1, cache=False)
            warm_all, warm_one, bare_runs, ceilings = [], [], [], []
            for _ in range(args.repeats):
                # what the machine gives right now: n bare engines at once against one
                bare_runs.append(engine_rate(args.model, spec, image, seconds=1.0))
                ceilings.append(parallel_engine_rate(engines, args.model, spec, image, cores, 1.0))
                warm_one.append(evaluate(args.model, ds, workers=1, cache_root=cache))
                warm_all.append(evaluate(args.model, ds, workers=cores, cache_root=cache))
    assert all(w.cache["hits"] == w.n for w in warm_all + warm_one), "warm passes must read every input from cache"
    med = statistics.median
    warm_all_rate = med(w.steady_images_per_s for w in warm_all)
    warm_one_rate = med(w.steady_images_per_s for w in warm_one)
    eng = {k: bare_runs[0][k] for k in ("engine", "kernel")}  # the same in every pair
    bare = [b["images_per_s"] for b in bare_runs]
    strict_ratios = [a.steady_images_per_s / b for a, b in zip(warm_all, bare, strict=True)]
    ratio = med(strict_ratios)
    # paired: each all-core pass right after a one-worker pass, so both saw the same moment of this noisy host
    pair_ratios = [a.steady_images_per_s / o.steady_images_per_s for a, o in zip(warm_all, warm_one, strict=True)]
    scaling = med(pair_ratios)
    host = [c / b["images_per_s"] for c, b in zip(ceilings, bare_runs, strict=True)]
    whole = [r for r, h in zip(pair_ratios, host, strict=True) if h >= WHOLE]  # the VM had its 2 cores
    efficiency = med(r / h for r, h in zip(pair_ratios, host, strict=True))
    bare_rate = med(bare)
    rows = [
        ("one single-thread engine (invoke only, median before each pair)", bare_rate, None, 1.0),
        (f"{cores} single-thread engines at once (invoke only, summed)", par, None, par / bare_rate),
        ("JPEG decode + crop + resize, 1 process", dec, None, dec / bare_rate),
        (
            f"cold eval, {cores} workers (decode, fill cache)",
            cold.steady_images_per_s,
            cold.images_per_s,
            cold.steady_images_per_s / bare_rate,
        ),
        (
            f"cold eval, 1 worker, {len(part)} images, filling the cache",
            cold_one.images_per_s,
            None,
            cold_one.images_per_s / bare_rate,
        ),
        (
            "the same without the cache (decode + invoke)",
            uncached_one.images_per_s,
            None,
            uncached_one.images_per_s / bare_rate,
        ),
        (
            "warm eval, 1 worker (median)",
            warm_one_rate,
            med(w.images_per_s for w in warm_one),
            warm_one_rate / bare_rate,
        ),
        (
            f"warm eval, {cores} workers (median)",
            warm_all_rate,
            med(w.images_per_s for w in warm_all),
            warm_all_rate / bare_rate,
        ),
    ]
    lines = [
        f"Model `{args.model.name}`, {args.images} images (fixture JPEGs replicated), {cores} cores, "
        f"engine {eng['engine']} ({eng['kernel']}), 1 thread per engine; warm passes x{args.repeats}, median.",
        "",
        "| pass | steady images/s | end-to-end images/s | x one engine |",
        "|---|---:|---:|---:|",
    ]
    for name, rate, e2e, x in rows:
        lines.append(f"| {name} | {rate:,.0f} | {'' if e2e is None else f'{e2e:,.0f}'} | {x:.2f} |")
    lines.append(
        f"\nwarm all-core evaluation >= 1.7x one single-thread engine evaluating (workers=1): "
        f"{'yes' if scaling >= 1.7 else 'NO'} ({scaling:.2f}x, median of {len(pair_ratios)} back-to-back pairs: "
        f"{', '.join(f'{r:.2f}' for r in pair_ratios)})"
    )
    lines.append(
        f"stricter, against a bare invoke() loop on one fixed input measured just before each pair: "
        f"{'yes' if ratio >= 1.7 else 'no'} ({ratio:.2f}x, median of {', '.join(f'{r:.2f}' for r in strict_ratios)}); "
        "a bare loop skips the per-image cache read, encoding and top-5"
    )
    both = 1 / (1 / dec + 1 / bare_rate)  # one core decoding and invoking, nothing else
    lines.append(
        f"cold pass bound: {cores} cores x {dec:,.0f} decodes/s = {cores * dec:,.0f} images/s for decoding alone, "
        f"{cores * both:,.0f} with the invoke each image also needs (measured {cold.steady_images_per_s:,.0f})"
    )
    lines.append(
        f"machine ceiling now: {cores} engines in parallel give {par / bare_rate:.2f}x one engine; "
        f"warm evaluation reaches {warm_all_rate / par:.0%} of that ceiling"
    )
    lines.append(
        f"the machine per pair: {cores} bare engines at once gave {', '.join(f'{h:.2f}' for h in host)} x one "
        f"(1 s each, just before the pair; median {med(host):.2f}); evaluation scaling / machine scaling, "
        f"median per pair: {efficiency:.2f}"
    )
    whole_scaling = med(whole) if whole else None
    lines.append(
        f"pairs where the machine had its {cores} cores (bare engines >= {WHOLE}x at once): {len(whole)} of "
        f"{len(host)}"
        + (
            f"; there warm all-core evaluation = {whole_scaling:.2f}x one worker "
            f"({'meets' if whole_scaling >= 1.7 else 'misses'} 1.7x)"
            if whole_scaling is not None
            else ""
        )
    )
    lines.append(f"load average at the end: {os.getloadavg()} (other developers share this machine)")
    doc = {
        "protocol": {
            "images": args.images,
            "model": str(args.model),
            "cores": cores,
            "threads_per_engine": 1,
            "repeats": args.repeats,
            "engine": eng,
            "rate": "steady state: images after each worker's first chunk / time since then",
        },
        "engine_images_per_s": bare_rate,
        "parallel_engines_images_per_s": par,
        "decode_images_per_s": dec,
        "cold_bound_images_per_s": {"decode": cores * dec, "decode_and_invoke": cores * both},
        "cold": cold.to_json(),
        "cold_one_worker_filling_cache": cold_one.to_json(),
        "cold_one_worker_no_cache": uncached_one.to_json(),
        "warm_one": [w.to_json() for w in warm_one],
        "warm_all": [w.to_json() for w in warm_all],
        "bare_engine_images_per_s_per_pair": bare,
        "warm_ratio_to_engine": ratio,
        "warm_ratio_to_engine_per_pair": strict_ratios,
        "warm_ratio_to_one_worker": scaling,
        "warm_ratio_to_one_worker_per_pair": pair_ratios,
        "target_met": scaling >= 1.7,
        "machine_scaling_per_pair": host,
        "scaling_over_machine": efficiency,
        "whole_machine_threshold": WHOLE,
        "pairs_machine_whole": len(whole),
        "warm_ratio_when_machine_whole": whole_scaling,
        "target_met_when_machine_whole": whole_scaling is not None and whole_scaling >= 1.7,
        "loadavg_at_end": os.getloadavg(),
    }
    _, mpath = write_results("eval_throughput", doc, "\n".join(lines))
    print(mpath.read_text())


if __name__ == "__main__":
    main()

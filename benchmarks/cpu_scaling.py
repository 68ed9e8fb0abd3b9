"""What this host's CPUs give two processes at once: the ceiling any two-worker executor is measured against.

For each kind of work an evaluation does — LiteRT ``invoke()`` of the model (1 thread) and decoding +
resizing the fixture JPEGs with Pillow — one process pinned to each CPU alone for ``--seconds``, then one
pinned to every CPU at the same time; the ratio of the summed throughput to the mean single one is what
two one-CPU workers can reach at most (2.0 on two independent cores, about 1.3 on two hyperthreads of
one core). ``--repeats`` rounds, medians.

Run: .venv/bin/python benchmarks/cpu_scaling.py [--seconds 4] [--repeats 3]
Writes benchmarks/results/<host>/cpu_scaling_<date>.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
MODEL = FIXTURES / "models" / "mobilenet_v1_0.25_128.tflite"
IMAGES = FIXTURES / "imagenet" / "images"

WORK = {
    "invoke": r"""
from ai_edge_litert.interpreter import Interpreter
it = Interpreter(model_path=sys.argv[3], num_threads=1); it.allocate_tensors()
d = it.get_input_details()[0]
it.set_tensor(d["index"], np.random.default_rng(0).random(d["shape"]).astype(d["dtype"]))
def step():
    it.invoke()
""",
    "decode": r"""
import io
from PIL import Image
blobs = [p.read_bytes() for p in sorted(Path(sys.argv[3]).iterdir()) if p.suffix.lower() in (".jpeg", ".jpg")]
def step():
    for b in blobs:
        np.asarray(Image.open(io.BytesIO(b)).convert("RGB").resize((128, 128), Image.BILINEAR))
""",
}
HEAD = r"""import os, sys, time
from pathlib import Path
import numpy as np
os.sched_setaffinity(0, {int(sys.argv[1])})
"""
TAIL = r"""
for _ in range(3): step()
n, t = 0, time.perf_counter()
while time.perf_counter() - t < float(sys.argv[2]):
    step(); n += 1
print(n / (time.perf_counter() - t))
"""


def start(kind: str, cpu: int, seconds: float) -> subprocess.Popen[str]:
    target = str(MODEL if kind == "invoke" else IMAGES)
    code = HEAD + WORK[kind] + TAIL
    return subprocess.Popen(
        [sys.executable, "-c", code, str(cpu), str(seconds), target], stdout=subprocess.PIPE, text=True
    )


def rate(procs: list[subprocess.Popen[str]]) -> list[float]:
    out = []
    for p in procs:
        stdout, _ = p.communicate(timeout=300)
        if p.returncode != 0:
            raise SystemExit(f"a measuring process failed (exit {p.returncode}); run it by hand to see why")
        out.append(float(stdout.strip().splitlines()[-1]))
    return out


def round_of(kind: str, cpus: list[int], seconds: float) -> dict[str, Any]:
    alone = [rate([start(kind, c, seconds)])[0] for c in cpus]
    together = rate([start(kind, c, seconds) for c in cpus])
    return {"alone": alone, "together": together, "ratio": sum(together) / statistics.mean(alone)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--name", default="cpu_scaling", help="results file stem under benchmarks/results")
    args = ap.parse_args()
    if not MODEL.is_file() or not IMAGES.is_dir():
        sys.exit(f"{FIXTURES}: fixtures not found; put ../shared beside the repository")
    if args.seconds <= 0 or args.repeats < 1:
        sys.exit("--seconds must be > 0 and --repeats >= 1")
    cpus = sorted(os.sched_getaffinity(0))
    doc: dict[str, Any] = {"cpus": cpus, "seconds": args.seconds, "repeats": args.repeats,
                           "load_before": os.getloadavg(), "rounds": {}}  # fmt: skip
    for kind in WORK:
        doc["rounds"][kind] = [round_of(kind, cpus, args.seconds) for _ in range(args.repeats)]
    doc["load_after"] = os.getloadavg()
    doc["ratio"] = {k: statistics.median(r["ratio"] for r in rounds) for k, rounds in doc["rounds"].items()}
    rows = "\n".join(
        f"| {k} | {statistics.median(x for r in rounds for x in r['alone']):,.1f} | "
        f"{statistics.median(sum(r['together']) for r in rounds):,.1f} | {doc['ratio'][k]:.2f}x |"
        for k, rounds in doc["rounds"].items()
    )
    md = f"""# What {len(cpus)} CPUs give {len(cpus)} processes at once

CPUs {cpus}, {args.seconds:g} s per measurement, {args.repeats} rounds (medians); load average before
{tuple(round(x, 2) for x in doc["load_before"])}, after {tuple(round(x, 2) for x in doc["load_after"])}.
`invoke`: LiteRT, 1 thread, `{MODEL.name}` (runs/s); `decode`: Pillow decode + resize to 128 of the
{len(list(IMAGES.iterdir()))} fixture JPEGs (passes/s).

| work | one process alone, per s | one per CPU at once, summed, per s | ratio |
|---|---:|---:|---:|
{rows}
"""
    _, m = write_results(args.name, doc, md)
    print(m.read_text())


if __name__ == "__main__":
    main()

"""The Fashion-MNIST study (edgepareto train): accuracy of fp32/int8 per alpha, int8-fp32 agreement, cost.

Trains (or reads from ``$EDGEPARETO_HOME/fashion-mnist``, where ``train_seconds`` is the time
the original training took) MobileNet v1 at alpha 0.25-1.0 with the default schedule, and
writes every record with its Wilson interval and the top-1 agreement between each trained
fp32 model and its int8 artifact on the 10,000 test images.

Run: .venv/bin/python benchmarks/fashion_study.py [--alphas 0.25,0.5,0.75,1.0]
Writes benchmarks/results/<host>/fashion_study_<date>.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results

from edgepareto.train import Schedule, fashion_study


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--alphas", default="0.25,0.5,0.75,1.0")
    args = ap.parse_args()
    schedule = Schedule()
    t0 = time.perf_counter()
    records = fashion_study([float(a) for a in args.alphas.split(",")], schedule)
    wall = time.perf_counter() - t0
    lines = [
        f"Schedule: {schedule}. Test set: Fashion-MNIST test, 10,000 images; LiteRT, 1 thread per worker.",
        "",
        "| variant | bytes | top-1 | 95% Wilson | top-5 | top-1 agreement with fp32 | training s |",
        "|---|---:|---:|---|---:|---:|---:|",
    ]
    for r in records:
        agree = "" if r.agreement_with_fp32 is None else f"{100 * r.agreement_with_fp32:.2f}%"
        lo, hi = r.ci95_top1
        lines.append(
            f"| {r.variant} | {r.bytes:,} | {100 * r.top1:.2f}% | [{100 * lo:.2f}, {100 * hi:.2f}] | "
            f"{100 * r.top5:.2f}% | {agree} | {r.train_seconds:.0f} |"
        )
    train_total = sum({r.variant.config.name: r.train_seconds for r in records}.values())
    lines.append(f"\nTraining time, all alphas: {train_total:.0f} s (measured when trained; see loadavg).")
    lines.append(f"This run: {wall:.1f} s wall (cached runs read the records back). loadavg {os.getloadavg()}")
    doc = {
        "schedule": schedule.__dict__,
        "records": [r.to_json() for r in records],
        "train_seconds_total": train_total,
        "wall_seconds_this_run": wall,
    }
    _, mpath = write_results("fashion_study", doc, "\n".join(lines))
    print(mpath.read_text())


if __name__ == "__main__":
    main()

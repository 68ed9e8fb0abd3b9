"""Train MobileNet v1 on Fashion-MNIST for several alphas, export fp32 + int8, evaluate both.

The offline default that gives measured (not published) accuracy on every Pareto plot.
Schedule (default): 3 epochs over a seed-fixed subset of 6,000 training images at 32x32 (28x28
grey padded, replicated to 3 channels), Adam, BatchNorm momentum 0.9 (Keras's 0.99 leaves
the running statistics stale after a short schedule). int8 is full-integer PTQ calibrated
on real training images. Results are cached in ``$EDGEPARETO_HOME/fashion-mnist`` keyed by
configuration and schedule: a second call is fast.

  edgepareto train --alphas 0.25,0.5,0.75,1.0 --json
"""

from __future__ import annotations

import argparse
from typing import Any

from edgepareto.cli._options import add_schedule_arguments, schedule_from
from edgepareto.validation import arg_int

HELP = "train MobileNet v1 on Fashion-MNIST (several alphas), export fp32/int8, measure test accuracy"


def parse_alphas(text: str) -> tuple[float, ...]:
    from edgepareto.errors import ConfigError

    try:
        alphas = tuple(float(a) for a in text.split(",") if a.strip())
    except ValueError as exc:
        raise ConfigError(f"--alphas must be a comma list of numbers in (0, 1], got {text!r}") from exc
    if not alphas:
        raise ConfigError("--alphas is empty; pass e.g. 0.25,0.5,0.75,1.0")
    return alphas


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--alphas", default="0.25,0.5,0.75,1.0", help="comma list (default the seed's four)")
    add_schedule_arguments(p)
    p.add_argument("--workers", type=arg_int(1, 1024), help="evaluation worker processes (default: one per usable CPU)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.artifacts import home
    from edgepareto.cli._output import err_console
    from edgepareto.models import ModelConfig
    from edgepareto.train import fashion_study

    schedule = schedule_from(args)
    alphas = parse_alphas(args.alphas)
    for a in alphas:
        ModelConfig("mobilenet_v1", a, schedule.resolution, 10)  # validate before any training
    with err_console().status("Fashion-MNIST study") as status:
        records = fashion_study(alphas, schedule, workers=args.workers, progress=status.update)
    return {
        "schedule": str(schedule),
        "cache": str(home() / "fashion-mnist"),
        "records": [r.to_json() for r in records],
    }


def render(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import table

    rows = []
    for r in doc["records"]:
        lo, hi = r["ci95_top1"]
        agree = "" if r["agreement_with_fp32"] is None else f"{100 * r['agreement_with_fp32']:.2f}%"
        rows.append(
            (
                r["variant"],
                r["bytes"],
                f"{100 * r['top1']:.2f}%",
                f"[{100 * lo:.2f}, {100 * hi:.2f}]",
                f"{100 * r['top5']:.2f}%",
                r["n"],
                agree,
                f"{r['train_seconds']:.0f} s",
            )
        )
    console.print(
        table(
            "Fashion-MNIST test accuracy (measured)",
            ["variant", "bytes", "top-1", "95% Wilson", "top-5", "n", "top-1 agrees w/ fp32", "training"],
            rows,
            right=(1, 2, 3, 4, 5, 6, 7),
        )
    )
    console.print(f"schedule: {doc['schedule']}")
    console.print(f"artifacts and weights cached in {doc['cache']}")

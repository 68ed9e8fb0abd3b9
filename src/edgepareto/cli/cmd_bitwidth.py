"""Accuracy against bit width with the seed's n-bit asymmetric quantizer (Section III).

On a trained Fashion-MNIST MobileNet v1 (from ``edgepareto train``'s cache, trained if
missing), weights are fake-quantized at n = 2..16 bits, one (S, Z) per output channel or
per tensor, BatchNorm folded first; printed beside the TFLite int8 artifact's accuracy.

  edgepareto bitwidth --alpha 0.25 --json
"""

from __future__ import annotations

import argparse
from typing import Any

from edgepareto.cli._options import add_schedule_arguments, schedule_from
from edgepareto.validation import arg_finite, arg_int

HELP = "accuracy vs bit width (2-16, per-channel vs per-tensor) beside the TFLite int8 artifact"


def _bits(text: str) -> tuple[int, ...]:
    from edgepareto.errors import ConfigError

    try:
        if "-" in text:
            lo, hi = (int(v) for v in text.split("-", 1))
            return tuple(range(lo, hi + 1))
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError as exc:
        raise ConfigError(f"--bits must be a range like 2-16 or a list like 2,4,8, got {text!r}") from exc


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--alpha", type=arg_finite(), default=0.25, help="width multiplier of the model (default 0.25)")
    p.add_argument("--bits", default="2-16", help="bit widths, a range 2-16 or a list 2,4,8 (default 2-16)")
    p.add_argument("--limit", type=arg_int(1), help="evaluate on the first N test images only (default all 10,000)")
    add_schedule_arguments(p)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.cli._output import err_console
    from edgepareto.train.bitwidth import bitwidth_curve

    schedule = schedule_from(args)
    with err_console().status("bit-width study") as status:
        return bitwidth_curve(args.alpha, schedule, _bits(args.bits), limit=args.limit, progress=status.update)


def render(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import table

    def pct(d: dict[str, Any]) -> str:
        lo, hi = d["ci95_top1"]
        return f"{100 * d['top1']:.2f}% [{100 * lo:.1f}, {100 * hi:.1f}]"

    rows = [(r["bits"], pct(r["per-channel"]), pct(r["per-tensor"])) for r in doc["curve"]]
    console.print(
        table(
            f"{doc['model']}: top-1 vs bit width (n = {doc['n']:,}, seed's asymmetric quantizer)",
            ["bits", "per-channel", "per-tensor"],
            rows,
            right=(0, 1, 2),
        )
    )
    t = doc["tflite"]
    console.print(f"float (Keras): {100 * doc['float_keras_top1']:.2f}%; TFLite fp32: {pct(t['fp32'])}")
    console.print(
        f"TFLite int8: {pct(t['int8'])}, top-1 agreement with fp32 {100 * t['int8']['agreement_with_fp32']:.2f}%"
    )
    console.print(f"  scheme: {t['int8']['scheme']}")

"""Recompute the seed paper's derived claims from its own Table II, and flag what the table does not support.

Speed-ups (alpha 1.0 -> 0.25 per cluster and precision, A15/A7 averaged over alpha, INT8
over FP32 per alpha and cluster), the Pareto sets per cluster with the published ImageNet
top-1, the cross-device difference, and every claim of the text with the stated and the
recomputed number. A stated figure is supported when the table's value rounds or truncates
to it at the precision the text uses. Needs no measurement: it reads the shipped reference data.
"""

from __future__ import annotations

import argparse
from typing import Any

HELP = "reproduce the seed paper's speed-ups and Pareto sets from its Table II; flag unsupported claims"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--flagged-only", action="store_true", help="show only the claims the table does not support")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.analysis.paper import reproduce

    doc = reproduce()
    if args.flagged_only:
        doc["claims"] = doc["flagged"]
    return doc


def render(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import table

    devices = list(doc["fronts"])
    short = {d: d.split()[-1] for d in devices}
    rows = []
    for alpha in sorted({r["alpha"] for r in doc["table_ii"]}):
        row: list[Any] = [f"{alpha:g}"]
        for d in devices:
            for p in ("fp32", "int8"):
                r = next(x for x in doc["table_ii"] if x["device"] == d and x["alpha"] == alpha and x["precision"] == p)
                row.append(f"{r['fps']:.2f} ({r['latency_ms']:.1f} ms)")
            g = next(x for x in doc["int8_gain"] if x["device"] == d and x["alpha"] == alpha)
            row.append(f"{g['speedup']:.3f}x")
        rows.append(row)
    cols = ["alpha"] + [f"{short[d]} {c}" for d in devices for c in ("FP32 FPS", "INT8 FPS", "INT8 gain")]
    console.print(table("Seed Table II (frames per second, ms per frame) and INT8 gains", cols, rows))
    for r in doc["alpha_speedup"]:
        console.print(f"alpha 1.0 -> 0.25 on {short[r['device']]} {r['precision'].upper()}: {r['speedup']:.2f}x")
    for r in doc["cluster_ratio_mean"]:
        console.print(
            f"{short[r['faster']]} over {short[r['slower']]}, {r['precision'].upper()}, mean over alpha: "
            f"{r['mean_ratio']:.2f}x"
        )
    for d, rng in doc["int8_gain_range"].items():
        console.print(f"INT8 gain on {short[d]}: {rng['min']:.3f}x – {rng['max']:.3f}x")
    for d, front in doc["fronts"].items():
        console.print(f"latency–accuracy front on {d}: {', '.join(front)}")
    for line in doc["moves"]:
        console.print(f"[bold]moves:[/bold] {line}")
    crow = [(c["verdict"], c["section"], c["text"], c["stated"], c["note"], c["basis"]) for c in doc["claims"]]
    console.print(table("Claims of the text", ["verdict", "§", "claim", "stated", "recomputed", "basis"], crow))
    s = doc["summary"]
    console.print(
        f"{s['supported']} of {s['claims']} claims supported; {s['flagged']} flagged "
        f"(against Table II itself: {', '.join(s['unsupported_by_table_ii']) or 'none'})"
    )

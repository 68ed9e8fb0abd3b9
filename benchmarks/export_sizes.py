"""Exported file sizes of the seed's variants against Google's published sizes (the 2% bar).

Run: .venv/bin/python benchmarks/export_sizes.py [--precision fp32,fp16,int8-dynamic,int8]
Writes benchmarks/results/<host>/export_sizes_<date>.{json,md}.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results

from edgepareto.convert.size_table import size_table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--precision", default="fp32,fp16,int8-dynamic,int8")
    ap.add_argument("--alphas", default="0.25,0.5,0.75,1.0")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = size_table([float(a) for a in args.alphas.split(",")], args.precision.split(","), Path(tmp))
    for r in rows:
        r.pop("path")
    lines = [
        "| variant | precision | bytes | published MB | vs published | fp32/this | weight share | int32 buffers "
        "| quant params | scheme |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        vs = "" if r["vs_published"] is None else f"{100 * r['vs_published']:+.2f}%"
        lines.append(
            f"| {r['variant']} | {r['precision']} | {r['bytes']:,} | {r['published_mb'] or ''} | {vs} | "
            f"{r['ratio_fp32_to_this']:.3f} | {100 * r['weight_bytes'] / r['bytes']:.1f}% | "
            f"{r['int32_weight_bytes']:,} | {r['quantization_param_bytes']:,} | {r['scheme']} |"
        )
    fp32_ok = all(abs(r["vs_published"]) <= 0.02 for r in rows if r["precision"] == "fp32")
    lines.append(f"\nfp32 sizes within 2% of the published sizes: {'yes' if fp32_ok else 'NO'}")
    _, mpath = write_results("export_sizes", {"rows": rows, "fp32_within_2pct": fp32_ok}, "\n".join(lines))
    print(mpath.read_text())


if __name__ == "__main__":
    main()

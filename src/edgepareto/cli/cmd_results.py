"""Export the results store as CSV or JSON, or summarise what it holds.

Every measurement keeps its provenance: source (measured/published/predicted), citation,
protocol, engine and tool versions, device and dataset. The store is one SQLite file,
by default ``./edgepareto-results/results.sqlite``; the published reference data (the seed's
Table II and Google's hosted-model sizes and top-1) is loaded into it on first use.
``--predictions FILE.csv`` exports every evaluation's per-image top-k predictions (kept by ``eval --store``
and every sweep's evaluations), in ``eval --predictions``'s columns with the file and data set in front.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from edgepareto.cli._options import add_store_argument, open_store

HELP = "export the results store (CSV or JSON) or summarise it"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_store_argument(p)
    p.add_argument("--format", choices=("summary", "csv", "json"), default="summary", help="what to print")
    p.add_argument("--out", type=Path, help="write the export to this file instead of stdout")
    p.add_argument("--ok-only", action="store_true", help="leave out failed measurements")
    p.add_argument(
        "--predictions",
        type=Path,
        metavar="CSV",
        help="write every stored evaluation's per-image predictions (variant, artifact, data set, "
        "file, label, top1, top5) to this CSV",
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from edgepareto.store import export_csv, export_json
    from edgepareto.validation import output_file

    if args.out is not None:
        output_file(args.out)  # before reading the store
    if args.predictions is not None:
        return _predictions(args, output_file(args.predictions, "--predictions"))
    with open_store(args) as store:
        if args.format == "csv":
            text = export_csv(store, include_failed=not args.ok_only)
            return _deliver(args, text, "csv", store.count())
        doc = export_json(store, include_failed=not args.ok_only)
    if args.format == "json":
        import json

        return _deliver(args, json.dumps(doc, indent=2, default=str) + "\n", "json", len(doc["measurements"]), doc)
    return _summary(doc)


def _predictions(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    """Every stored evaluation's per-image top-k as one CSV: one row per (evaluation, image)."""
    from edgepareto.errors import DatasetError
    from edgepareto.validation import write_text

    with open_store(args) as store:
        preds = store.predictions()
        names = {a.sha256: a.variant.name for a in store.artifacts()}
    if not preds:
        raise DatasetError(
            f"{args.store} holds no per-image predictions; evaluate with `edgepareto eval FILE --store "
            f"{args.store}` or `edgepareto sweep --models ...` first"
        )
    write_text(out, predictions_csv(preds, names), "--predictions")
    return {
        "store": str(args.store),
        "predictions": str(out),
        "evaluations": len(preds),
        "rows": sum(p.n for p in preds),
    }


def predictions_csv(preds: list[Any], names: dict[str, str]) -> str:
    """``variant,artifact_sha256,dataset,preprocessing,file,label,top1,top5`` (top5: space-separated indices)."""
    import csv
    import io

    from edgepareto.validation import csv_cell

    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["variant", "artifact_sha256", "dataset", "preprocessing", "file", "label", "top1", "top5"])
    for p in preds:
        head = [csv_cell(names.get(p.artifact_sha256, "")), p.artifact_sha256, csv_cell(p.dataset), p.preprocessing]
        for file, label, row in zip(p.files, p.labels, p.topk, strict=True):
            w.writerow([*head, csv_cell(file), int(label), int(row[0]), " ".join(str(int(c)) for c in row)])
    return buf.getvalue()


def _deliver(args: argparse.Namespace, text: str, fmt: str, n: int, doc: dict[str, Any] | None = None) -> dict:
    if args.out is not None:
        from edgepareto.validation import output_file, write_text

        write_text(output_file(args.out), text)
        return {"store": str(args.store), "format": fmt, "out": str(args.out), "measurements": n}
    if doc is not None:
        return doc  # printed as JSON by the CLI (render does the same without --json)
    if args.json:
        return {"store": str(args.store), "format": fmt, "measurements": n, fmt: text}
    sys.stdout.write(text)
    return {"_printed": True}


def _summary(doc: dict[str, Any]) -> dict[str, Any]:
    counts: dict[tuple[str, str, str, str], int] = {}
    for m in doc["measurements"]:
        where = m["device"] or m["dataset"] or "(device-independent)"
        k = (where, m["metric"], m["source"], m["status"])
        counts[k] = counts.get(k, 0) + 1
    return {
        "store": doc["store"],
        "schema_version": doc["schema_version"],
        "devices": [d["name"] for d in doc["devices"]],
        "datasets": [d["name"] for d in doc["datasets"]],
        "artifacts": len(doc["artifacts"]),
        "runs": len(doc["runs"]),
        "measurements": len(doc["measurements"]),
        "by_kind": [
            {"where": w, "metric": m, "source": s, "status": st, "count": n}
            for (w, m, s, st), n in sorted(counts.items())
        ],
    }


def render(doc: dict[str, Any], console) -> None:
    from edgepareto.cli._output import table

    if doc.get("_printed"):
        return
    if isinstance(doc.get("measurements"), list):
        import json

        sys.stdout.write(json.dumps(doc, indent=2, default=str) + "\n")
        return
    if "out" in doc:
        console.print(f"wrote {doc['measurements']} measurements as {doc['format']} to {doc['out']}")
        return
    if "evaluations" in doc:
        console.print(
            f"wrote {doc['rows']:,} per-image predictions of {doc['evaluations']} evaluations to {doc['predictions']}"
        )
        return
    console.print(
        f"{doc['store']} (schema v{doc['schema_version']}): {doc['measurements']} measurements, "
        f"{doc['artifacts']} artifacts, {len(doc['devices'])} devices, {doc['runs']} sweep runs"
    )
    rows = [(r["where"], r["metric"], r["source"], r["status"], r["count"]) for r in doc["by_kind"]]
    console.print(table(None, ["device / dataset", "metric", "source", "status", "count"], rows, right=(4,)))

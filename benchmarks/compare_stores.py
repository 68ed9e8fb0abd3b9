"""Do two results stores hold the same records, apart from timestamps, ids and measured values?

The check behind issue 10's "the default make main gives the same store contents as before": run the
default plan with two versions of the code (same $EDGEPARETO_HOME, so trained models are shared), then

    .venv/bin/python benchmarks/compare_stores.py OLD/results.sqlite NEW/results.sqlite [--out results.json]

Compared per record key: variant, metric, source, status, unit, engine, threads, citation, device, dataset,
artifact sha256/format/scheme/bytes and protocol name; values only where they are not re-measured (sizes,
published numbers); devices (by name and cluster) and datasets. Works on copies: neither store is migrated.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

QUERY = (
    "SELECT m.key, v.name AS variant, m.metric, m.source, m.status, m.unit, m.engine, m.threads, m.citation, "
    "d.name AS device, s.name AS dataset, a.sha256 AS sha, a.format AS fmt, a.scheme AS scheme, a.bytes AS abytes, "
    "m.protocol AS protocol, m.value AS value FROM measurements m JOIN variants v ON v.id = m.variant_id "
    "LEFT JOIN devices d ON d.id = m.device_id LEFT JOIN datasets s ON s.id = m.dataset_id "
    "LEFT JOIN artifacts a ON a.id = m.artifact_id"
)


def _record(row: sqlite3.Row) -> dict[str, Any]:
    d = dict(row)
    proto = json.loads(d.pop("protocol") or "null")
    d["protocol_name"] = proto.get("name") if isinstance(proto, dict) else proto
    value = d.pop("value")
    d["value"] = value if d["source"] == "published" or d["metric"] == "size_bytes" else "(measured)"
    return d


def contents(path: Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any], list[tuple[Any, ...]]]:
    """(records by key, device name -> cluster name, datasets) of a copy of the store at ``path``."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "s.sqlite"
        shutil.copy(path, copy)
        db = sqlite3.connect(copy)
        db.row_factory = sqlite3.Row
        records = {r["key"]: _record(r) for r in db.execute(QUERY)}
        devices = {}
        for name, fp in db.execute("SELECT name, fingerprint FROM devices"):
            cluster = (json.loads(fp) or {}).get("cluster") if fp else None
            devices[name] = cluster.get("name") if isinstance(cluster, dict) else cluster
        datasets = sorted(tuple(r) for r in db.execute("SELECT name, description, size, citation FROM datasets"))
        db.close()
    return records, devices, datasets


def compare(old: Path, new: Path) -> dict[str, Any]:
    a, da, sa = contents(old)
    b, db, sb = contents(new)
    differ = {k: {f: [a[k][f], b[k][f]] for f in a[k] if a[k][f] != b[k][f]} for k in set(a) & set(b) if a[k] != b[k]}
    return {
        "records": [len(a), len(b)],
        "keys_only_in_old": sorted(set(a) - set(b)),
        "keys_only_in_new": sorted(set(b) - set(a)),
        "same_key_different_fields": differ,
        "devices_equal": da == db,
        "datasets_equal": sa == sb,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("old", type=Path)
    p.add_argument("new", type=Path)
    p.add_argument("--out", type=Path, help="write the comparison as JSON here")
    args = p.parse_args()
    for s in (args.old, args.new):
        if not s.is_file():
            print(f"compare_stores: {s}: no such store", file=sys.stderr)
            return 2
    doc = compare(args.old, args.new)
    same = not (doc["keys_only_in_old"] or doc["keys_only_in_new"] or doc["same_key_different_fields"])
    same = same and doc["devices_equal"] and doc["datasets_equal"]
    verdict = "SAME" if same else "DIFFERENT"
    print(
        f"records {doc['records'][0]} vs {doc['records'][1]}; keys only in old {len(doc['keys_only_in_old'])}, "
        f"only in new {len(doc['keys_only_in_new'])}; same key, other fields: "
        f"{len(doc['same_key_different_fields'])}; devices equal {doc['devices_equal']}, "
        f"datasets equal {doc['datasets_equal']}: {verdict}"
    )
    if args.out:
        args.out.write_text(json.dumps(doc, indent=2) + "\n")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())

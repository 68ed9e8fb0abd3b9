"""Export the store as flat CSV (one row per measurement) or a JSON document with its context."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from edgepareto.store._sqlite import Store, now
from edgepareto.store.records import MeasurementRecord
from edgepareto.validation import csv_cell

CSV_COLUMNS: tuple[str, ...] = (
    "id", "variant", "family", "alpha", "resolution", "num_classes", "precision", "metric", "value", "unit",
    "ci_low", "ci_high", "n", "source", "status", "error", "device", "dataset", "artifact_sha256", "engine",
    "engine_version", "threads", "protocol", "citation", "notes", "tool_versions", "started_at", "created_at",
    "run_id", "key",
)  # fmt: skip


def flat_row(rec: MeasurementRecord) -> dict[str, Any]:
    """One measurement as a flat dict; nested JSON fields are serialised in place."""
    v = rec.variant
    row = {
        "id": rec.id,
        "variant": v.name,
        "family": v.family,
        "alpha": v.alpha,
        "resolution": v.resolution,
        "num_classes": v.num_classes,
        "precision": v.precision,
        "unit": rec.unit,
    }
    for col in CSV_COLUMNS:
        if col not in row:
            value = getattr(rec, col)
            row[col] = json.dumps(value, sort_keys=True) if isinstance(value, dict) else value
    return row


def export_csv(store: Store, *, include_failed: bool = True) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for rec in store.measurements(include_failed=include_failed):
        writer.writerow({k: _cell(v) for k, v in flat_row(rec).items()})
    return buf.getvalue()


def _cell(value: Any) -> Any:
    """Every text cell through the CSV guard: a device names itself (a board's cpuinfo), and a name such as
    ``=HYPERLINK(...)`` must open as text in a spreadsheet, not as a formula. Numbers stay numbers."""
    return csv_cell(value) if isinstance(value, str) else value


def export_json(store: Store, *, include_failed: bool = True) -> dict[str, Any]:
    return {
        "store": str(store.path),
        "schema_version": store.schema_version,
        "exported_at": now(),
        "devices": [{"name": d.name, "kind": d.kind, "fingerprint": d.fingerprint} for d in store.devices()],
        "datasets": [vars(d) for d in store.datasets()],
        "artifacts": [{**vars(a), "variant": a.variant.name} for a in store.artifacts()],
        "runs": store.runs(),
        "measurements": [rec.to_json() for rec in store.measurements(include_failed=include_failed)],
    }

"""Results store: one SQLite file (WAL, schema version + migrations) holding every number with its provenance."""

from __future__ import annotations

from edgepareto.store._export import CSV_COLUMNS, export_csv, export_json, flat_row
from edgepareto.store._schema import SCHEMA_VERSION
from edgepareto.store._sqlite import DEFAULT_PATH, Store, tool_versions
from edgepareto.store.records import (
    METRICS,
    SOURCES,
    ArtifactRecord,
    Dataset,
    Device,
    MeasurementRecord,
    Variant,
)

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_PATH",
    "METRICS",
    "SCHEMA_VERSION",
    "SOURCES",
    "ArtifactRecord",
    "Dataset",
    "Device",
    "MeasurementRecord",
    "Store",
    "Variant",
    "export_csv",
    "export_json",
    "flat_row",
    "tool_versions",
]

"""Results store: one SQLite file (WAL, schema version + migrations) holding every number with its provenance."""

from __future__ import annotations

from edgepareto.artifacts import Artifact
from edgepareto.models import Variant
from edgepareto.store._export import CSV_COLUMNS, export_csv, export_json, flat_row
from edgepareto.store._schema import SCHEMA_VERSION
from edgepareto.store._sqlite import DEFAULT_PATH, Store, now, tool_versions
from edgepareto.store.predictions import Predictions
from edgepareto.store.records import METRICS, SOURCES, Dataset, Device, MeasurementRecord

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_PATH",
    "METRICS",
    "SCHEMA_VERSION",
    "SOURCES",
    "Artifact",
    "Dataset",
    "Device",
    "MeasurementRecord",
    "Predictions",
    "Store",
    "Variant",
    "export_csv",
    "export_json",
    "flat_row",
    "now",
    "tool_versions",
]

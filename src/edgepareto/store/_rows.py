"""A row of each table back into its record, and the JSON columns' codec: a row that does not make a valid
record is one line naming the row and the fix, never a traceback from deep inside a report."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from edgepareto.artifacts import Artifact
from edgepareto.errors import StoreError
from edgepareto.models import Variant
from edgepareto.store.records import Device, MeasurementRecord

T = TypeVar("T")


def dumps(obj: Any) -> str | None:
    return None if obj is None else json.dumps(obj, sort_keys=True, default=str)


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _row_decoder(table: str) -> Callable[[Callable[[sqlite3.Row], T]], Callable[[sqlite3.Row], T]]:
    """A row that does not make a valid record (e.g. a text where a number belongs) is a one-line StoreError."""

    def wrap(fn: Callable[[sqlite3.Row], T]) -> Callable[[sqlite3.Row], T]:
        def decode(row: sqlite3.Row) -> T:
            try:
                return fn(row)
            except (TypeError, ValueError, KeyError, RecursionError) as exc:  # ConfigError, JSONDecodeError too
                raise StoreError(
                    f"results store row {table}.id={row['id']} is invalid ({exc}); delete or fix that row, "
                    "or pass another --store"
                ) from exc

        return decode

    return wrap


@_row_decoder("devices")
def device_row(row: sqlite3.Row) -> Device:
    """A device with its fingerprint (JSON): a damaged one is the one-line store error, as a damaged measurement is."""
    fingerprint = loads(row["fingerprint"])
    if not isinstance(fingerprint, dict):
        raise TypeError(f"fingerprint is {type(fingerprint).__name__}, not a JSON object")
    return Device(row["name"], row["kind"], fingerprint)


@_row_decoder("runs")
def run_row(row: sqlite3.Row) -> dict[str, Any]:
    return {**dict(row), "plan": loads(row["plan"])}


@_row_decoder("artifacts")
def artifact_row(row: sqlite3.Row) -> Artifact:
    return Artifact(
        sha256=row["sha256"],
        variant=Variant.parse(row["variant_name"]),
        format=row["format"],
        path=row["path"],
        bytes=row["bytes"],
        scheme=row["scheme"],
        weight_bytes=row["weight_bytes"],
        recipe_key=row["recipe_key"],
        anatomy=loads(row["anatomy"]),
        origin=row["origin"],
    )


@_row_decoder("measurements")
def measurement_row(row: sqlite3.Row) -> MeasurementRecord:
    return MeasurementRecord(
        variant=Variant.parse(row["variant_name"]),
        metric=row["metric"],
        value=row["value"],
        source=row["source"],
        device=row["device_name"],
        dataset=row["dataset_name"],
        artifact_sha256=row["artifact_sha256"],
        ci_low=row["ci_low"],
        ci_high=row["ci_high"],
        n=row["n"],
        status=row["status"],
        error=row["error"],
        engine=row["engine"],
        engine_version=row["engine_version"],
        threads=row["threads"],
        protocol=loads(row["protocol"]),
        citation=row["citation"],
        notes=row["notes"],
        tool_versions=loads(row["tool_versions"]),
        record=loads(row["record"]),
        started_at=row["started_at"],
        key=row["key"],
        id=row["id"],
        created_at=row["created_at"],
        run_id=row["run_id"],
    )

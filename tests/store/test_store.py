"""The results store: round trips, idempotent keys, validation, migrations, export, two writers at once."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from edgepareto.artifacts import Artifact
from edgepareto.errors import ConfigError, StoreError
from edgepareto.store import (
    CSV_COLUMNS,
    SCHEMA_VERSION,
    Dataset,
    Device,
    MeasurementRecord,
    Store,
    Variant,
    export_csv,
    export_json,
)
from edgepareto.store._schema import MIGRATIONS

V = Variant("mobilenet_v1", 0.5, 224, 1000, "int8")


def latency(value: float = 1.25, **kw) -> MeasurementRecord:
    base = dict(
        variant=V,
        metric="latency_ms",
        value=value,
        source="measured",
        device="dev",
        ci_low=1.2,
        ci_high=1.3,
        n=40,
        engine="litert",
        engine_version="2.3.0",
        threads=1,
        protocol={"name": "fast"},
    )
    base.update(kw)
    return MeasurementRecord(**base)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "r.sqlite") as s:
        s.add_device(Device("dev", "host", {"cpu": "test"}))
        s.add_dataset(Dataset("ds", "a data set", 10))
        yield s


def test_round_trip_keeps_every_field(store):
    assert store.add(latency())
    (back,) = store.measurements()
    assert back.variant == V and back.value == 1.25 and (back.ci_low, back.ci_high) == (1.2, 1.3)
    assert back.protocol == {"name": "fast"} and back.engine_version == "2.3.0" and back.device == "dev"
    assert back.tool_versions["edgepareto"] and back.created_at and back.id == 1
    assert back.unit == "ms"


def test_same_key_is_stored_once(store):
    assert store.add(latency(1.25))
    assert not store.add(latency(1.27))  # same task, another number: the first one stays
    assert store.count() == 1 and store.measurements()[0].value == 1.25
    assert store.add(latency(1.25, threads=2))  # another task
    assert store.count() == 2


def test_failed_records_are_retried_not_kept(store):
    bad = latency(None, status="failed", error="engine crashed", ci_low=None, ci_high=None)
    store.add(bad)
    assert not store.has(bad.key) and store.has(bad.key, include_failed=True)
    store.forget_failed(bad.key)
    assert store.add(latency(1.25))  # same key, now ok
    assert store.has(bad.key)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"metric": "speed"}, "metric must be one of"),
        ({"source": "guessed"}, "source must be one of"),
        ({"device": None}, "needs a device"),
        ({"ci_low": 1.3, "ci_high": 1.4}, "must contain the value"),
        ({"value": float("nan")}, "finite number"),
        ({"status": "failed", "value": None, "error": None}, "must say why"),
        ({"n": 0}, "n must be >= 1"),
    ],
)
def test_invalid_records_name_the_field(kw, message):
    with pytest.raises(ConfigError, match=message):
        latency(**kw)


def test_accuracy_needs_a_dataset_and_unknown_names_fail(store):
    with pytest.raises(ConfigError, match="needs a dataset"):
        MeasurementRecord(variant=V, metric="top1", value=70.0, source="published")
    with pytest.raises(StoreError, match="unknown device"):
        store.add(latency(device="elsewhere"))


def test_artifacts_by_recipe_need_their_file_with_its_sha256(store, tmp_path):
    import hashlib

    f = tmp_path / "m.tflite"
    f.write_bytes(b"x" * 100)
    sha = hashlib.sha256(b"x" * 100).hexdigest()
    art = Artifact(sha, V, "tflite", str(f), 100, "int8 scheme", 90, "recipe-1")
    store.add_artifact(art)
    assert store.artifact_by_recipe("recipe-1") == art
    f.write_bytes(b"y" * 100)  # same size, other content: not reused
    assert store.artifact_by_recipe("recipe-1") is None
    f.write_bytes(b"x" * 100)
    assert store.artifact_by_recipe("recipe-1") == art
    f.unlink()
    assert store.artifact_by_recipe("recipe-1") is None


def test_wal_mode_and_schema_version(store):
    assert store.schema_version == SCHEMA_VERSION
    mode = sqlite3.connect(store.path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_migrates_a_version_1_store_keeping_its_data(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + "; PRAGMA user_version=1;")
    db.execute(
        "INSERT INTO variants(name, family, alpha, resolution, num_classes, precision) "
        "VALUES ('mobilenet_v1_050_224.int8', 'mobilenet_v1', 0.5, 224, 1000, 'int8')"
    )
    db.execute("INSERT INTO datasets(name, description) VALUES ('ds', 'd')")
    db.execute(
        "INSERT INTO measurements(key, variant_id, dataset_id, metric, value, unit, source, created_at) "
        "VALUES ('k1', 1, 1, 'top1', 61.2, '%', 'published', '2020-01-01')"
    )
    db.commit()
    db.close()
    with Store(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        (m,) = s.measurements()
        assert m.value == 61.2 and m.run_id is None
        run = s.start_run("p", {"x": 1})
        s.finish_run(run, "finished", 1, 0, 0)
        assert s.runs()[0]["status"] == "finished"


def test_newer_or_foreign_files_are_one_line_errors(tmp_path):
    newer = tmp_path / "newer.sqlite"
    db = sqlite3.connect(newer)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer than this edgepareto") as exc:
        Store(newer)
    assert "\n" not in str(exc.value)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database, just text " * 100)
    with pytest.raises(StoreError, match=r"not a results store|damaged"):
        Store(junk)


def test_new_results_folder_ignores_itself_in_git(tmp_path):
    with Store(tmp_path / "out" / "results.sqlite"):
        pass
    assert (tmp_path / "out" / ".gitignore").read_text().strip().endswith("*")


def test_export_csv_and_json(store):
    store.add(latency())
    store.add(
        MeasurementRecord(variant=V, metric="top1", value=61.2, source="published", dataset="ds", citation="a table")
    )
    rows = list(csv.DictReader(io.StringIO(export_csv(store))))
    assert list(rows[0]) == list(CSV_COLUMNS) and len(rows) == 2
    assert {r["source"] for r in rows} == {"measured", "published"}
    assert json.loads(rows[0]["protocol"]) == {"name": "fast"}
    doc = export_json(store)
    assert doc["schema_version"] == SCHEMA_VERSION and len(doc["measurements"]) == 2
    assert doc["devices"][0]["fingerprint"] == {"cpu": "test"}
    json.dumps(doc)  # serialisable as is


WRITER = textwrap.dedent(
    """
    import sys
    from edgepareto.store import Store, MeasurementRecord, Variant, Device
    path, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    v = Variant("mobilenet_v1", 0.25, 224, 1000, "fp32")
    with Store(path) as s:
        s.add_device(Device("dev", "host", {}))
        for i in range(n):
            s.add(MeasurementRecord(variant=v, metric="latency_ms", value=1.0 + i, source="measured",
                                    device="dev", key=f"{who}-{i}"))
            s.add(MeasurementRecord(variant=v, metric="latency_ms", value=1.0, source="measured",
                                    device="dev", key=f"shared-{i}"))
    """
)


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "shared.sqlite"
    n = 150
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), who, str(n)], stderr=subprocess.PIPE, text=True)
        for who in ("a", "b")
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with Store(path) as s:
        keys = {m.key for m in s.measurements()}
        assert s.integrity_check() == "ok"
    assert len(keys) == 3 * n
    assert {f"a-{i}" for i in range(n)} <= keys and {f"b-{i}" for i in range(n)} <= keys


def test_a_version_3_store_takes_noisy_records_after_migrating_and_reads_leave_them_out(tmp_path):
    """Schema 4 (issue 25) rebuilds the measurements table for status 'noisy', keeping rows, ids and runs."""
    path = tmp_path / "v3.sqlite"
    db = sqlite3.connect(path)
    db.executescript("; ".join(MIGRATIONS[:3]) + "; PRAGMA user_version=3;")
    db.execute("INSERT INTO devices(name, kind, fingerprint, created_at) VALUES ('host-x', 'host', '{}', '2020')")
    db.execute(
        "INSERT INTO variants(name, family, alpha, resolution, num_classes, precision) "
        "VALUES ('mobilenet_v1_050_224.int8', 'mobilenet_v1', 0.5, 224, 1000, 'int8')"
    )
    db.execute(
        "INSERT INTO measurements(key, variant_id, device_id, metric, value, unit, source, created_at) "
        "VALUES ('k1', 1, 1, 'latency_ms', 3.0, 'ms', 'measured', '2020-01-01')"
    )
    db.commit()
    db.close()
    with Store(path) as s:
        assert s.schema_version == SCHEMA_VERSION >= 4
        noisy = MeasurementRecord(
            variant=V,
            metric="latency_ms",
            value=2.0,
            ci_low=0.5,
            ci_high=9.0,
            status="noisy",
            source="measured",
            device="host-x",
            key="k2",
        )
        assert s.add_many([noisy]) == 1 and s.has("k2")  # done: a rerun does not measure it again
        assert [m.key for m in s.measurements()] == ["k1"]
        assert [(m.key, m.status) for m in s.measurements(include_noisy=True)] == [("k1", "ok"), ("k2", "noisy")]

"""Issue 30 item 3: one artifact type with an explicit origin. A given file is adopted as ``given``, a built one
is ``built``; the store keeps the origin (a store from before it learns it from the scheme once, in migration 7);
the report tells given from built by the origin, never by the wording of a scheme."""

from __future__ import annotations

import sqlite3

import pytest

from edgepareto.errors import ConfigError
from edgepareto.report._answers import your_models
from edgepareto.store import Artifact, MeasurementRecord, Store, Variant
from edgepareto.store._schema import MIGRATIONS, SCHEMA_VERSION
from edgepareto.sweep.given import adopt
from tests.conftest import QUANT_MODEL

V = Variant("mobilenet_v1", 0.5, 224, 1000, "int8")


def _size(art: Artifact) -> MeasurementRecord:
    return MeasurementRecord(
        variant=art.variant,
        metric="size_bytes",
        value=float(art.bytes),
        source="measured",
        artifact_sha256=art.sha256,
        key=f"size-{art.sha256[:8]}",
    )


@pytest.mark.usefixtures("fixtures_dir")
def test_a_given_file_is_given_and_a_built_one_built_whatever_its_scheme_says(tmp_path):
    built = Artifact("a" * 64, V, "tflite", "/built.tflite", 100, "given file: a scheme worded like a given one")
    with Store(tmp_path / "s.sqlite") as s:
        given = adopt(s, QUANT_MODEL)
        s.add_artifact(built, [_size(built)])
        origins = {a.sha256: a.origin for a in s.artifacts()}
        doc = your_models(s, s.measurements())
    assert given.origin == "given" and origins == {given.sha256: "given", built.sha256: "built"}
    assert doc is not None and [f["file"] for f in doc["files"]] == [QUANT_MODEL.name]


def test_an_older_store_learns_its_given_files_once(tmp_path):
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript("; ".join(MIGRATIONS[:6]) + "; PRAGMA user_version=6;")
    db.execute(
        "INSERT INTO variants(name, family, alpha, resolution, num_classes, precision) "
        "VALUES ('mobilenet_v1_050_224.int8', 'mobilenet_v1', 0.5, 224, 1000, 'int8')"
    )
    for sha, scheme in (("b" * 64, "given file: input uint8 224x224"), ("c" * 64, "int8")):
        db.execute(
            "INSERT INTO artifacts(sha256, variant_id, format, path, bytes, scheme, created_at) "
            "VALUES (?, 1, 'tflite', '/x.tflite', 10, ?, '2026-01-01')",
            (sha, scheme),
        )
    db.commit()
    db.close()
    with Store(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert {a.sha256[0]: a.origin for a in s.artifacts()} == {"b": "given", "c": "built"}


def test_an_unknown_origin_is_refused():
    with pytest.raises(ConfigError, match="origin"):
        Artifact("a" * 64, V, "tflite", "/x.tflite", 100, "int8", origin="downloaded")

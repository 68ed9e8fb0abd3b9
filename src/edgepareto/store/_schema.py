"""The store's schema as an ordered list of migrations; ``PRAGMA user_version`` is the version.

A migration is applied in one transaction, so a crash leaves the file at the previous
version. Never edit a released migration: append a new one.
"""

from __future__ import annotations

import re

MIGRATIONS: tuple[str, ...] = (
    # 1: variants, artifacts, devices, datasets, measurements.
    """
    CREATE TABLE variants (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,          -- mobilenet_v1_050_224.int8
        family      TEXT NOT NULL,
        alpha       REAL NOT NULL,
        resolution  INTEGER NOT NULL,
        num_classes INTEGER NOT NULL,
        precision   TEXT NOT NULL
    );
    CREATE TABLE artifacts (
        id           INTEGER PRIMARY KEY,
        sha256       TEXT NOT NULL UNIQUE,
        variant_id   INTEGER NOT NULL REFERENCES variants(id),
        format       TEXT NOT NULL,                -- tflite, onnx
        path         TEXT NOT NULL,
        bytes        INTEGER NOT NULL CHECK (bytes > 0),
        scheme       TEXT NOT NULL,
        weight_bytes INTEGER,
        recipe_key   TEXT,                         -- what built it: the conversion cache key
        anatomy      TEXT,                         -- JSON
        created_at   TEXT NOT NULL
    );
    CREATE INDEX artifacts_recipe ON artifacts(recipe_key);
    CREATE TABLE devices (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,          -- "ODROID-XU4 Cortex-A15", "<host> <cluster>"
        kind        TEXT NOT NULL,                 -- host, board, published
        fingerprint TEXT NOT NULL,                 -- JSON
        created_at  TEXT NOT NULL
    );
    CREATE TABLE datasets (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,          -- imagenet-val, fashion-mnist-test
        description TEXT NOT NULL,
        size        INTEGER,
        citation    TEXT
    );
    CREATE TABLE measurements (
        id            INTEGER PRIMARY KEY,
        key           TEXT NOT NULL UNIQUE,        -- idempotency: one record per task
        variant_id    INTEGER NOT NULL REFERENCES variants(id),
        artifact_id   INTEGER REFERENCES artifacts(id),
        device_id     INTEGER REFERENCES devices(id),
        dataset_id    INTEGER REFERENCES datasets(id),
        metric        TEXT NOT NULL,
        value         REAL,
        unit          TEXT NOT NULL,
        ci_low        REAL,
        ci_high       REAL,
        n             INTEGER,
        source        TEXT NOT NULL CHECK (source IN ('measured', 'published', 'predicted')),
        status        TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'failed')),
        error         TEXT,
        engine        TEXT,
        engine_version TEXT,
        threads       INTEGER,
        protocol      TEXT,                        -- JSON
        citation      TEXT,
        notes         TEXT,
        tool_versions TEXT,                        -- JSON
        record        TEXT,                        -- JSON: the producer's full record
        started_at    TEXT,
        created_at    TEXT NOT NULL
    );
    CREATE INDEX measurements_lookup ON measurements(metric, device_id, dataset_id);
    """,
    # 2: sweep runs, so a report can say which plan produced what and whether it finished.
    """
    CREATE TABLE runs (
        id          INTEGER PRIMARY KEY,
        plan_name   TEXT NOT NULL,
        plan        TEXT NOT NULL,                 -- JSON
        host        TEXT NOT NULL,
        pid         INTEGER NOT NULL,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        status      TEXT NOT NULL DEFAULT 'running',  -- running, finished, interrupted, failed
        done        INTEGER NOT NULL DEFAULT 0,
        skipped     INTEGER NOT NULL DEFAULT 0,
        failed      INTEGER NOT NULL DEFAULT 0
    );
    ALTER TABLE measurements ADD COLUMN run_id INTEGER REFERENCES runs(id);
    """,
    # 3: variants say whether the model has a background output (Google's 1001-output files) and carry
    # the stem of a given file; alpha is 0 for a given file of unknown family. Read back by name.
    """
    ALTER TABLE variants ADD COLUMN background INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE variants ADD COLUMN tag TEXT;
    """,
    # 4: per-image top-k predictions of every evaluation (store/predictions.py): the ordered (file, label) list
    # once per distinct list, and per evaluation its n x k class indices, both zlib-compressed.
    """
    CREATE TABLE image_lists (
        id          INTEGER PRIMARY KEY,
        digest      TEXT NOT NULL UNIQUE,           -- sha256 of the ordered (file, label) list
        n           INTEGER NOT NULL CHECK (n > 0),
        files       BLOB NOT NULL,                  -- zlib: JSON list of the files
        labels      BLOB NOT NULL                   -- zlib: int32 little-endian, one per file
    );
    CREATE TABLE predictions (
        id            INTEGER PRIMARY KEY,
        key           TEXT NOT NULL UNIQUE,         -- the top-1 measurement's key
        artifact_sha256 TEXT NOT NULL,
        dataset       TEXT NOT NULL,
        preprocessing TEXT NOT NULL,                -- sha256 of the whole preprocessing spec (JSON)
        image_list_id INTEGER NOT NULL REFERENCES image_lists(id),
        k             INTEGER NOT NULL CHECK (k > 0),
        topk          BLOB NOT NULL,                -- zlib: int32 little-endian, n x k, best first
        created_at    TEXT NOT NULL
    );
    CREATE INDEX predictions_artifact ON predictions(artifact_sha256);
    """,
    # 5: a latency whose CI is too wide is stored with status 'noisy' (issue 25): SQLite cannot change a CHECK,
    # so the table is rebuilt with the same columns, ids and index.
    """
    CREATE TABLE measurements_v5 (
        id            INTEGER PRIMARY KEY,
        key           TEXT NOT NULL UNIQUE,
        variant_id    INTEGER NOT NULL REFERENCES variants(id),
        artifact_id   INTEGER REFERENCES artifacts(id),
        device_id     INTEGER REFERENCES devices(id),
        dataset_id    INTEGER REFERENCES datasets(id),
        metric        TEXT NOT NULL,
        value         REAL,
        unit          TEXT NOT NULL,
        ci_low        REAL,
        ci_high       REAL,
        n             INTEGER,
        source        TEXT NOT NULL CHECK (source IN ('measured', 'published', 'predicted')),
        status        TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'noisy', 'failed')),
        error         TEXT,
        engine        TEXT,
        engine_version TEXT,
        threads       INTEGER,
        protocol      TEXT,
        citation      TEXT,
        notes         TEXT,
        tool_versions TEXT,
        record        TEXT,
        started_at    TEXT,
        created_at    TEXT NOT NULL,
        run_id        INTEGER REFERENCES runs(id)
    );
    INSERT INTO measurements_v5 SELECT id, key, variant_id, artifact_id, device_id, dataset_id, metric, value, unit,
        ci_low, ci_high, n, source, status, error, engine, engine_version, threads, protocol, citation, notes,
        tool_versions, record, started_at, created_at, run_id FROM measurements;
    DROP TABLE measurements;
    ALTER TABLE measurements_v5 RENAME TO measurements;
    CREATE INDEX measurements_lookup ON measurements(metric, device_id, dataset_id);
    """,
    # 6: a data set is what was evaluated. Measured accuracy filed under imagenet-val before that rule, on fewer
    # than all 50,000 images, moves to a subset named by its size and classes (its image list was not kept).
    """
    INSERT OR IGNORE INTO datasets(name, description, size, citation)
    SELECT DISTINCT 'imagenet-subset-n' || m.n || '-c' || COALESCE(json_extract(m.record, '$.classes'), 0),
           'ImageNet val subset: ' || m.n || ' images, ' || COALESCE(json_extract(m.record, '$.classes'), '?')
           || ' classes (measured before data sets were named by their images)', m.n, NULL
    FROM measurements m JOIN datasets d ON d.id = m.dataset_id
    WHERE d.name = 'imagenet-val' AND m.source = 'measured' AND m.n IS NOT NULL AND m.n != 50000;
    UPDATE measurements SET dataset_id = (
        SELECT id FROM datasets WHERE name = 'imagenet-subset-n' || measurements.n || '-c'
                                             || COALESCE(json_extract(measurements.record, '$.classes'), 0))
    WHERE source = 'measured' AND n IS NOT NULL AND n != 50000
      AND dataset_id = (SELECT id FROM datasets WHERE name = 'imagenet-val');
    """,
    # 7: an artifact says where it came from (built here / given); a given file's scheme said so in words before.
    """
    ALTER TABLE artifacts ADD COLUMN origin TEXT NOT NULL DEFAULT 'built';
    UPDATE artifacts SET origin = 'given' WHERE scheme LIKE 'given file%';
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


def final_tables() -> frozenset[str]:
    """The tables a store at :data:`SCHEMA_VERSION` holds: every one created, less those dropped, renames followed."""
    tables: set[str] = set()
    for sql in MIGRATIONS:
        for verb, a, b in re.findall(r"(CREATE TABLE|DROP TABLE|ALTER TABLE) (\w+)(?: RENAME TO (\w+))?", sql):
            if verb == "CREATE TABLE":
                tables.add(a)
            elif verb == "DROP TABLE":
                tables.discard(a)
            elif b:
                tables.discard(a)
                tables.add(b)
    return frozenset(tables)


def statements(script: str) -> list[str]:
    """Split a migration into statements (no semicolons inside our literals or comments)."""
    out = []
    for raw in script.split(";"):
        lines = [line.split("--", 1)[0] for line in raw.splitlines()]
        stmt = "\n".join(lines).strip()
        if stmt:
            out.append(stmt)
    return out

"""The SQLite results store: WAL mode, short immediate transactions, idempotent inserts.

Every finished measurement is committed on its own, so Ctrl-C or a kill loses only the
task in flight. Several processes may write at once: WAL lets readers proceed, writers
queue on ``BEGIN IMMEDIATE`` (busy timeout plus retries), and the UNIQUE ``key`` turns a
record written twice into one.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from edgepareto.artifacts import Artifact
from edgepareto.artifacts.verify import is_intact
from edgepareto.errors import StoreError
from edgepareto.models import Variant
from edgepareto.store._liveness import run_is_alive
from edgepareto.store._rows import artifact_row, device_row, dumps, measurement_row, run_row
from edgepareto.store._schema import MIGRATIONS, SCHEMA_VERSION, final_tables, statements
from edgepareto.store.predictions import Predictions
from edgepareto.store.predictions import insert as insert_predictions
from edgepareto.store.predictions import select as select_predictions
from edgepareto.store.records import Dataset, Device, MeasurementRecord

log = logging.getLogger(__name__)

DEFAULT_PATH = Path("edgepareto-results") / "results.sqlite"
_BUSY_TIMEOUT_S = 30.0
_RETRY_FOR_S = 120.0
T = TypeVar("T")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@lru_cache(maxsize=1)
def tool_versions() -> dict[str, str]:
    """Versions of the tools that can change a number, recorded with every measurement."""
    import platform
    from importlib import metadata

    from edgepareto.version import __version__

    versions = {"edgepareto": __version__, "python": platform.python_version()}
    for dist in ("ai-edge-litert", "onnxruntime", "tensorflow-cpu", "keras", "numpy", "tf2onnx"):
        with suppress(metadata.PackageNotFoundError):
            versions[dist] = metadata.version(dist)
    return versions


class Store:
    """One results file. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: str | Path = DEFAULT_PATH) -> None:
        self.path = Path(path)
        try:
            _make_results_dir(self.path.parent)
            self._db = sqlite3.connect(str(self.path), timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open results store {self.path}: {exc}; pass a writable --store path") from exc
        self._db.row_factory = sqlite3.Row
        self._retry(self._setup)
        self._retry(self._check_intact)

    # -- plumbing ---------------------------------------------------------------------------

    def _setup(self) -> None:
        try:
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise
            raise StoreError(f"{self.path} is not a results store ({exc}); pass another --store path") from exc
        if mode.lower() != "wal":
            log.warning("%s: WAL mode unavailable (journal_mode=%s); concurrent sweeps will serialise", self.path, mode)
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def _check_intact(self) -> None:
        """``PRAGMA quick_check`` (milliseconds for a results store): a truncated or overwritten file
        is one line here rather than garbage rows or a traceback later."""
        problems = [str(r[0]) for r in self._db.execute("PRAGMA quick_check(1)").fetchall()]
        if problems != ["ok"]:
            first = " ".join(problems[0].split())[:120]
            raise StoreError(
                f"results store {self.path} is damaged ({first}); restore it from a backup or pass another --store"
            )
        have = {str(r[0]) for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = sorted(final_tables() - have)
        if missing:  # a table dropped by hand: every later query would fail on it
            raise StoreError(
                f"results store {self.path} is damaged (no table {', '.join(missing)}); "
                "restore it from a backup or pass another --store"
            )

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {version}, newer than this edgepareto understands "
                f"({SCHEMA_VERSION}); upgrade edgepareto or use another --store"
            )
        if version == SCHEMA_VERSION:
            return
        with self._transaction():
            version = self._db.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
            for number in range(version + 1, SCHEMA_VERSION + 1):
                for statement in statements(MIGRATIONS[number - 1]):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version={number}")
                log.debug("%s: migrated to schema version %d", self.path, number)

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def _retry(self, fn: Callable[[], T]) -> T:
        """Run ``fn``, retrying while another writer holds the lock; one-line errors otherwise."""
        deadline = time.monotonic() + _RETRY_FOR_S
        delay = 0.05
        while True:
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                text = str(exc)
                if ("locked" in text or "busy" in text) and time.monotonic() < deadline:
                    time.sleep(delay)
                    delay = min(delay * 2, 1.0)
                    continue
                if "no such table" in text or "no such column" in text:  # a table dropped or a foreign file
                    raise StoreError(
                        f"results store {self.path} is damaged ({text}); "
                        "restore it from a backup or pass another --store"
                    ) from exc
                raise StoreError(
                    f"cannot write results store {self.path}: {text}; free disk space or check permissions"
                ) from exc
            except sqlite3.DatabaseError as exc:
                raise StoreError(
                    f"results store {self.path} is damaged or not a store ({exc}); use another --store"
                ) from exc

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def attempt() -> T:
            with self._transaction() as db:
                return fn(db)

        return self._retry(attempt)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes -----------------------------------------------------------------------------

    @staticmethod
    def _variant_id(db: sqlite3.Connection, v: Variant) -> int:
        db.execute(
            "INSERT OR IGNORE INTO variants(name, family, alpha, resolution, num_classes, precision, background, tag) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (v.name, v.family, v.alpha or 0.0, v.resolution, v.num_classes, v.precision.value, v.background, v.tag),
        )
        return int(db.execute("SELECT id FROM variants WHERE name = ?", (v.name,)).fetchone()[0])

    @staticmethod
    def _named_id(db: sqlite3.Connection, table: str, name: str | None) -> int | None:
        if name is None:
            return None
        row = db.execute(f"SELECT id FROM {table} WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise StoreError(f"unknown {table[:-1]} {name!r}: add it to the store before its measurements")
        return int(row[0])

    def add_device(self, device: Device) -> None:
        """Insert or update (the fingerprint may gain detail, e.g. a newer engine version)."""
        self._write(
            lambda db: db.execute(
                "INSERT INTO devices(name, kind, fingerprint, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, fingerprint = excluded.fingerprint",
                (device.name, device.kind, dumps(device.fingerprint), now()),
            )
        )

    def add_dataset(self, dataset: Dataset) -> None:
        self._write(
            lambda db: db.execute(
                "INSERT INTO datasets(name, description, size, citation) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET description = excluded.description, size = excluded.size, "
                "citation = excluded.citation",
                (dataset.name, dataset.description, dataset.size, dataset.citation),
            )
        )

    def add_artifact(
        self, art: Artifact, records: Sequence[MeasurementRecord] = (), *, run_id: int | None = None
    ) -> int:
        """Commit the artifact row and its ``records`` (e.g. its size) in ONE transaction: both or neither.

        Returns how many of the records were new.
        """

        def write(db: sqlite3.Connection) -> int:
            vid = self._variant_id(db, art.variant)
            db.execute(
                "INSERT INTO artifacts(sha256, variant_id, format, path, bytes, scheme, weight_bytes, recipe_key, "
                "anatomy, created_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(sha256) DO UPDATE SET path = excluded.path, recipe_key = excluded.recipe_key",
                (
                    art.sha256, vid, art.format, art.path, art.bytes, art.scheme, art.weight_bytes,
                    art.recipe_key, dumps(art.anatomy), now(), art.origin,
                ),
            )  # fmt: skip
            return sum(self._insert(db, r, run_id) for r in records)

        return self._write(write)

    def add(self, rec: MeasurementRecord, *, run_id: int | None = None) -> bool:
        """Commit one measurement; False if a record with its key is already there (nothing changes)."""
        return self._write(lambda db: self._insert(db, rec, run_id))

    def add_many(
        self, recs: list[MeasurementRecord], *, run_id: int | None = None, predictions: Predictions | None = None
    ) -> int:
        """Commit several records in one transaction (all or none), with the evaluation's per-image
        ``predictions`` if given (so accuracy is never stored without them); returns how many records were new."""

        def write(db: sqlite3.Connection) -> int:
            new = sum(self._insert(db, r, run_id) for r in recs)
            if predictions is not None:
                insert_predictions(db, predictions, now())
            return new

        return self._write(write)

    def add_predictions(self, preds: Predictions) -> bool:
        """Commit one evaluation's per-image predictions; False if its key is already there."""
        return self._write(lambda db: insert_predictions(db, preds, now()))

    def _insert(self, db: sqlite3.Connection, rec: MeasurementRecord, run_id: int | None) -> bool:
        vid = self._variant_id(db, rec.variant)
        art_id = None
        if rec.artifact_sha256 is not None:
            row = db.execute("SELECT id FROM artifacts WHERE sha256 = ?", (rec.artifact_sha256,)).fetchone()
            if row is None:
                raise StoreError(f"unknown artifact {rec.artifact_sha256[:12]}: add it before its measurements")
            art_id = int(row[0])
        cur = db.execute(
            "INSERT OR IGNORE INTO measurements(key, variant_id, artifact_id, device_id, dataset_id, metric, "
            "value, unit, ci_low, ci_high, n, source, status, error, engine, engine_version, threads, protocol, "
            "citation, notes, tool_versions, record, started_at, created_at, run_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                rec.key, vid, art_id, self._named_id(db, "devices", rec.device),
                self._named_id(db, "datasets", rec.dataset), rec.metric, rec.value, rec.unit, rec.ci_low,
                rec.ci_high, rec.n, rec.source, rec.status, rec.error, rec.engine, rec.engine_version,
                rec.threads, dumps(rec.protocol), rec.citation, rec.notes,
                dumps(rec.tool_versions if rec.tool_versions is not None else tool_versions()),
                dumps(rec.record), rec.started_at, now(), run_id,
            ),
        )  # fmt: skip
        return cur.rowcount == 1

    def forget_failed(self, key: str) -> None:
        """Drop a failed record so that a rerun tries the task again (ok records are never deleted)."""
        self._write(lambda db: db.execute("DELETE FROM measurements WHERE key = ? AND status = 'failed'", (key,)))

    def forget_measured(self, keys: Sequence[str]) -> int:
        """Drop the measured records with these keys (a noisy latency and what it wrote beside it), so that the
        measurement asked for again (``sweep --remeasure-noisy``) replaces them all; returns how many went."""
        marks = ", ".join("?" * len(keys))
        sql = f"DELETE FROM measurements WHERE source = 'measured' AND key IN ({marks})"
        return self._write(lambda db: db.execute(sql, list(keys)).rowcount) if keys else 0

    def drop_predictions(self, keys: Sequence[str]) -> int:
        """Delete predicted records by key (a refit replaced them, or the variant was since measured);
        measured and published records are never deleted here."""
        wanted = list(dict.fromkeys(keys))

        def write(db: sqlite3.Connection) -> int:
            n = 0
            for i in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
                chunk = wanted[i : i + 500]
                marks = ", ".join("?" * len(chunk))
                sql = f"DELETE FROM measurements WHERE source = 'predicted' AND key IN ({marks})"
                n += db.execute(sql, chunk).rowcount
            return n

        return self._write(write) if wanted else 0

    def start_run(self, plan_name: str, plan: dict[str, Any]) -> int:
        self.mark_dead_runs()

        def write(db: sqlite3.Connection) -> int:
            cur = db.execute(
                "INSERT INTO runs(plan_name, plan, host, pid, started_at) VALUES (?, ?, ?, ?, ?)",
                (plan_name, dumps(plan), socket.gethostname(), os.getpid(), now()),
            )
            return int(cur.lastrowid or 0)

        return self._write(write)

    def mark_dead_runs(self) -> int:
        """Runs of this host left ``running`` by a process that is gone (kill -9, power cut): marked ``killed``."""
        sql = "SELECT id, pid, started_at FROM runs WHERE status = 'running' AND host = ?"
        rows = self._retry(lambda: self._db.execute(sql, (socket.gethostname(),)).fetchall())
        dead = [int(r["id"]) for r in rows if not run_is_alive(int(r["pid"]), str(r["started_at"]))]
        kill = "UPDATE runs SET status = 'killed', finished_at = ? WHERE id = ? AND status = 'running'"
        for run_id in dead:

            def mark(db: sqlite3.Connection, run_id: int = run_id) -> None:
                db.execute(kill, (now(), run_id))

            self._write(mark)
        return len(dead)

    def finish_run(self, run_id: int, status: str, done: int, skipped: int, failed: int) -> None:
        self._write(
            lambda db: db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, done = ?, skipped = ?, failed = ? WHERE id = ?",
                (now(), status, done, skipped, failed, run_id),
            )
        )

    # -- reads ------------------------------------------------------------------------------

    def has(self, key: str, *, include_failed: bool = False) -> bool:
        sql = "SELECT 1 FROM measurements WHERE key = ?" + ("" if include_failed else " AND status != 'failed'")
        return self._retry(lambda: self._db.execute(sql, (key,)).fetchone() is not None)

    def failure(self, key: str) -> str | None:
        """The error of the failed record with this key, if there is one."""
        sql = "SELECT error FROM measurements WHERE key = ? AND status = 'failed'"
        row = self._retry(lambda: self._db.execute(sql, (key,)).fetchone())
        return None if row is None else str(row[0] or "failed without an error message")

    def artifact_by_recipe(self, recipe_key: str) -> Artifact | None:
        """The artifact a recipe built before, if its file is still there with the same sha256 (cached by mtime)."""
        rows = self._retry(
            lambda: self._db.execute(
                "SELECT a.*, v.name AS variant_name FROM artifacts a JOIN variants v ON v.id = a.variant_id "
                "WHERE recipe_key = ? ORDER BY a.id DESC",
                (recipe_key,),
            ).fetchall()
        )
        for row in rows:
            art = artifact_row(row)
            if is_intact(Path(art.path), art.sha256, art.bytes):
                return art
        return None

    def artifacts(self) -> list[Artifact]:
        rows = self._retry(
            lambda: self._db.execute(
                "SELECT a.*, v.name AS variant_name FROM artifacts a JOIN variants v ON v.id = a.variant_id "
                "ORDER BY v.name, a.format"
            ).fetchall()
        )
        return [artifact_row(r) for r in rows]

    def devices(self) -> list[Device]:
        rows = self._retry(lambda: self._db.execute("SELECT * FROM devices ORDER BY id").fetchall())
        return [device_row(r) for r in rows]

    def datasets(self) -> list[Dataset]:
        rows = self._retry(lambda: self._db.execute("SELECT * FROM datasets ORDER BY id").fetchall())
        return [Dataset(r["name"], r["description"], r["size"], r["citation"]) for r in rows]

    def runs(self) -> list[dict[str, Any]]:
        rows = self._retry(lambda: self._db.execute("SELECT * FROM runs ORDER BY id").fetchall())
        return [run_row(r) for r in rows]

    def measurements(
        self,
        *,
        metric: str | None = None,
        device: str | None = None,
        dataset: str | None = None,
        source: str | None = None,
        include_failed: bool = False,
        include_noisy: bool = False,
    ) -> list[MeasurementRecord]:
        """Records matching the filters: ``ok`` ones, plus ``noisy`` ones (``include_noisy``: what
        ``--accept-noisy`` asks for) and failed ones (``include_failed``: every record)."""
        where, params = [], []
        for column, value in (("m.metric", metric), ("d.name", device), ("s.name", dataset), ("m.source", source)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if not include_failed:
            where.append("m.status IN ('ok', 'noisy')" if include_noisy else "m.status = 'ok'")
        sql = (
            "SELECT m.*, v.name AS variant_name, d.name AS device_name, s.name AS dataset_name, "
            "a.sha256 AS artifact_sha256 FROM measurements m JOIN variants v ON v.id = m.variant_id "
            "LEFT JOIN devices d ON d.id = m.device_id LEFT JOIN datasets s ON s.id = m.dataset_id "
            "LEFT JOIN artifacts a ON a.id = m.artifact_id"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY m.id"
        )
        rows = self._retry(lambda: self._db.execute(sql, params).fetchall())
        return [measurement_row(r) for r in rows]

    def predictions(self, keys: list[str] | None = None) -> list[Predictions]:
        """Stored per-image predictions: all, or those of the top-1 records with ``keys``."""
        return self._retry(lambda: select_predictions(self._db, keys))

    def count(self) -> int:
        return int(self._retry(lambda: self._db.execute("SELECT COUNT(*) FROM measurements").fetchone()[0]))

    def integrity_check(self) -> str:
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])


def _make_results_dir(folder: Path) -> None:
    """Create the results folder; a new one ignores itself in git (results are not source)."""
    if folder.is_dir():
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".gitignore").write_text("# created by edgepareto: results are not source\n*\n")

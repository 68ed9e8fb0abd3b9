"""Per-image top-k predictions of one evaluation, kept compactly so that two files can be compared image by image.

An accuracy record holds a count (top-1 = 0.62 of n); two files' top-1 on the same images can only
be told apart by which images each got right (a paired test, ``analysis.paired``), which the count
has lost. So every evaluation that writes top-1/top-5 also writes its predictions: the ordered
(file, label) list once per distinct list (``image_lists``, keyed by its sha256, so the 24 or 50,000
file names are not repeated per model), and per evaluation the n x k class indices (-1 =
background), zlib-compressed. A record is keyed by its top-1 measurement's key, which already
digests the artifact's sha256, the data set and the preprocessing; the artifact, data set name
and a digest of the whole preprocessing spec are columns beside it for the readers.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edgepareto.errors import StoreError


def _digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def _pack(a: np.ndarray) -> bytes:
    return zlib.compress(np.ascontiguousarray(a, dtype="<i4").tobytes(), 6)


def _unpack(blob: bytes, shape: tuple[int, ...]) -> np.ndarray:
    return np.frombuffer(zlib.decompress(blob), dtype="<i4").astype(np.int64).reshape(shape)


@dataclass(frozen=True, eq=False)  # eq=False: NumPy arrays have no single truth value; compare ``images``
class Predictions:
    """One evaluation's top-k class indices per image, in the order of ``files`` (best first; -1 = background)."""

    key: str
    artifact_sha256: str
    dataset: str
    preprocessing: str  # digest of the preprocessing spec
    files: tuple[str, ...]
    labels: np.ndarray = field(repr=False)
    topk: np.ndarray = field(repr=False)
    images: str = ""  # sha256 of the ordered (file, label) list (computed when not given)

    def __post_init__(self) -> None:
        n = len(self.files)
        if not self.key or not self.artifact_sha256:
            raise StoreError("predictions need the top-1 record's key and the artifact's sha256; pass both")
        if n == 0 or self.labels.shape != (n,) or self.topk.ndim != 2 or self.topk.shape[0] != n:
            raise StoreError(
                f"predictions of {self.dataset}: {n} files, labels {self.labels.shape}, top-k {self.topk.shape}; "
                "pass one label and one top-k row per evaluated file"
            )
        if not self.images:  # equal digests: the same images, labels and order
            pairs = [[f, int(y)] for f, y in zip(self.files, self.labels, strict=True)]
            object.__setattr__(self, "images", _digest(pairs))

    @classmethod
    def of_result(cls, result: Any, *, key: str, artifact_sha256: str, dataset: str) -> Predictions:
        """From an ``eval.EvalResult`` (its evaluated files, labels and top-k, dataset order)."""
        return cls(
            key,
            artifact_sha256,
            dataset,
            _digest(result.preprocessing),
            tuple(result.files),
            np.asarray(result.labels, np.int64),
            np.asarray(result.topk, np.int64),
        )

    @property
    def n(self) -> int:
        return len(self.files)

    @property
    def correct(self) -> np.ndarray:
        """Per image: was the top-1 prediction the label."""
        return self.topk[:, 0] == self.labels


def insert(db: sqlite3.Connection, p: Predictions, created_at: str) -> bool:
    """Write ``p`` (and its image list, once); False if predictions with its key are already there."""
    digest = p.images
    db.execute(
        "INSERT OR IGNORE INTO image_lists(digest, n, files, labels) VALUES (?, ?, ?, ?)",
        (digest, p.n, zlib.compress(json.dumps(list(p.files)).encode(), 6), _pack(p.labels)),
    )
    list_id = db.execute("SELECT id FROM image_lists WHERE digest = ?", (digest,)).fetchone()[0]
    cur = db.execute(
        "INSERT OR IGNORE INTO predictions(key, artifact_sha256, dataset, preprocessing, image_list_id, k, topk, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (p.key, p.artifact_sha256, p.dataset, p.preprocessing, list_id, p.topk.shape[1], _pack(p.topk), created_at),
    )
    return cur.rowcount == 1


def select(db: sqlite3.Connection, keys: list[str] | None = None) -> list[Predictions]:
    """Every stored ``Predictions`` (or those with ``keys``), image lists decoded once each."""
    sql = "SELECT p.*, l.digest, l.n, l.files, l.labels FROM predictions p JOIN image_lists l ON l.id = p.image_list_id"
    if keys is not None and not keys:
        return []
    where = "" if keys is None else f" WHERE p.key IN ({', '.join('?' * len(keys))})"
    rows = db.execute(sql + where + " ORDER BY p.id", keys or []).fetchall()
    lists: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    out = []
    for r in rows:
        if r["digest"] not in lists:
            lists[r["digest"]] = (tuple(json.loads(zlib.decompress(r["files"]))), _unpack(r["labels"], (r["n"],)))
        files, labels = lists[r["digest"]]
        topk = _unpack(r["topk"], (r["n"], r["k"]))
        out.append(
            Predictions(
                r["key"], r["artifact_sha256"], r["dataset"], r["preprocessing"], files, labels, topk, r["digest"]
            )
        )
    return out

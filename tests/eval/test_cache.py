"""The on-disk input cache: exact round trip, and damaged entries read as misses (decoded again)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edgepareto.data.preprocessing import PreprocessingSpec
from edgepareto.eval.cache import InputCache


def _cache(tmp_path) -> tuple[InputCache, np.ndarray]:
    spec = PreprocessingSpec(size=32)
    pixels = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    return InputCache(spec, tmp_path), pixels


def test_round_trip_and_read_into_a_chunk_row(tmp_path):
    cache, pixels = _cache(tmp_path)
    assert cache.get("a.jpg|1|2") is None
    cache.put("a.jpg|1|2", pixels)
    assert np.array_equal(cache.get("a.jpg|1|2"), pixels)
    chunk = np.zeros((3, 32, 32, 3), np.uint8)
    assert cache.get_into("a.jpg|1|2", chunk[1])
    assert np.array_equal(chunk[1], pixels) and not chunk[0].any() and not chunk[2].any()
    assert cache.get("a.jpg|1|3") is None  # another mtime is another entry


def test_short_long_and_foreign_entries_are_misses(tmp_path):
    cache, pixels = _cache(tmp_path)
    cache.put("a", pixels)
    path = Path(cache._path("a"))
    data = path.read_bytes()
    for bad in (data[:-1], data + b"\0", b""):
        path.write_bytes(bad)
        assert cache.get("a") is None
    cache.put("b", pixels[:16])  # wrong shape: not stored at all
    assert cache.get("b") is None

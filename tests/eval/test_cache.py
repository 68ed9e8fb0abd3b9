"""The on-disk input cache: exact round trip, packs shared across processes, damage reads as a miss."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from edgepareto.data.preprocessing import PreprocessingSpec
from edgepareto.eval.cache import INDEX, PACK, InputCache

SPEC = PreprocessingSpec(size=32)


def _pixels(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (32, 32, 3), dtype=np.uint8)


def test_round_trip_and_read_into_a_chunk_row(tmp_path):
    cache = InputCache(SPEC, tmp_path)
    a, b = _pixels(0), _pixels(1)
    assert cache.get("a.jpg|1|2") is None
    cache.put("a.jpg|1|2", a)
    cache.put("b.jpg|1|2", b)
    assert np.array_equal(cache.get("a.jpg|1|2"), a) and np.array_equal(cache.get("b.jpg|1|2"), b)
    chunk = np.zeros((3, 32, 32, 3), np.uint8)
    assert cache.get_into("b.jpg|1|2", chunk[1])
    assert np.array_equal(chunk[1], b) and not chunk[0].any() and not chunk[2].any()
    assert cache.get("a.jpg|1|3") is None  # another mtime is another entry
    cache.close()
    fresh = InputCache(SPEC, tmp_path)  # a later process: reads what was written, one pack for both entries
    assert np.array_equal(fresh.get("a.jpg|1|2"), a) and np.array_equal(fresh.get("b.jpg|1|2"), b)
    assert len(list(fresh.folder.glob("*" + PACK))) == 1
    cache.put("c", _pixels(2)[:16])  # wrong shape: not stored at all
    assert InputCache(SPEC, tmp_path).get("c") is None


def test_entries_from_two_writer_processes_are_all_readable(tmp_path):
    code = (
        "import sys, numpy as np; from pathlib import Path; from edgepareto.data.preprocessing import "
        "PreprocessingSpec as S; from edgepareto.eval.cache import InputCache as C; "
        "c = C(S(size=32), Path(sys.argv[1])); w = int(sys.argv[2]); "
        "[c.put(f'{w}-{i}', np.full((32, 32, 3), w * 10 + i, np.uint8)) for i in range(5)]"
    )
    writers = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path), str(w)]) for w in (1, 2)]
    assert [p.wait() for p in writers] == [0, 0]
    cache = InputCache(SPEC, tmp_path)
    for w in (1, 2):
        for i in range(5):
            got = cache.get(f"{w}-{i}")
            assert got is not None and (got == w * 10 + i).all()
    assert len(list(cache.folder.glob("*" + PACK))) == 2


def test_truncated_pack_torn_index_and_missing_pack_are_misses(tmp_path):
    cache = InputCache(SPEC, tmp_path)
    for i in range(3):
        cache.put(f"img{i}", _pixels(i))
    cache.close()
    (pack,) = cache.folder.glob("*" + PACK)
    (index,) = cache.folder.glob("*" + INDEX)
    data = pack.read_bytes()
    pack.write_bytes(data[:-1])  # the last entry lost a byte: read short, decoded again
    lines = index.read_bytes()
    index.write_bytes(lines[: lines.rindex(b"\n", 0, len(lines) - 1) + 1] + lines.splitlines()[-1][:7])  # torn
    reader = InputCache(SPEC, tmp_path)
    assert np.array_equal(reader.get("img0"), _pixels(0)) and np.array_equal(reader.get("img1"), _pixels(1))
    assert reader.get("img2") is None
    index.write_bytes(lines)
    assert InputCache(SPEC, tmp_path).get("img2") is None  # complete line, short pack
    pack.unlink()
    assert InputCache(SPEC, tmp_path).get("img0") is None


def test_an_unwritable_cache_is_a_silent_no_op(tmp_path):
    blocked = tmp_path / "inputs"
    blocked.write_bytes(b"not a folder")  # the cache folder cannot be made (like a read-only or full disk)
    cache = InputCache(SPEC, tmp_path)
    cache.put("a", _pixels())
    assert cache.get("a") is None and blocked.read_bytes() == b"not a folder"


def test_writes_after_the_cache_was_deleted_do_not_fail(tmp_path):
    import shutil

    cache = InputCache(SPEC, tmp_path / "c")
    cache.put("a", _pixels())
    shutil.rmtree(tmp_path / "c")  # deleted under a running evaluation: the rest is just not kept
    cache.put("b", _pixels(1))
    assert InputCache(SPEC, tmp_path / "c").get("b") is None and not Path(tmp_path / "c").exists()


def test_same_size_damaged_pixels_are_a_miss(tmp_path):
    cache = InputCache(SPEC, tmp_path)
    for i in range(3):
        cache.put(f"img{i}", _pixels(i))
    cache.close()
    (pack,) = cache.folder.glob("*" + PACK)
    data = bytearray(pack.read_bytes())
    data[SPEC.size * SPEC.size * 3 + 5] ^= 0x01  # one bit of the second entry: same size, other pixels
    pack.write_bytes(bytes(data))
    reader = InputCache(SPEC, tmp_path)
    assert np.array_equal(reader.get("img0"), _pixels(0)) and np.array_equal(reader.get("img2"), _pixels(2))
    assert reader.get("img1") is None  # decoded again by the caller, and stored again
    reader.put("img1", _pixels(1))
    assert np.array_equal(reader.get("img1"), _pixels(1))
    assert np.array_equal(InputCache(SPEC, tmp_path).get("img1"), _pixels(1))  # the newer entry wins on reload


def test_an_inverted_pack_is_decoded_again_with_the_right_top1(tmp_path, fixtures_dir):
    from edgepareto.data.datasets import imagenet
    from edgepareto.eval import evaluate
    from tests.conftest import FLOAT_MODEL, IMAGENET

    ds = imagenet(IMAGENET / "images", IMAGENET / "ground_truth.csv")
    cold = evaluate(FLOAT_MODEL, ds, workers=1, cache_root=tmp_path)
    for pack in (tmp_path / "inputs").rglob("*" + PACK):
        pack.write_bytes(bytes(b ^ 0xFF for b in pack.read_bytes()))  # every byte inverted, same size
    again = evaluate(FLOAT_MODEL, ds, workers=1, cache_root=tmp_path)
    assert again.cache == {"hits": 0, "decoded": 24}
    assert again.top1 == cold.top1 and list(again.top1_predictions) == list(cold.top1_predictions)

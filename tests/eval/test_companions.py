"""One decode feeds several preprocessings: a study's first evaluation fills the cache for the others."""

from __future__ import annotations

import numpy as np
import pytest

from edgepareto.data.datasets import open_dataset
from edgepareto.data.presets import default_spec
from edgepareto.eval import InputCache, evaluate, spec_for
from tests.conftest import IMAGENET, QUANT_MODEL

pytestmark = pytest.mark.usefixtures("fixtures_dir")


@pytest.mark.parametrize("preset", ["pil-bilinear", "tf-slim"])
def test_companion_inputs_equal_a_fresh_load(tmp_path, preset):
    ds = open_dataset("imagenet", IMAGENET / "images", ground_truth=IMAGENET / "ground_truth.csv").limit(6)
    others = [default_spec((1, r, r, 3), 1001, 1000, preset=preset) for r in (96, 160)]
    plain = evaluate(QUANT_MODEL, ds, preset=preset, cache=False, workers=1)
    shared = evaluate(QUANT_MODEL, ds, preset=preset, cache_root=tmp_path, workers=1, companions=tuple(others))
    assert (shared.top1_predictions == plain.top1_predictions).all()  # its own inputs are unchanged
    for spec in others:
        cache = InputCache(spec, tmp_path)
        for i in range(len(ds)):
            got = cache.get(ds.cache_identity(i))
            assert got is not None and np.array_equal(got, spec.load(ds.files[i]))
    again = evaluate(QUANT_MODEL, ds, preset=preset, cache_root=tmp_path, workers=1)
    assert again.cache["hits"] == len(ds) and spec_for(QUANT_MODEL, ds, preset=preset).size == 128


def test_companions_that_share_pixels_are_resized_and_written_once(tmp_path, monkeypatch):
    """An fp32 and an int8 file of one resolution share their pixels: one resize, one cache entry, not two."""
    from edgepareto.data.preprocessing import PreprocessingSpec

    ds = open_dataset("imagenet", IMAGENET / "images", ground_truth=IMAGENET / "ground_truth.csv").limit(4)
    own = spec_for(QUANT_MODEL, ds, preset="pil-bilinear")
    at96 = default_spec((1, 96, 96, 3), 1001, 1000, preset="pil-bilinear")
    asked: list[int] = []
    real = PreprocessingSpec.load_many

    def spy(self, path, others):
        asked.append(len(others))
        return real(self, path, others)

    monkeypatch.setattr(PreprocessingSpec, "load_many", spy)
    evaluate(QUANT_MODEL, ds, preset="pil-bilinear", cache_root=tmp_path, workers=1, companions=(at96, at96, own))
    assert asked == [1] * len(ds)  # the 96-px pixels once per image; its own spec is not a companion
    assert all(InputCache(at96, tmp_path).get(ds.cache_identity(i)) is not None for i in range(len(ds)))


def test_threaded_chunks_give_the_same_predictions_and_close_their_engines(tmp_path, monkeypatch):
    """Cached inputs on two threads of this process (a study's later evaluations): the same answer as one engine."""
    from edgepareto.eval import threaded_chunks
    from edgepareto.eval.pool import _Evaluator

    ds = open_dataset("imagenet", IMAGENET / "images", ground_truth=IMAGENET / "ground_truth.csv")
    one = evaluate(QUANT_MODEL, ds, preset="pil-bilinear", cache_root=tmp_path, workers=1)
    closed: list[int] = []
    real_close = _Evaluator.close
    monkeypatch.setattr(_Evaluator, "close", lambda self: (closed.append(1), real_close(self))[1])
    two = evaluate(QUANT_MODEL, ds, preset="pil-bilinear", cache_root=tmp_path, workers=2, chunks=threaded_chunks)
    assert (two.top1_predictions == one.top1_predictions).all() and two.top1 == one.top1
    assert two.cache["hits"] == len(ds) and two.workers == 2
    assert 1 <= len(closed) <= 2  # one engine per thread that ran a chunk, each closed

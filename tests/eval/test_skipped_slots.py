"""A skipped image's slot in its chunk is encoded with the others: no numpy warnings from it (issue 31, item 19)."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from edgepareto.data.datasets import image_folder
from edgepareto.data.presets import preset_spec
from edgepareto.eval.pool import evaluate_chunk
from tests.conftest import IMAGENET, QUANT_MODEL

pytestmark = pytest.mark.usefixtures("fixtures_dir")  # Google's files in ../shared: skip without them


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    jpegs = sorted((IMAGENET / "images").glob("*.JPEG"))[:2]
    for cls, src in zip(("a", "b"), jpegs, strict=True):
        (tmp_path / cls).mkdir()
        shutil.copy(src, tmp_path / cls / src.name)
    (tmp_path / "b" / "broken.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    return tmp_path


def test_a_skipped_image_leaves_no_garbage_for_the_encoder(folder, monkeypatch):
    """np.empty's memory may hold anything; it is made to hold huge floats and NaN here, as it sometimes does."""
    real_empty = np.empty

    def dirty(shape, dtype=float, *args, **kwargs):
        out = real_empty(shape, dtype, *args, **kwargs)
        if np.dtype(dtype).kind == "f":
            out.fill(np.nan)
            out.flat[::2] = 3e38
        return out

    dataset = image_folder(folder)
    spec = preset_spec("tf-slim", 128, label_offset=1)
    monkeypatch.setattr(np, "empty", dirty)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        start, topk, ok, skipped, _ = evaluate_chunk(str(QUANT_MODEL), "litert", spec, dataset, 0, len(dataset))
    assert start == 0 and ok.sum() == 2 and [Path(s["file"]).name for s in skipped] == ["broken.jpg"]
    assert (topk[ok] >= 0).all()

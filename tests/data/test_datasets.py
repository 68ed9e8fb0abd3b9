"""Data sets: canonical ImageNet class indices, both layouts, ground-truth formats, bad input."""

from __future__ import annotations

import csv
import shutil

import numpy as np
import pytest

from edgepareto.data.datasets import fashion_mnist, image_folder, imagenet, imagenet_synsets, read_labels
from edgepareto.errors import DatasetError
from tests.conftest import IMAGENET


def fixture_rows():
    return list(csv.DictReader((IMAGENET / "ground_truth.csv").open()))


def test_synsets_are_canonical_and_match_the_fixture_labels(fixtures_dir):
    s = imagenet_synsets()
    assert len(s) == 1000 and list(s) == sorted(s) and len(set(s)) == 1000
    for r in fixture_rows():  # fixture label_index is 1001-class indexing
        assert s.index(r["synset"]) + 1 == int(r["label_index"])


def test_synset_folders_use_canonical_index_not_folder_position(tmp_path, fixtures_dir):
    rows = fixture_rows()[:3]
    for r in rows:
        d = tmp_path / r["synset"]
        d.mkdir(exist_ok=True)
        shutil.copy(IMAGENET / "images" / r["file"], d / r["file"])
    (tmp_path / rows[0]["synset"] / "notes.txt").write_text("not an image")
    ds = imagenet(tmp_path)
    by_file = {f.rsplit("/", 1)[1]: int(label) for f, label in zip(ds.files, ds.labels, strict=True)}
    assert by_file == {r["file"]: int(r["label_index"]) - 1 for r in rows}
    assert [s["reason"] for s in ds.skipped] == ["not an image file (by suffix)"]


def test_balanced_limit_spreads_a_subset_over_the_classes(tmp_path, fixtures_dir):
    rows = fixture_rows()[:6]
    for r in rows:  # two images per synset folder: sorted order is class by class
        d = tmp_path / r["synset"]
        d.mkdir()
        for prefix in ("a_", "b_"):
            shutil.copy(IMAGENET / "images" / r["file"], d / (prefix + r["file"]))
    ds = imagenet(tmp_path)
    first, balanced = ds.limit(6), ds.limit(6, balanced=True)
    assert len(set(first.labels.tolist())) == 3  # what --limit alone gives on synset folders
    assert sorted(balanced.labels.tolist()) == sorted(ds.labels[::2].tolist())  # one image of each of the 6
    assert all(f.rsplit("/", 1)[1].startswith("a_") for f in balanced.files)  # each class's first image
    assert balanced.files == sorted(balanced.files)  # still in the data set's order
    assert ds.limit(12, balanced=True) is ds


def test_flat_folder_with_csv_and_file_label_list(tmp_path, fixtures_dir):
    rows = fixture_rows()
    ds = imagenet(IMAGENET / "images", IMAGENET / "ground_truth.csv")
    assert len(ds) == 24
    expect = {r["file"]: int(r["label_index"]) - 1 for r in rows}
    assert all(expect[f.rsplit("/", 1)[1]] == int(y) for f, y in zip(ds.files, ds.labels, strict=True))
    txt = tmp_path / "val.txt"  # caffe-style "file label" with 0-based canonical indices
    txt.write_text("".join(f"{r['file']} {int(r['label_index']) - 1}\n" for r in rows))
    ds2 = imagenet(IMAGENET / "images", txt)
    np.testing.assert_array_equal(ds.labels, ds2.labels)


def test_devkit_ground_truth_needs_and_uses_its_synset_order(tmp_path, fixtures_dir):
    rows = sorted(fixture_rows(), key=lambda r: r["file"])
    order = list(imagenet_synsets())
    np.random.default_rng(0).shuffle(order)  # the devkit's order is not the sorted one
    gt = tmp_path / "ILSVRC2012_validation_ground_truth.txt"
    gt.write_text("".join(f"{order.index(r['synset']) + 1}\n" for r in rows))  # one line per image
    with pytest.raises(DatasetError, match="--synset-order"):
        imagenet(IMAGENET / "images", gt)
    order_file = tmp_path / "order.txt"
    order_file.write_text("\n".join(order) + "\n")
    ds = imagenet(IMAGENET / "images", gt, order_file)
    assert [int(y) for y in ds.labels] == [int(r["label_index"]) - 1 for r in rows]
    short = tmp_path / "short.txt"
    short.write_text("".join(gt.read_text().splitlines(keepends=True)[:10]))
    with pytest.raises(DatasetError, match="10 labels, but expected 50000"):
        imagenet(IMAGENET / "images", short, order_file)


def test_bad_folders_are_clear_errors(tmp_path, fixtures_dir):
    with pytest.raises(DatasetError, match="not found"):
        imagenet(tmp_path / "missing")
    with pytest.raises(DatasetError, match="no synset sub-folders"):
        imagenet(tmp_path)
    (tmp_path / "n99999999").mkdir()
    with pytest.raises(DatasetError, match="not ILSVRC2012 synsets"):
        imagenet(tmp_path)
    gt = tmp_path / "gt.csv"
    gt.write_text("file,synset\nother.JPEG,n01440764\n")
    with pytest.raises(DatasetError, match="no label for 24 of the 24 images"):
        imagenet(IMAGENET / "images", gt)
    with pytest.raises(DatasetError, match="needs labels"):
        imagenet(IMAGENET / "images")


def test_image_folder_and_labels_file(tmp_path, fixtures_dir):
    files = sorted((IMAGENET / "images").iterdir())
    for cls, f in [("cats", files[0]), ("dogs", files[1]), ("dogs", files[2])]:
        (tmp_path / cls).mkdir(exist_ok=True)
        shutil.copy(f, tmp_path / cls / f.name)
    ds = image_folder(tmp_path)
    assert ds.class_names == ("cats", "dogs") and list(ds.labels) == [0, 1, 1]
    ds2 = image_folder(tmp_path, ["dogs", "cats"])
    assert list(ds2.labels) == [1, 0, 0]
    empty = tmp_path / "labels.txt"
    empty.write_text("\n")
    with pytest.raises(DatasetError, match="empty"):
        read_labels(empty)


def test_fashion_mnist_test_split():
    try:
        ds = fashion_mnist("test")
    except DatasetError as exc:
        pytest.skip(str(exc))
    assert len(ds) == 10_000 and len(ds.class_names) == 10
    assert np.bincount(ds.labels).tolist() == [1000] * 10
    assert ds.limit(5).labels.shape == (5,)
    sub = ds.limit(95, balanced=True)  # in-memory images follow their labels
    assert sorted(np.bincount(sub.labels).tolist()) == [9] * 5 + [10] * 5 and sub.images.shape[0] == 95
    picked = [int(f.rsplit("/", 1)[-1]) for f in sub.files]
    assert picked == sorted(picked) and np.array_equal(sub.images, ds.images[picked])

"""Issue 31, item 20: inputs whose message pointed the wrong way are one line naming the real fix."""

from __future__ import annotations

import sqlite3

import pytest

from edgepareto.store import Store
from tests.cli.test_one_line_errors import one_line_error
from tests.cli_support import cli
from tests.conftest import IMAGENET, QUANT_MODEL


def test_inspect_on_a_folder_says_it_is_a_folder(capsys, tmp_path):
    rc, out, err = cli(capsys, "inspect", str(tmp_path))
    one_line_error(rc, out, err, "is a folder, not a model file", "inside it")


def test_a_store_missing_a_table_is_damaged_not_a_full_disk(capsys, tmp_path):
    path = tmp_path / "results.sqlite"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE runs")
    for command in (["results"], ["report", "--out", str(tmp_path / "r")]):
        rc, out, err = cli(capsys, *command, "--store", str(path))
        line = one_line_error(rc, out, err, "is damaged (no table runs)", "restore it from a backup")
        assert "free disk space" not in line


@pytest.mark.parametrize(
    ("ground_truth", "order", "needle"),
    [
        ("csv", "missing", "does not apply; drop --synset-order"),  # a named-label ground truth: order unused
        ("devkit", "missing", "synset-order file not found"),  # not "choose a place that can be written"
        ("devkit", "folder", "synset-order file not found"),
        (None, "devkit", "pass --ground-truth ILSVRC2012_validation_ground_truth.txt with it"),
    ],
)
def test_synset_order_with_or_without_ground_truth(capsys, tmp_path, fixtures_dir, ground_truth, order, needle):
    devkit = tmp_path / "devkit.txt"
    devkit.write_text("1\n" * 24)
    paths = {
        "csv": IMAGENET / "ground_truth.csv",
        "devkit": devkit,
        "missing": tmp_path / "nowhere.txt",
        "folder": tmp_path,
    }
    data = IMAGENET / "images"
    if ground_truth is None:  # synset folders need no ground truth, and so no order
        data = tmp_path / "synsets" / "n01440764"
        data.mkdir(parents=True)
        data = data.parent
    argv = ["eval", str(QUANT_MODEL), "--dataset", "imagenet", "--data-dir", str(data),
            "--synset-order", str(paths[order])]  # fmt: skip
    if ground_truth:
        argv += ["--ground-truth", str(paths[ground_truth])]
    rc, out, err = cli(capsys, *argv)
    one_line_error(rc, out, err, needle)


@pytest.mark.parametrize(
    ("kind", "needle"),
    [
        ("latency-only", "measures no accuracy, so dataset = 'nonexistent' does not apply"),
        ("imagenet-published", "reports accuracy on imagenet-val"),
        ("fashion-mnist", "reports accuracy on fashion-mnist-test"),
        ("measured", "needs dataset = one of imagenet, folder"),
    ],
)
def test_an_unknown_dataset_is_refused_by_every_kind(capsys, tmp_path, kind, needle):
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f'[[study]]\nname = "mine"\nkind = "{kind}"\nalphas = [0.25]\nresolutions = [96]\ndataset = "nonexistent"\n'
    )
    rc, out, err = cli(capsys, "sweep", str(plan), "--store", str(tmp_path / "s.sqlite"), "--dry-run", "--no-live")
    one_line_error(rc, out, err, "study 'mine'", needle)

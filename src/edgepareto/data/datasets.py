"""Labelled data sets for evaluation: ImageNet validation (both layouts), image folders, Fashion-MNIST.

A data set is a list of items with integer labels; files that are not images are skipped at
listing time and recorded (``skipped``), files that fail to decode are skipped during the run.
ImageNet class indices always come from the canonical ILSVRC2012 order shipped with the
package (:func:`imagenet_synsets`), never from which synset folders happen to be present.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from edgepareto.data.preprocessing import IMAGE_SUFFIXES, PreprocessingSpec
from edgepareto.errors import DatasetError

SYNSET_RE = re.compile(r"^n\d{8}$")
VAL_RE = re.compile(r"ILSVRC2012_val_(\d{8})")
DEVKIT_VAL_IMAGES = 50_000
DATASETS = ("imagenet", "folder", "fashion-mnist")


@lru_cache(maxsize=1)
def imagenet_synsets() -> tuple[str, ...]:
    """The 1000 ILSVRC2012 WordNet ids in canonical (sorted) order: index k is class k."""
    text = resources.files("edgepareto.data").joinpath("imagenet_synsets.txt").read_text()
    ids = tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    if len(ids) != 1000 or list(ids) != sorted(ids):
        raise DatasetError("the packaged imagenet_synsets.txt is damaged; reinstall edgepareto")
    return ids


def read_labels(path: str | Path) -> list[str]:
    """One name per model output, one per line (Google's ``labels.txt`` has 1001, background first)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read labels file ({exc}); pass a text file, one name per line") from exc
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise DatasetError(f"{path}: labels file is empty; pass a text file with one name per model output")
    return [line.strip() for line in lines]


@dataclass
class Dataset:
    """Items, labels and where they came from; ``load`` turns item ``i`` into uint8 pixels."""

    name: str
    source: str
    class_names: tuple[str, ...]
    files: list[str]
    labels: np.ndarray
    skipped: list[dict[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.files)

    def limit(self, n: int | None, balanced: bool = False) -> Dataset:
        """``n`` items (all when ``n`` is None), kept in the data set's stable order: the first ``n``, or
        with ``balanced`` the first image of every class, then the second of every class, and so on.

        Synset folders are sorted by class, so their first 1,000 images are 20 classes: balanced is
        the subset whose accuracy means something there.
        """
        if n is None or n >= len(self):
            return self
        if n < 1:
            raise DatasetError(f"--limit must be at least 1, got {n}")
        return self._take(_subset(self.labels, n, balanced))

    def _take(self, idx: np.ndarray) -> Dataset:
        return Dataset(self.name, self.source, self.class_names, [self.files[i] for i in idx], self.labels[idx],
                       self.skipped)  # fmt: skip

    def load(self, i: int, spec: PreprocessingSpec) -> np.ndarray:
        return spec.load(self.files[i])

    def cache_identity(self, i: int) -> str | None:
        """What identifies item ``i``'s bytes for the input cache (None: do not cache)."""
        path = self.files[i]  # absolute: data sets are built from resolved folders
        try:
            st = os.stat(path)
        except OSError:
            return None
        return f"{path}|{st.st_size}|{st.st_mtime_ns}"


@dataclass
class ArrayDataset(Dataset):
    """In-memory images (Fashion-MNIST): nothing to decode, so nothing to cache."""

    images: np.ndarray | None = None

    def _take(self, idx: np.ndarray) -> ArrayDataset:
        assert self.images is not None
        return ArrayDataset(self.name, self.source, self.class_names, [self.files[i] for i in idx], self.labels[idx],
                            self.skipped, self.images[idx])  # fmt: skip

    def load(self, i: int, spec: PreprocessingSpec) -> np.ndarray:
        assert self.images is not None
        return spec.prepare_array(self.images[i])

    def cache_identity(self, i: int) -> str | None:
        return None


def _subset(labels: np.ndarray, n: int, balanced: bool) -> np.ndarray:
    """Indices (ascending) of the first ``n`` items, or of ``n`` items taken round-robin over classes."""
    if not balanced:
        return np.arange(n)
    labels = np.asarray(labels)
    order = np.argsort(labels, kind="stable")  # by class, dataset order within a class
    sorted_labels = labels[order]
    starts = np.searchsorted(sorted_labels, sorted_labels, side="left")
    rank = np.empty(len(labels), np.int64)
    rank[order] = np.arange(len(labels)) - starts  # 0 for each class's first image, 1 for its second, ...
    return np.sort(np.lexsort((np.arange(len(labels)), rank))[:n])


def _scan(folder: Path) -> tuple[list[Path], list[dict[str, str]]]:
    """Image files (sorted) and the other files, recorded as skipped."""
    images, skipped = [], []
    for p in sorted(folder.rglob("*")):
        if not p.is_file() or p.name.startswith("."):
            continue
        if p.suffix.lower() in IMAGE_SUFFIXES:
            images.append(p)
        else:
            skipped.append({"file": str(p), "reason": "not an image file (by suffix)"})
    return images, skipped


def _require_dir(folder: Path) -> None:
    if not folder.is_dir():
        raise DatasetError(f"{folder}: data folder not found; pass --data-dir with the images")


def imagenet(data_dir: str | Path, ground_truth: str | Path | None = None, synset_order: str | Path | None = None):
    """ImageNet validation: synset sub-folders, or a flat folder plus a ground-truth file.

    Ground truth: a CSV with a header naming ``file`` and ``synset`` (or ``label``, a 0-based
    canonical index); a ``file label`` text list (label a wnid or 0-based canonical index); or
    the devkit's ``ILSVRC2012_validation_ground_truth.txt`` (one ILSVRC2012_ID per line, in the
    devkit's own synset order, which must then be given as ``synset_order``: 1000 wnids, one per line).
    """
    folder = Path(data_dir)
    _require_dir(folder)
    folder = folder.resolve()
    if synset_order is not None and ground_truth is None:
        raise DatasetError(
            f"--synset-order {synset_order} orders the devkit's ground-truth file; pass --ground-truth "
            "ILSVRC2012_validation_ground_truth.txt with it, or drop --synset-order"
        )
    synsets = imagenet_synsets()
    index = {s: i for i, s in enumerate(synsets)}
    if ground_truth is not None:
        images, skipped = _scan(folder)
        if not images:
            raise DatasetError(f"{folder}: no image files found; pass the folder of ILSVRC2012_val_*.JPEG images")
        table = _read_ground_truth(Path(ground_truth), images, index, synset_order)
        files, labels = [], []
        missing = []
        for p in images:
            label = table.get(p.name)
            if label is None:
                missing.append(p.name)
            else:
                files.append(str(p))
                labels.append(label)
        if missing:
            raise DatasetError(
                f"{ground_truth}: no label for {len(missing)} of the {len(images)} images (e.g. {missing[0]}); "
                "pass the ground-truth file that matches this folder"
            )
        source = f"ImageNet validation, flat folder {folder} with ground truth {ground_truth}"
        return Dataset("imagenet", source, synsets, files, np.asarray(labels, dtype=np.int64), skipped)

    subdirs = sorted(p for p in folder.iterdir() if p.is_dir())
    synset_dirs = [p for p in subdirs if SYNSET_RE.match(p.name)]
    if not synset_dirs:
        if any(folder.glob("*.JPEG")) or any(folder.glob("*.jpg")):
            raise DatasetError(
                f"{folder}: a flat folder of images needs labels; pass --ground-truth (devkit "
                "ILSVRC2012_validation_ground_truth.txt, or a file,synset CSV)"
            )
        raise DatasetError(f"{folder}: no synset sub-folders (n01440764, ...) and no images; check --data-dir")
    unknown = [p.name for p in synset_dirs if p.name not in index]
    if unknown:
        raise DatasetError(f"{folder}: {len(unknown)} folder(s) are not ILSVRC2012 synsets (e.g. {unknown[0]})")
    files, labels, skipped = [], [], []
    for d in synset_dirs:
        imgs, skip = _scan(d)
        skipped += skip or ([] if imgs else [{"file": str(d), "reason": "synset folder holds no images"}])
        files += [str(p) for p in imgs]
        labels += [index[d.name]] * len(imgs)
    if not files:
        raise DatasetError(f"{folder}: the synset folders hold no images; check --data-dir")
    source = f"ImageNet validation, {len(synset_dirs)} synset folders in {folder}"
    return Dataset("imagenet", source, synsets, files, np.asarray(labels, dtype=np.int64), skipped)


def _read_ground_truth(
    path: Path, images: list[Path], index: dict[str, int], synset_order: str | Path | None
) -> dict[str, int]:
    """file name -> canonical class index, from any of the three ground-truth formats."""
    text, lines = _ground_truth_lines(path)
    named = "," in lines[0] or len(lines[0].split()) >= 2
    if synset_order is not None and named:
        raise DatasetError(
            f"{path}: this ground truth names its labels, so --synset-order (for the devkit's "
            "one-ID-per-line file only) does not apply; drop --synset-order"
        )
    if "," in lines[0]:  # CSV with a header
        return _csv_ground_truth(path, text, index)
    if named:  # "file label" list
        return _listed_ground_truth(path, lines, index)
    # devkit: one ILSVRC2012_ID (1..1000, devkit order) per line
    if synset_order is None:
        raise DatasetError(
            f"{path}: devkit ground truth uses the devkit's synset order; pass --synset-order with its 1000 "
            "wnids (ILSVRC2012_ID 1..1000, from data/meta.mat), one per line"
        )
    return _devkit_ground_truth(path, lines, images, index, synset_order)


def _ground_truth_lines(path: Path) -> tuple[str, list[str]]:
    """The file's text and its non-blank lines; refused when missing, unreadable or empty."""
    if not path.is_file():
        raise DatasetError(f"{path}: ground-truth file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read ground truth ({exc})") from exc
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise DatasetError(f"{path}: ground-truth file is empty")
    return text, lines


def _label_of(path: Path, index: dict[str, int], value: str, where: str) -> int:
    """A named label: a synset id (wnid) or a class index 0-999."""
    value = value.strip()
    if value in index:
        return index[value]
    if value.isdigit() and int(value) < 1000:
        return int(value)
    raise DatasetError(f"{path}: {where}: label {value!r} is neither a synset id nor a class index 0-999")


def _csv_ground_truth(path: Path, text: str, index: dict[str, int]) -> dict[str, int]:
    """A CSV with a header naming 'file' and 'synset' (or 'label')."""
    rows = list(csv.DictReader(text.splitlines()))
    cols = set(rows[0]) if rows else set()
    key = "synset" if "synset" in cols else "label" if "label" in cols else None
    if "file" not in cols or key is None:
        raise DatasetError(f"{path}: a CSV ground truth needs a header with 'file' and 'synset' (or 'label')")
    return {Path(r["file"]).name: _label_of(path, index, r[key], f"row {i + 2}") for i, r in enumerate(rows)}


def _listed_ground_truth(path: Path, lines: list[str], index: dict[str, int]) -> dict[str, int]:
    """'file label' on every line."""
    table: dict[str, int] = {}
    for i, ln in enumerate(lines):
        parts = ln.split()
        if len(parts) < 2:
            raise DatasetError(f"{path}: line {i + 1} has no label; expected 'file label' on every line")
        table[Path(parts[0]).name] = _label_of(path, index, parts[1], f"line {i + 1}")
    return table


def _devkit_ground_truth(
    path: Path, lines: list[str], images: list[Path], index: dict[str, int], synset_order: str | Path
) -> dict[str, int]:
    """One ILSVRC2012_ID per line in the devkit's synset order: the whole validation set or one per image."""
    order = _synset_order(Path(synset_order))
    if len(order) != 1000 or set(order) != set(index):
        raise DatasetError(f"{synset_order}: expected the 1000 ILSVRC2012 synset ids, one per line")
    try:
        ids = [int(ln) for ln in lines]
    except ValueError as exc:
        raise DatasetError(f"{path}: devkit ground truth must hold one integer per line ({exc})") from exc
    if any(not 1 <= v <= 1000 for v in ids):
        raise DatasetError(f"{path}: ILSVRC2012_IDs must be in 1..1000")
    table: dict[str, int] = {}
    if len(ids) == DEVKIT_VAL_IMAGES:
        for p in images:
            m = VAL_RE.search(p.name)
            if m and 1 <= int(m[1]) <= len(ids):
                table[p.name] = index[order[ids[int(m[1]) - 1] - 1]]
    elif len(ids) == len(images):
        for p, v in zip(images, ids, strict=True):
            table[p.name] = index[order[v - 1]]
    else:
        raise DatasetError(
            f"{path}: {len(ids)} labels, but expected {DEVKIT_VAL_IMAGES} (the whole validation set) "
            f"or one per image in the folder ({len(images)}); pass the matching ground-truth file"
        )
    return table


def _synset_order(path: Path) -> list[str]:
    """The devkit's synset order file: its wnids, one per line (checked by the caller)."""
    if not path.is_file():
        raise DatasetError(
            f"{path}: synset-order file not found; pass --synset-order with the devkit's 1000 wnids, one per line"
        )
    try:
        return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read the synset order ({exc}); pass a text file of 1000 wnids") from exc


def image_folder(data_dir: str | Path, class_names: list[str] | None = None) -> Dataset:
    """A user's own classes: one sub-folder per class; index = position in ``class_names`` or sorted order."""
    folder = Path(data_dir)
    _require_dir(folder)
    folder = folder.resolve()
    subdirs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not subdirs:
        raise DatasetError(f"{folder}: no class sub-folders; put each class's images in a folder named after it")
    names = tuple(class_names) if class_names is not None else tuple(p.name for p in subdirs)
    index = {n: i for i, n in enumerate(names)}
    unknown = [p.name for p in subdirs if p.name not in index]
    if unknown:
        raise DatasetError(f"{folder}: folder {unknown[0]!r} is not one of the labels-file classes; rename it")
    files, labels, skipped = [], [], []
    for d in subdirs:
        imgs, skip = _scan(d)
        skipped += skip or ([] if imgs else [{"file": str(d), "reason": "class folder holds no images"}])
        files += [str(p) for p in imgs]
        labels += [index[d.name]] * len(imgs)
    if not files:
        raise DatasetError(f"{folder}: the class folders hold no images")
    return Dataset("folder", f"image folder {folder}", names, files, np.asarray(labels, np.int64), skipped)


def fashion_mnist(split: str = "test", root: str | Path | None = None) -> ArrayDataset:
    """Fashion-MNIST from the Debian package's IDX files, as a data set of in-memory images."""
    from edgepareto.data.fashion_mnist import CLASSES, DEFAULT_DIR, load_fashion_mnist

    root = Path(root) if root is not None else DEFAULT_DIR
    images, labels = load_fashion_mnist(split, root)
    files = [f"fashion-mnist/{split}/{i:05d}" for i in range(len(images))]
    source = f"Fashion-MNIST {split} split ({len(images)} images) from {root}"
    return ArrayDataset("fashion-mnist", source, CLASSES, files, labels.astype(np.int64), [], images)


FULL_SIZES = {"imagenet": DEVKIT_VAL_IMAGES, "fashion-mnist": 10_000}  # the sets a name without a hash may denote
BASE_NAMES = {"imagenet": "imagenet-val", "fashion-mnist": "fashion-mnist-test"}


@dataclass(frozen=True)
class EvaluatedSet:
    """What an accuracy figure was measured on: the images actually evaluated, not the set they came from.

    Only the whole set keeps the set's name (``imagenet-val`` is all 50,000 ILSVRC2012 validation images); any
    other selection is named by a hash of its (file, label) list, so two figures share a data set, and a front,
    only when they were measured on the same images.
    """

    kind: str  # imagenet, folder, fashion-mnist
    base: str  # imagenet-val, folder-<dir>, fashion-mnist-test
    n: int  # images evaluated
    classes: int  # distinct labels among them
    digest: str  # sha256 of the sorted (file, label) lines

    def __post_init__(self) -> None:
        if self.kind not in DATASETS:
            raise DatasetError(f"unknown dataset kind {self.kind!r}; choose from {', '.join(DATASETS)}")
        if self.n < 1 or self.classes < 1:
            raise DatasetError(f"an evaluated set needs images and classes, got {self.n} and {self.classes}")
        if not re.fullmatch(r"[0-9a-f]{16,64}", self.digest):
            raise DatasetError(f"evaluated-set digest must be 16 to 64 hex digits, got {self.digest!r}")

    @classmethod
    def of(cls, kind: str, base: str, files: list[str] | tuple[str, ...], labels: Any) -> EvaluatedSet:
        """From the evaluated files and their labels; a file is named by its base name (ImageNet's are unique
        across layouts), a folder's by class folder and name."""
        keep = 2 if kind == "folder" else 1
        lines = sorted(f"{'/'.join(str(f).replace(chr(92), '/').split('/')[-keep:])}\t{int(y)}"
                       for f, y in zip(files, labels, strict=True))  # fmt: skip
        digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
        return cls(kind, base, len(lines), len({int(y) for y in labels}), digest)

    @property
    def full(self) -> bool:
        """Every image of the named set (a folder is never 'the' set: its name always carries the hash)."""
        return FULL_SIZES.get(self.kind) == self.n

    @property
    def name(self) -> str:
        if self.full:
            return self.base
        return f"{'imagenet-subset' if self.kind == 'imagenet' else self.base}-{self.digest[:8]}"

    @property
    def description(self) -> str:
        what = {"imagenet": "ImageNet val", "fashion-mnist": "Fashion-MNIST test"}.get(self.kind, self.base)
        if self.full:
            return f"{what}: all {self.n:,} images, {self.classes} classes"
        part = "subset" if self.kind in FULL_SIZES else "images"
        return f"{what} {part}: {self.n:,} images, {self.classes} classes"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "n": self.n, "classes": self.classes, "sha256": self.digest,
                "full": self.full}  # fmt: skip


def open_dataset(
    kind: str,
    data_dir: str | Path | None = None,
    *,
    ground_truth: str | Path | None = None,
    synset_order: str | Path | None = None,
    class_names: list[str] | None = None,
    split: str = "test",
) -> Dataset:
    """The one entry point the CLI and the sweep use."""
    if kind == "imagenet":
        if data_dir is None:
            raise DatasetError("--dataset imagenet needs --data-dir (synset folders or a flat folder)")
        return imagenet(data_dir, ground_truth, synset_order)
    if kind == "folder":
        if data_dir is None:
            raise DatasetError("--dataset folder needs --data-dir (one sub-folder per class)")
        return image_folder(data_dir, class_names)
    if kind == "fashion-mnist":
        return fashion_mnist(split, data_dir)
    raise DatasetError(f"unknown dataset {kind!r}; choose from {', '.join(DATASETS)}")

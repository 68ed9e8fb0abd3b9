"""Fashion-MNIST from Debian's ``dataset-fashion-mnist`` package (IDX files, gzip)."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from edgepareto.data.preprocessing import PreprocessingSpec
from edgepareto.errors import DatasetError

DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
_DTYPES: dict[int, type | str] = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (optionally gzipped): magic 0x0000TTDD, D big-endian dims, then data."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise DatasetError(f"{path}: cannot read IDX file ({exc})") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES:
        raise DatasetError(f"{path}: not an IDX file (bad magic number)")
    ndim = raw[3]
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    dtype = np.dtype(_DTYPES[raw[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    body = raw[4 + 4 * ndim :]
    if len(body) != expected:
        raise DatasetError(f"{path}: IDX body has {len(body)} bytes, header promises {expected}; file is truncated")
    return np.frombuffer(body, dtype=dtype).reshape(dims)


def load_fashion_mnist(split: str = "test", root: Path = DEFAULT_DIR) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) uint8 and labels (N,) uint8 of ``split`` ('train' or 'test')."""
    if split not in _FILES:
        raise DatasetError(f"Fashion-MNIST split must be 'train' or 'test', got {split!r}")
    img_name, lbl_name = _FILES[split]
    img_path, lbl_path = root / img_name, root / lbl_name
    if not img_path.is_file() or not lbl_path.is_file():
        raise DatasetError(
            f"{root}: Fashion-MNIST not found; install it with `apt-get install dataset-fashion-mnist` "
            "(or `make setup`)"
        )
    images, labels = read_idx(img_path), read_idx(lbl_path)
    if images.shape[0] != labels.shape[0]:
        raise DatasetError(f"{root}: {images.shape[0]} images but {labels.shape[0]} labels")
    return images, labels


def fashion_spec(size: int = 32, channels: int = 3) -> PreprocessingSpec:
    """28x28 grey, no crop, padded (or for a side under 28, resized) to ``size``, grey replicated to ``channels``."""
    return PreprocessingSpec(
        size=size,
        crop_fraction=1.0,
        resize_filter="pad" if size >= 28 else "bilinear",
        color="L",
        channels=channels,
    )

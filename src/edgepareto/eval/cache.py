"""On-disk cache of decoded, preprocessed uint8 inputs, one folder per pixel spec.

Evaluating sixteen variants that share a preprocessing decodes each JPEG once. An entry is
keyed by the file's resolved path, size and modification time, so an edited image is
decoded again; entries are written atomically, so concurrent workers never read half a file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

from edgepareto.data.preprocessing import PreprocessingSpec


def home() -> Path:
    """The edgepareto cache folder: ``$EDGEPARETO_HOME`` or ``~/.cache/edgepareto``."""
    env = os.environ.get("EDGEPARETO_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "edgepareto"


class InputCache:
    """uint8 pixels per (spec, image identity) as ``.npy`` files under ``root/inputs/<pixel_key>/``."""

    def __init__(self, spec: PreprocessingSpec, root: Path | None = None) -> None:
        self.folder = (root if root is not None else home()) / "inputs" / spec.pixel_key

    def _path(self, identity: str) -> Path:
        h = hashlib.sha1(identity.encode()).hexdigest()
        return self.folder / h[:2] / f"{h}.npy"

    def get(self, identity: str) -> np.ndarray | None:
        try:
            return np.load(self._path(identity), allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None

    def put(self, identity: str, pixels: np.ndarray) -> None:
        """Best effort: a full disk or read-only cache only costs a decode next time."""
        path = self._path(identity)
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp", suffix=".npy", dir=path.parent)
            with os.fdopen(fd, "wb") as f:
                np.save(f, pixels, allow_pickle=False)
            os.replace(tmp, path)
        except OSError:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

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
    """uint8 pixels per (spec, image identity) as raw ``.u8`` files under ``root/inputs/<pixel_key>/``.

    Raw bytes, no header: the shape is the spec's (size, size, channels), and reading one is a
    single ``read`` (``np.load`` parses a header per file, which cost more than the inference).
    """

    def __init__(self, spec: PreprocessingSpec, root: Path | None = None) -> None:
        self.folder = (root if root is not None else home()) / "inputs" / spec.pixel_key
        self.shape = (spec.size, spec.size, spec.channels)
        self.nbytes = spec.size * spec.size * spec.channels

    def _path(self, identity: str) -> str:
        h = hashlib.sha1(identity.encode()).hexdigest()
        return f"{self.folder}/{h[:2]}/{h}.u8"

    def get(self, identity: str) -> np.ndarray | None:
        try:
            with open(self._path(identity), "rb") as f:
                data = f.read()
        except OSError:
            return None
        if len(data) != self.nbytes:  # damaged or from another layout: decode again
            return None
        return np.frombuffer(data, dtype=np.uint8).reshape(self.shape)

    def put(self, identity: str, pixels: np.ndarray) -> None:
        """Best effort: a full disk or read-only cache only costs a decode next time."""
        path = Path(self._path(identity))
        tmp: str | None = None
        if pixels.shape != self.shape or pixels.dtype != np.uint8:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as f:
                f.write(np.ascontiguousarray(pixels).tobytes())
            os.replace(tmp, path)
        except OSError:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

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
        out = np.empty(self.shape, np.uint8)
        return out if self.get_into(identity, out) else None

    def get_into(self, identity: str, out: np.ndarray) -> bool:
        """Read an entry straight into ``out`` (C-contiguous uint8 of the spec's shape); False on a miss.

        No allocation per image: warm evaluation reads a whole chunk into one buffer.
        """
        extra = bytearray(1)  # a longer file fills it: a damaged or foreign entry is decoded again
        try:
            fd = os.open(self._path(identity), os.O_RDONLY)
        except OSError:
            return False
        try:
            got = os.preadv(fd, [memoryview(out).cast("B"), extra], 0)  # one system call, no file object
        except OSError:
            return False
        finally:
            os.close(fd)
        return got == self.nbytes

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

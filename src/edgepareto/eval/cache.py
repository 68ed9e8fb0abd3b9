"""On-disk cache of decoded, preprocessed uint8 inputs, one folder per pixel spec.

Evaluating sixteen variants that share a preprocessing decodes each JPEG once. An entry is
keyed by the file's resolved path, size and modification time, so an edited image is
decoded again; each entry carries a CRC32 of its pixels, so damaged bytes (even of the same
size) read as a miss and are decoded again. Entries are appended to pack files, one per
writing process, with an append-only index beside each: no file per image, because creating
an inode on this VM's ext4 cost 0.1-0.7 ms, as much as decoding the JPEG.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import zlib
from pathlib import Path

import numpy as np

from edgepareto.artifacts.files import home
from edgepareto.data.preprocessing import PreprocessingSpec

PACK, INDEX = ".u8", ".idx"
Entry = tuple[str, int, int]  # (pack name, offset, crc32 of the pixels)


def _entry(line: bytes) -> tuple[str, int, int] | None:
    """``key<TAB>offset<TAB>crc32`` of one index line, or None (torn, or an older line without a CRC)."""
    parts = line.split(b"\t")
    if len(parts) != 3 or len(parts[0]) != 40 or not (parts[1].isdigit() and parts[2].isdigit()):
        return None
    return parts[0].decode(), int(parts[1]), int(parts[2])


class InputCache:
    """Pixels per (spec, image identity) in ``root/inputs/<pixel_key>/<writer>.u8`` packs (uint8, or
    float32 for a spec whose :attr:`~PreprocessingSpec.pixel_dtype` is; the key names the preset).

    Raw bytes, no header: an entry is the spec's (size, size, channels) at an offset. Each pack
    has a ``.idx`` of ``<sha1 of identity>\\t<offset>\\t<crc32>\\n`` lines, written after the pixels:
    a reader only trusts complete lines, and a short read (truncated pack) or pixels whose CRC32
    differs (damaged pack) is a miss, decoded again. Readers load every index once, so entries
    written by another process after that are misses.
    """

    def __init__(self, spec: PreprocessingSpec, root: Path | None = None) -> None:
        self.folder = (root if root is not None else home()) / "inputs" / spec.pixel_key
        self.shape = (spec.size, spec.size, spec.channels)
        self.dtype = spec.pixel_dtype  # uint8, or float32 for TF's resize
        self.nbytes = spec.size * spec.size * spec.channels * self.dtype.itemsize
        self._index: dict[str, list[Entry]] | None = None  # key -> its entries, newest last
        self._readers: dict[str, int | None] = {}  # pack name -> open descriptor (None: unreadable)
        self._writer: tuple[str, int, int] | None = None  # (pack name, pack fd, index fd)
        self._end = 0  # where this process's next entry goes in its pack
        self._unwritable = False

    @staticmethod
    def _key(identity: str) -> str:
        return hashlib.sha1(identity.encode("utf-8", "surrogateescape")).hexdigest()

    def _load_index(self) -> dict[str, list[Entry]]:
        index: dict[str, list[Entry]] = {}
        try:
            names = sorted(e.name for e in os.scandir(self.folder) if e.name.endswith(INDEX))
        except OSError:
            names = []
        for name in names:
            pack = name[: -len(INDEX)]
            try:
                data = Path(self.folder, name).read_bytes()
            except OSError:
                continue
            for line in data.split(b"\n")[:-1]:  # a torn last line (a killed writer) has no newline
                entry = _entry(line)
                if entry is not None:
                    index.setdefault(entry[0], []).append((pack, *entry[1:]))
        self._index = index
        return index

    def _reader(self, pack: str) -> int | None:
        if pack not in self._readers:
            try:
                self._readers[pack] = os.open(Path(self.folder, pack + PACK), os.O_RDONLY)
            except OSError:
                self._readers[pack] = None
        return self._readers[pack]

    def has(self, identity: str) -> bool:
        index = self._index if self._index is not None else self._load_index()
        return self._key(identity) in index

    def get(self, identity: str) -> np.ndarray | None:
        out = np.empty(self.shape, self.dtype)
        return out if self.get_into(identity, out) else None

    def get_into(self, identity: str, out: np.ndarray) -> bool:
        """Read an entry straight into ``out`` (C-contiguous, the spec's shape and pixel dtype); False on a miss.

        One ``pread`` from an already open pack: no allocation, no open per image.
        """
        index = self._index if self._index is not None else self._load_index()
        # An image decoded again after damage has two entries (in two packs): the first intact one is it.
        return any(self._read(hit, out) for hit in reversed(index.get(self._key(identity), ())))

    def _read(self, hit: Entry, out: np.ndarray) -> bool:
        fd = self._reader(hit[0])
        if fd is None:
            return False
        try:
            if os.preadv(fd, [out.data.cast("B")], hit[1]) != self.nbytes:
                return False
        except OSError:
            return False
        return zlib.crc32(out.data) == hit[2]  # damaged pixels are a miss: decoded again

    def _open_writer(self) -> tuple[str, int, int]:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{os.getpid()}-{secrets.token_hex(4)}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        pack_fd = os.open(self.folder / (name + PACK), flags, 0o644)
        try:
            index_fd = os.open(self.folder / (name + INDEX), flags | os.O_APPEND, 0o644)
        except OSError:
            os.close(pack_fd)
            raise
        self._writer, self._end = (name, pack_fd, index_fd), 0
        return self._writer

    def put(self, identity: str, pixels: np.ndarray) -> None:
        """Best effort: a full disk or read-only cache only costs a decode next time."""
        if self._unwritable or pixels.shape != self.shape or pixels.dtype != self.dtype:
            return
        try:
            name, pack_fd, index_fd = self._writer or self._open_writer()
            data, at = np.ascontiguousarray(pixels).data.cast("B"), self._end
            crc = zlib.crc32(data)
            while data:
                written = os.pwrite(pack_fd, data, at)
                data, at = data[written:], at + written
            key = self._key(identity)
            os.write(index_fd, f"{key}\t{self._end}\t{crc}\n".encode())  # only after the pixels are in
        except OSError:
            self._unwritable = True  # e.g. a full disk: stop trying in this process
            return
        if self._index is not None:
            self._index.setdefault(key, []).append((name, self._end, crc))
        self._end += self.nbytes

    def close(self) -> None:
        """Close the packs this cache holds open (also done when the process exits)."""
        fds = [fd for fd in self._readers.values() if fd is not None]
        if self._writer is not None:
            fds += self._writer[1:]
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._readers, self._writer = {}, None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at interpreter exit the os module may already be gone
            self.close()

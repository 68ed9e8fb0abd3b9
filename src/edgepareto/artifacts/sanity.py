"""Is a path a plausible model file, judged from its type, size and first 8 bytes, before anything reads it whole?

Hashing or parsing reads a file to its end: ``/proc/self/pagemap`` (a "regular" file of size 0 that
never ends) is read forever, and a 3 GB sparse file named ``huge.tflite`` takes seconds before it is
found not to be a model. Both formats cap a model at 2 GiB (a flatbuffer's offsets and a protobuf
message are 32-bit signed), so a larger file, a file reporting size 0, a device, a folder or a FIFO
is refused in one line before its content is read, and so is a file whose first bytes are not the
format's: ``TFL3`` at byte 4 of a .tflite, a protobuf field tag of ``ModelProto`` first in an .onnx.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from edgepareto.artifacts.artifact import format_of
from edgepareto.errors import ModelFileError

MAX_MODEL_BYTES = 2**31 - 1  # flatbuffers and protobuf: 32-bit signed offsets and message sizes
_TFLITE_IDENTIFIER = b"TFL3"
_ONNX_FIELDS = range(1, 16)  # ModelProto's one-byte tags: ir_version (1), producer (2, 3), graph (7), opset (8)...


def check_model_file(path: str | Path) -> str:
    """The file's format (``tflite`` or ``onnx``) once its type, size and first bytes fit; else a ModelFileError."""
    path = Path(path)
    fmt = format_of(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read it ({exc.strerror or exc}); pass the path of a model file") from exc
    if not stat.S_ISREG(st.st_mode):
        raise ModelFileError(f"{path}: not a regular file; pass the path of a .{fmt} model file")
    if st.st_size == 0:
        raise ModelFileError(f"{path}: file is empty (0 bytes); re-export or re-download the model")
    if st.st_size > MAX_MODEL_BYTES:
        raise ModelFileError(
            f"{path}: {st.st_size:,} bytes, over the 2 GiB a .{fmt} model can hold; pass the model file itself"
        )
    with path.open("rb") as f:
        head = f.read(8)
    if fmt == "tflite" and (len(head) < 8 or head[4:8] != _TFLITE_IDENTIFIER):
        raise ModelFileError(
            f"{path}: not a TFLite model (no 'TFL3' flatbuffer identifier at byte 4); "
            "pass a .tflite file, e.g. one written by `edgepareto export`"
        )
    if fmt == "onnx" and not _protobuf_tag(head):
        raise ModelFileError(f"{path}: not an ONNX model (its first byte is no ModelProto field); pass a .onnx file")
    return fmt


def _protobuf_tag(head: bytes) -> bool:
    """True when ``head`` opens with a ModelProto field tag: a one-byte key, varint or length-delimited."""
    if not head:
        return False
    wire, field = head[0] & 7, head[0] >> 3
    return wire in (0, 2) and field in _ONNX_FIELDS


__all__ = ["MAX_MODEL_BYTES", "check_model_file"]

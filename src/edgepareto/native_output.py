"""Native libraries (TensorFlow, LiteRT, XNNPACK) write to file descriptors 1 and 2, not to Python's
streams; ``--json`` stdout must stay one document and the live view readable, so their output is
sent elsewhere at the descriptor level. (The board agent's engine file keeps its own copy: it is
shipped flat, with the standard library and NumPy only.)"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from typing import IO

log = logging.getLogger(__name__)


@contextlib.contextmanager
def fds_to(target: IO[bytes] | int) -> Iterator[None]:
    """Point fds 1 and 2 at ``target`` (a file or descriptor) for the block, then restore them."""
    fd = target if isinstance(target, int) else target.fileno()
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for f in saved:
            os.close(f)


@contextlib.contextmanager
def appended_to(path: str | os.PathLike[str]) -> Iterator[None]:
    """Append everything written to fds 1 and 2 during the block to the log file ``path``."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        with fds_to(fd):
            yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def quiet_native_output() -> Iterator[None]:
    """Capture fds 1 and 2 for the block; logged at debug level if it fails (``--debug`` shows it live on stderr)."""
    if logging.getLogger().isEnabledFor(logging.DEBUG):
        with fds_to(2):  # debug: stdout's chatter goes to stderr, stdout stays clean
            yield
        return
    with tempfile.TemporaryFile() as sink:
        try:
            with fds_to(sink):
                yield
        except BaseException:
            sink.seek(0)
            log.debug("captured output:\n%s", sink.read()[-8000:].decode("utf-8", "replace"))
            raise

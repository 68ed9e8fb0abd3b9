"""Keep converter chatter away from the user: ``--json`` stdout must stay one JSON document.

TensorFlow's converter and Keras's exporter write pages of logs from Python and C++ to both
file descriptors. They go to a temporary file (shown with ``--debug`` or when the block fails,
at debug level) instead of the terminal.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator

log = logging.getLogger(__name__)


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Redirect fds 1 and 2 (Python and C++ writers alike) for the block; stderr only in debug mode."""
    sys.stdout.flush()
    sys.stderr.flush()
    if logging.getLogger().isEnabledFor(logging.DEBUG):
        saved = os.dup(1)
        try:
            os.dup2(2, 1)
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)
        return
    saved_out, saved_err = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile() as sink:
        failed = False
        try:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            yield
        except BaseException:
            failed = True
            raise
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved_out, 1)
            os.dup2(saved_err, 2)
            os.close(saved_out)
            os.close(saved_err)
            if failed:
                sink.seek(0)
                log.debug("captured output:\n%s", sink.read()[-8000:].decode("utf-8", "replace"))

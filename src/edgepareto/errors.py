"""User-facing errors: caught once by the CLI and printed as one line that names the fix."""

from __future__ import annotations


class EdgeParetoError(Exception):
    """Base class: the message is the whole story a user needs (what went wrong, how to fix it)."""

    exit_code = 2


class ConfigError(EdgeParetoError, ValueError):
    """A configuration value is out of range (names the field and the allowed range)."""


class ModelFileError(EdgeParetoError):
    """A model file is missing, truncated, corrupt or not of the expected format."""


class DatasetError(EdgeParetoError):
    """A data set folder or ground-truth/labels file does not have the expected layout."""


class EngineError(EdgeParetoError):
    """An inference engine is missing, or failed/crashed on a model."""


class DeviceError(EdgeParetoError):
    """A device, cluster or CPU set is unavailable (offline CPUs, unknown cluster, unreachable board)."""


class StoreError(EdgeParetoError):
    """The results store cannot be opened or written (disk full, wrong schema)."""


def first_line(exc: BaseException, limit: int = 300) -> str:
    """The first line of an exception's message (its type when it has none), for one-line errors."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:limit]

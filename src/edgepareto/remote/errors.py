"""Errors of the remote path, split by what a farm should do with them: retry, or give the board up."""

from __future__ import annotations

from edgepareto.errors import DeviceError


class RemoteError(DeviceError):
    """A board could not be used; the message names the board, the problem and the fix."""

    #: True when trying again later may succeed (a dropped connection, a board rebooting).
    transient = False


class BoardUnreachable(RemoteError):
    """The board did not answer, or the connection dropped in the middle of a command."""

    transient = True


class HostKeyError(RemoteError):
    """The board's host key is unknown (no silent trust-on-first-use) or differs from known_hosts."""


class AuthError(RemoteError):
    """The board refused our user/key, or the key file cannot be read."""


class BoardRuntimeError(RemoteError):
    """The board's Python lacks NumPy or a TFLite runtime, or the agent failed before measuring."""

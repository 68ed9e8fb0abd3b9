"""The ``edgepareto`` command: thin subcommands over the package API (see :mod:`._app`)."""

from edgepareto.cli._app import main

__all__ = ["main"]

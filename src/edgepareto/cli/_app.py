"""Subcommand discovery and the one place errors become a single line.

A subcommand is a module ``edgepareto/cli/cmd_<name>.py`` with ``HELP``, ``add_arguments(p)``,
``run(args) -> dict`` (the JSON document) and optionally ``render(doc, console)`` for the
human view. Adding a command is adding that file; nothing here is edited.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import os
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

from edgepareto.errors import EdgeParetoError
from edgepareto.version import __version__


def _commands() -> dict[str, ModuleType]:
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name.startswith("cmd_"):
            found[info.name[4:].replace("_", "-")] = importlib.import_module(f"edgepareto.cli.{info.name}")
    return dict(sorted(found.items()))


class _Parser(argparse.ArgumentParser):
    """A bad flag is one line too (argparse's usage block would precede it): what is wrong, where to look."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}; see `{self.prog} --help`\n")


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON document on stdout, nothing else")
    common.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser = _Parser(
        prog="edgepareto",
        description="Which ConvNet variant should run on this edge CPU? Build, measure, compare.",
    )
    parser.add_argument("--version", action="version", version=f"edgepareto {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in _commands().items():
        doc = (module.__doc__ or "").strip()
        p = sub.add_parser(
            name,
            parents=[common],
            help=module.HELP,
            description=doc or module.HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Ctrl-C at any moment (even while the parser imports every subcommand) is one line and
    exit 130; a reader that closes stdout early (``| head``) ends the command quietly with exit 141."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        _say("edgepareto: interrupted; results already written are kept")
        return 130
    except BrokenPipeError:
        return stdout_closed()


def _main(argv: Sequence[str] | None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ INFO/WARNING lines
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    module: ModuleType = args._module
    try:
        doc = module.run(args)
    except EdgeParetoError as exc:
        if args.debug:
            raise
        print(f"edgepareto {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"edgepareto {args.command}: interrupted; results already written are kept", file=sys.stderr)
        return 130
    except BrokenPipeError:  # an OSError, but not a failure of the command: its reader stopped reading
        return stdout_closed()
    except OSError as exc:  # a full disk or a refused write deep inside a library: still one line
        if args.debug:
            raise
        from edgepareto.validation import os_reason

        print(f"edgepareto {args.command}: error: {os_reason(exc)}", file=sys.stderr)
        return 2
    emit(doc, args, module)
    sys.stdout.flush()  # a closed stdout fails here, inside main, not in the interpreter's exit
    return int(doc.get("exit_code", 0)) if isinstance(doc, dict) else 0


def stdout_closed() -> int:
    """stdout's reader is gone: point stdout at /dev/null (so the interpreter's last flush cannot fail) and
    exit 141 (128 + SIGPIPE), what a shell reports for ``cat`` or ``yes`` cut off by ``head``."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return 141


def _say(line: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr)


def emit(doc: dict[str, Any], args: argparse.Namespace, module: ModuleType) -> None:
    """JSON mode prints exactly one document; otherwise the command's own rendering."""
    if args.json:
        json.dump(doc, sys.stdout, indent=2, default=_json_default)
        sys.stdout.write("\n")
        return
    render = getattr(module, "render", None)
    if render is None:
        json.dump(doc, sys.stdout, indent=2, default=_json_default)
        sys.stdout.write("\n")
        return
    from edgepareto.cli._output import console

    render(doc, console())


def _json_default(obj: Any) -> Any:
    import dataclasses
    from pathlib import Path

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "tolist"):  # numpy scalars/arrays
        return obj.tolist()
    raise TypeError(f"cannot serialise {type(obj).__name__} to JSON")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

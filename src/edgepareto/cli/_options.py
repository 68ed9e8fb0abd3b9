"""Options shared by several subcommands, defined once: the store, a model to build, a training schedule."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from edgepareto.validation import arg_finite, arg_seed


def add_store_argument(p: argparse.ArgumentParser) -> None:
    """The ``--store`` flag shared by every command that reads or writes results."""
    from edgepareto.store import DEFAULT_PATH

    p.add_argument(
        "--store",
        type=Path,
        default=DEFAULT_PATH,
        action=_StorePath,
        help=f"results store (SQLite file; default ./{DEFAULT_PATH})",
    )
    p.set_defaults(store_given=False)


class _StorePath(argparse.Action):
    """Remembers that ``--store`` was typed: a typed path that does not exist is a typo, not a new store."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, flag: str | None = None
    ) -> None:
        namespace.store, namespace.store_given = values, True


def add_accept_noisy(p: argparse.ArgumentParser) -> None:
    """``--accept-noisy``: let latencies stored ``noisy`` (CI past ±25%) into the answer, marked (issue 25)."""
    p.add_argument(
        "--accept-noisy",
        action="store_true",
        help="use latencies stored as noisy (95%% CI reaching past ±25%%) too; they are marked NOISY",
    )


def open_store(args: argparse.Namespace):
    """Open the store a reading command asks about, with the reference data in it.

    A ``--store`` that does not exist is refused (a mistyped path would otherwise become an empty store
    showing only the published rows as if they were its contents); the default store is created on first
    use, so the published data can be explored before any sweep.
    """
    from edgepareto.analysis import open_results
    from edgepareto.errors import StoreError
    from edgepareto.validation import display_path

    if getattr(args, "store_given", False) and not Path(args.store).exists():
        where = display_path(args.store)
        raise StoreError(
            f"results store {where} does not exist; check --store, or create it with `edgepareto sweep --store {where}`"
        )
    return open_results(args.store)


def add_model_arguments(p: argparse.ArgumentParser, family_help: str = "") -> None:
    """Family/alpha/resolution/classes flags shared by every command that builds a model."""
    p.add_argument("family", help=family_help or "model family, e.g. mobilenet_v1 (see `edgepareto models`)")
    p.add_argument(
        "--alpha",
        type=float,
        default=1.0,
        help="width multiplier in [0.03125, 1], up to 1.4 for mobilenet_v2/v3 (default 1.0)",
    )
    p.add_argument("--resolution", type=int, default=224, help="input side, a multiple of 32 up to 1024 (default 224)")
    p.add_argument("--classes", type=int, default=1000, help="number of output classes (default 1000)")


def model_config(args: argparse.Namespace):
    from edgepareto.models import ModelConfig, get_family

    get_family(args.family)  # a clear error for an unknown family
    return ModelConfig(args.family, args.alpha, args.resolution, args.classes)


def add_schedule_arguments(p: argparse.ArgumentParser) -> None:
    """The schedule flags, shared with ``edgepareto bitwidth``."""
    from edgepareto.train import Schedule

    d = Schedule()
    p.add_argument("--epochs", type=int, default=d.epochs, help=f"training epochs (default {d.epochs})")
    p.add_argument(
        "--train-images",
        type=int,
        default=d.train_images,
        help=f"seed-fixed subset of the 60,000 training images (default {d.train_images})",
    )
    p.add_argument("--batch-size", type=int, default=d.batch_size, help=f"default {d.batch_size}")
    p.add_argument("--lr", type=arg_finite(), default=d.learning_rate, help=f"Adam rate (default {d.learning_rate})")
    p.add_argument("--bn-momentum", type=arg_finite(), default=d.bn_momentum, help=f"default {d.bn_momentum}")
    p.add_argument("--seed", type=arg_seed, default=d.seed, help=f"default {d.seed}")
    p.add_argument("--resolution", type=int, default=d.resolution, help=f"input side (default {d.resolution})")
    p.add_argument(
        "--calibration-samples",
        type=int,
        default=d.calibration_samples,
        help=f"training images for int8 calibration (default {d.calibration_samples})",
    )


def schedule_from(args: argparse.Namespace):
    from edgepareto.train import Schedule

    return Schedule(
        epochs=args.epochs,
        train_images=args.train_images,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        bn_momentum=args.bn_momentum,
        seed=args.seed,
        resolution=args.resolution,
        calibration_samples=args.calibration_samples,
    )


#: ``bench.Protocol.presets()``'s names, spelled here so that building the parser does not import the bench
#: (100 ms); ``tests/cli/test_protocol_options.py`` holds the two equal. A sweep takes the first and last.
PROTOCOL_PRESETS = ("fast", "fast-single", "paper")

#: The protocol flags a command may put on top of the preset: flag -> ``Protocol`` field.
_PROTOCOL_FLAGS = (
    ("runs", "runs"), ("warmup", "warmup"), ("pause", "pause_s"), ("min_runs", "min_runs"), ("max_runs", "max_runs"),
    ("time_limit", "time_limit_s"), ("timeout", "timeout_s"), ("cool_down_to", "cool_down_to_c"), ("seed", "seed"),
    ("processes", "processes"), ("max_processes", "max_processes"), ("retry_if_noisy", "retry_if_noisy"),
    ("process_gap", "process_gap_s"),
)  # fmt: skip


def add_protocol_argument(
    p: argparse.ArgumentParser | Any, names: tuple[str, ...] = PROTOCOL_PRESETS, help: str | None = None
) -> None:
    """``--protocol PRESET``, its choices from the one list of presets (``bench``, ``sweep``, ``boards``)."""
    p.add_argument(
        "--protocol",
        choices=names,
        default="fast",
        help=help or f"latency protocol preset: {', '.join(names)} (default fast)",
    )


def add_protocol_flags(p: argparse.ArgumentParser) -> None:
    """The flags that override a preset's fields, one group (``bench``; a plan's ``options.protocol`` holds
    the same fields)."""
    from edgepareto.validation import arg_int

    g = p.add_argument_group("protocol (any flag overrides the preset)")
    g.add_argument("--processes", type=arg_int(1, 1000), help="separate measuring processes (fast: 6)")
    g.add_argument(
        "--max-processes", type=arg_int(1, 1000), help="add processes up to this until the CI is within the target"
    )
    g.add_argument(
        "--retry-if-noisy", type=arg_int(0, 100), metavar="N", help="measure a process flagged noisy again, N times"
    )
    g.add_argument(
        "--process-gap", type=arg_finite(), metavar="S", help="seconds between two measuring processes (fast: 0.5)"
    )
    g.add_argument("--runs", type=arg_int(), help="fixed number of counted runs (turns off the stopping rule)")
    g.add_argument("--warmup", type=arg_int(), help="untimed warm-up runs")
    g.add_argument("--pause", type=arg_finite(), help="seconds between runs")
    g.add_argument("--min-runs", type=arg_int(), help="stopping rule: at least this many runs")
    g.add_argument("--max-runs", type=arg_int(), help="stopping rule: at most this many runs")
    g.add_argument("--target-ci", type=arg_finite(), help="stopping rule: CI half-width, %% of the median (default 2)")
    g.add_argument("--time-limit", type=arg_finite(), help="stopping rule: seconds of timed runs at most")
    g.add_argument("--timeout", type=arg_finite(), help="kill the measuring process after this many seconds")
    g.add_argument("--cool-down-to", type=arg_finite(), metavar="C", help="wait until thermal zones are below C °C")
    g.add_argument("--seed", type=arg_seed, help="seed of the random inputs")


def protocol_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The flags given on top of the preset, by protocol field name (what a plan's options.protocol holds)."""
    over = {name: getattr(args, flag) for flag, name in _PROTOCOL_FLAGS if getattr(args, flag) is not None}
    if args.target_ci is not None:
        over["target_ci"] = args.target_ci / 100.0
    return over


def protocol_from_args(args: argparse.Namespace) -> Any:
    """The preset with every flag that was given applied on top."""
    from edgepareto.bench import Protocol

    return Protocol.preset(args.protocol, **protocol_overrides(args))

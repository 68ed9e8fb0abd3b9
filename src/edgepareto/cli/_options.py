"""Options shared by several subcommands, defined once: the store, a model to build, a training schedule."""

from __future__ import annotations

import argparse
from pathlib import Path

from edgepareto.validation import arg_finite, arg_seed


def add_store_argument(p: argparse.ArgumentParser) -> None:
    """The ``--store`` flag shared by every command that reads or writes results."""
    from edgepareto.store import DEFAULT_PATH

    p.add_argument(
        "--store", type=Path, default=DEFAULT_PATH, help=f"results store (SQLite file; default ./{DEFAULT_PATH})"
    )


def open_store(args: argparse.Namespace):
    """Open (creating and migrating if needed) the store and make sure the reference data is in it."""
    from edgepareto.analysis import open_results

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
    p.add_argument("--train-images", type=int, default=d.train_images,
                   help=f"seed-fixed subset of the 60,000 training images (default {d.train_images})")  # fmt: skip
    p.add_argument("--batch-size", type=int, default=d.batch_size, help=f"default {d.batch_size}")
    p.add_argument("--lr", type=arg_finite(), default=d.learning_rate, help=f"Adam rate (default {d.learning_rate})")
    p.add_argument("--bn-momentum", type=arg_finite(), default=d.bn_momentum, help=f"default {d.bn_momentum}")
    p.add_argument("--seed", type=arg_seed, default=d.seed, help=f"default {d.seed}")
    p.add_argument("--resolution", type=int, default=d.resolution, help=f"input side (default {d.resolution})")
    p.add_argument("--calibration-samples", type=int, default=d.calibration_samples,
                   help=f"training images for int8 calibration (default {d.calibration_samples})")  # fmt: skip


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

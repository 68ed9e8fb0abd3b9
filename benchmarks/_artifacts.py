"""Artifacts for the latency benchmarks, exported with `edgepareto export` when missing (random weights, seed 0)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from edgepareto.models import ModelConfig, Variant

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT / "artifacts" / "bench"  # /artifacts/ is git-ignored


def artifact(
    folder: Path, alpha: float, precision: str, fmt: str = "tflite", resolution: int = 224, family: str = "mobilenet_v1"
) -> Path:
    """Path of one artifact, exported with the CLI on first use."""
    path = folder / f"{Variant.of(ModelConfig(family, alpha, resolution), precision).name}.{fmt}"
    if not path.is_file():
        exe = Path(sys.executable).with_name("edgepareto")
        cmd = [
            str(exe),
            "export",
            family,
            "--alpha",
            str(alpha),
            "--resolution",
            str(resolution),
            "--precision",
            precision,
            "--format",
            fmt,
            "--out",
            str(folder),
            "--json",
        ]
        print("exporting:", " ".join(cmd[1:]), file=sys.stderr)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return path

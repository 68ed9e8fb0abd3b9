"""int8 needs calibration images: the CLI and the library refuse a count a plan would refuse."""

from __future__ import annotations

import subprocess
import sys

import pytest

from edgepareto.convert.calibration import calibration_arrays, check_calibration_samples
from edgepareto.errors import ConfigError
from edgepareto.models import ModelConfig


@pytest.mark.parametrize("samples", ["0", "10001"])
def test_export_int8_with_an_impossible_calibration_count_is_refused(tmp_path, samples):
    out = tmp_path / "out"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "edgepareto",
            "export",
            "mobilenet_v1",
            "--alpha",
            "0.25",
            "--resolution",
            "32",
            "--precision",
            "int8",
            "--calibration-samples",
            samples,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 2 and r.stdout == ""
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("edgepareto export: error:") and "--calibration-samples" in line
    assert f"[1, 10000], got {samples}" in line  # refused by the flag's own check, before anything is built
    assert not out.exists()  # nothing written, no float file named int8


def test_the_library_refuses_it_too():
    config = ModelConfig("mobilenet_v1", 0.25, 32)
    for bad in (0, -1, 10_001, True, 2.5):
        with pytest.raises(ConfigError, match="calibration-samples must be in"):
            calibration_arrays(config, None, bad)  # type: ignore[arg-type]
    assert check_calibration_samples(1) == 1 and len(calibration_arrays(config, None, 3)[0]) == 3

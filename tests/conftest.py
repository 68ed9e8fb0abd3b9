"""Shared test fixtures: the real Google models and ImageNet images in ../shared/fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("EDGEPARETO_SHARED", ROOT.parent / "shared"))
FIXTURES = SHARED / "fixtures"
QUANT_MODEL = FIXTURES / "models" / "mobilenet_v1_0.25_128_quant.tflite"
FLOAT_MODEL = FIXTURES / "models" / "mobilenet_v1_0.25_128.tflite"
IMAGENET = FIXTURES / "imagenet"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip(f"shared fixtures not found at {FIXTURES}; put ../shared beside the repository")
    return FIXTURES


MAKE_MODELS = """
import sys
from pathlib import Path
from edgepareto.convert import export_variant
from edgepareto.models import ModelConfig
for art in export_variant(ModelConfig("mobilenet_v1", 0.25, 128), ("fp32", "int8"), Path(sys.argv[1]),
                          calibration_samples=8):
    print(art.precision, art.path)
"""


@pytest.fixture(scope="session")
def made_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """MobileNet v1 0.25 at 128 exported here, fp32 and int8 (random weights, calibrated on synthetic images):
    what a clone without ../shared measures instead of Google's files. Built in a child process, so this
    test process never imports TensorFlow."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("made-models")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    r = subprocess.run(
        [sys.executable, "-c", MAKE_MODELS, str(out)], capture_output=True, text=True, env=env, timeout=900, check=False
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return {line.split()[0]: Path(line.split()[1]) for line in r.stdout.splitlines() if line.strip()}


@pytest.fixture(scope="session")
def float_model(request: pytest.FixtureRequest) -> Path:
    """An fp32 MobileNet v1 0.25 at 128: Google's file from ../shared, or one made here without it (for what only
    needs a float model to time or load)."""
    return FLOAT_MODEL if FLOAT_MODEL.is_file() else request.getfixturevalue("made_models")["fp32"]


@pytest.fixture(scope="session")
def quant_model(request: pytest.FixtureRequest) -> Path:
    """A quantized MobileNet v1 0.25 at 128: Google's uint8 file from ../shared, or an int8 one made here without
    it (for what only needs a second, quantized model, not Google's uint8 interface)."""
    return QUANT_MODEL if QUANT_MODEL.is_file() else request.getfixturevalue("made_models")["int8"]

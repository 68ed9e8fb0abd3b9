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


MAKE_FLOAT = """
import sys
from pathlib import Path
from edgepareto.convert import export_variant
from edgepareto.models import ModelConfig
(art,) = export_variant(ModelConfig("mobilenet_v1", 0.25, 128), ("fp32",), Path(sys.argv[1]))
print(art.path)
"""


@pytest.fixture(scope="session")
def float_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An fp32 MobileNet v1 0.25 at 128: Google's file from ../shared, or, in a clone without it, one built here
    like it (random weights; for what only needs a model to time or load). Built in a child process, so this
    test process never imports TensorFlow."""
    if FLOAT_MODEL.is_file():
        return FLOAT_MODEL
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("made-float")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    r = subprocess.run([sys.executable, "-c", MAKE_FLOAT, str(out)], capture_output=True, text=True, env=env,
                       timeout=600, check=False)  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    return Path(r.stdout.strip().splitlines()[-1])

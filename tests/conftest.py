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

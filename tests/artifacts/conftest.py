"""Tiny MobileNet v1 files built once per session: the grid the graph reader is checked on."""

from __future__ import annotations

from pathlib import Path

import pytest

# alpha x resolution, fp32 and int8 TFLite each; ONNX for one of them, fp16/int8-dynamic for one.
V1_GRID: tuple[tuple[float, int], ...] = ((0.25, 96), (0.25, 128), (0.5, 96), (0.5, 128))
ONNX_CONFIGS: tuple[tuple[float, int], ...] = ((0.5, 128),)


@pytest.fixture(scope="session")
def v1_files(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[float, int], list[Path]]:
    """Every built file per (alpha, resolution); random weights, 4 calibration samples (cost needs no accuracy)."""
    from edgepareto.convert import export
    from edgepareto.models import ModelConfig, build_model

    out = tmp_path_factory.mktemp("v1_grid")
    files: dict[tuple[float, int], list[Path]] = {}
    for alpha, res in V1_GRID:
        config = ModelConfig("mobilenet_v1", alpha, res)
        model = build_model(config, seed=0)
        precisions = ["fp32", "int8"] + (["fp16", "int8-dynamic"] if (alpha, res) == V1_GRID[0] else [])
        arts = export(config, precisions, out, model=model, calibration_samples=4)
        if (alpha, res) in ONNX_CONFIGS:
            arts += export(config, ["fp32", "int8"], out, formats=("onnx",), model=model, calibration_samples=4)
        files[(alpha, res)] = [Path(a.path) for a in arts]
    return files


@pytest.fixture(scope="session")
def v3_small_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """MobileNet v3-Small 0.75 at 96 in every precision and format: squeeze-and-excite, hard-swish, 5x5 kernels."""
    from edgepareto.convert import export
    from edgepareto.models import ModelConfig, build_model

    config = ModelConfig("mobilenet_v3_small", 0.75, 96)
    model, out = build_model(config, seed=0), tmp_path_factory.mktemp("v3_small")
    arts = export(config, ["fp32", "fp16", "int8-dynamic", "int8"], out, model=model, calibration_samples=4)
    arts += export(config, ["fp32", "int8"], out, formats=("onnx",), model=model, calibration_samples=4)
    return [Path(a.path) for a in arts]

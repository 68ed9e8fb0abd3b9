"""The seed's size table: build and convert variants, inspect them, set them beside the cost model.

Shared by ``edgepareto sizes`` and ``bench/export_sizes.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from edgepareto.artifacts import inspect_tflite
from edgepareto.convert.tflite import EXPORTER, export_variant
from edgepareto.models import ModelConfig, cost_of

# Google's hosted MobileNet v1 models at 224 (MB), as their hosted-models table lists them.
PUBLISHED_MB = {
    (1.0, "fp32"): 16.9, (0.75, "fp32"): 10.3, (0.5, "fp32"): 5.3, (0.25, "fp32"): 1.9,
    (1.0, "int8"): 4.3, (0.75, "int8"): 2.6, (0.5, "int8"): 1.4, (0.25, "int8"): 0.5,
}  # fmt: skip


def size_table(
    alphas: Sequence[float] = (0.25, 0.5, 0.75, 1.0),
    precisions: Sequence[str] = ("fp32", "int8"),
    out_dir: Path = Path("artifacts/seed"),
    *,
    resolution: int = 224,
    calibration_dir: Path | None = None,
    calibration_samples: int = 32,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """One row per (alpha, precision): bytes, weight share, published size, fp32 ratio, cost model."""
    precisions = EXPORTER.check(precisions)
    rows = []
    for alpha in alphas:
        config = ModelConfig("mobilenet_v1", alpha, resolution)
        if progress:
            progress(f"building and converting {config.name} ({', '.join(precisions)})")
        arts = export_variant(
            config, precisions, out_dir, calibration_dir=calibration_dir, calibration_samples=calibration_samples
        )
        cost = cost_of(config)
        fp32_bytes = next((a.bytes for a in arts if a.precision == "fp32"), None)
        for art in arts:
            anatomy = inspect_tflite(art.path)
            published = PUBLISHED_MB.get((config.alpha, art.precision)) if resolution == 224 else None
            rows.append(
                {
                    "variant": config.name,
                    "alpha": config.alpha,
                    "precision": art.precision,
                    "path": art.path,
                    "bytes": art.bytes,
                    "weight_bytes": anatomy.weight_bytes,
                    "int32_weight_bytes": anatomy.weight_dtypes.get("INT32", 0),
                    "quantization_param_bytes": anatomy.quantization_param_bytes,
                    "other_bytes": art.bytes - anatomy.weight_bytes - anatomy.quantization_param_bytes,
                    "published_mb": published,
                    "vs_published": None if published is None else art.bytes / (published * 1e6) - 1,
                    "ratio_fp32_to_this": None if fp32_bytes is None else fp32_bytes / art.bytes,
                    "macs": cost.macs,
                    "params": cost.params,
                    "params_folded": cost.params_folded,
                    "bytes_per_folded_param": art.bytes / cost.params_folded,
                    "scheme": art.scheme,
                    "sha256": art.sha256,
                }
            )
    return rows

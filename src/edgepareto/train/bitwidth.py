"""Accuracy against bit width: the seed's n-bit quantizer on a trained Fashion-MNIST model.

Weights are fake-quantized (quantize, dequantize) at n = 2..16 bits, per output channel and
per tensor, and the Keras model is evaluated on the test images; the TFLite int8 artifact of
the same trained model (symmetric per-channel weights, asymmetric per-tensor activations:
a different scheme) is shown beside the curve.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from edgepareto.errors import ConfigError
from edgepareto.train.fashion import Progress, Schedule, study_variant, train_model, training_spec


def _keras_top1(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    from edgepareto.native_output import quiet_native_output

    with quiet_native_output():
        scores = model.predict(x, batch_size=500, verbose=0)
    return float((np.argmax(scores, axis=1) == y).mean())


def bitwidth_curve(
    alpha: float = 0.25,
    schedule: Schedule | None = None,
    bits: Iterable[int] = range(2, 17),
    *,
    limit: int | None = None,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Top-1 per bit width and granularity, the float reference and the TFLite int8 figure."""
    from edgepareto.convert.fixed_point import GRANULARITIES, check_bits, describe, fake_quantize_model
    from edgepareto.data.fashion_mnist import load_fashion_mnist
    from edgepareto.eval.stats import wilson_interval

    schedule = schedule if schedule is not None else Schedule()
    bits = tuple(bits)
    for b in bits:
        check_bits(b)
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be at least 1, got {limit}")
    records = study_variant(alpha, schedule, cache_dir=cache_dir, progress=progress)
    model, _ = train_model(alpha, schedule, cache_dir, progress)
    images, labels = load_fashion_mnist("test")
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    spec = training_spec(schedule)
    x, y = spec.to_float(spec.prepare_batch(images)), labels.astype(np.int64)
    n = len(y)
    original = model.get_weights()
    if progress:
        progress("evaluating the float model")
    float_top1 = _keras_top1(model, x, y)
    rows = []
    for b in bits:
        row: dict[str, Any] = {"bits": b}
        for gran in GRANULARITIES:
            if progress:
                progress(f"{b}-bit {gran}")
            model.set_weights(original)
            fake_quantize_model(model, b, gran)
            top1 = _keras_top1(model, x, y)
            k = round(top1 * n)
            row[gran] = {"top1": top1, "ci95_top1": list(wilson_interval(k, n))}
        rows.append(row)
    model.set_weights(original)
    int8 = next(r for r in records if r.precision == "int8")
    fp32 = next(r for r in records if r.precision == "fp32")
    return {
        "model": int8.variant.config.name,
        "n": n,
        "schedule": str(schedule),
        "float_keras_top1": float_top1,
        "curve": rows,
        "schemes": {g: describe(0, g).replace("0-bit", "n-bit") for g in GRANULARITIES},
        "tflite": {
            "fp32": {"top1": fp32.top1, "ci95_top1": list(fp32.ci95_top1), "n": fp32.n, "artifact": fp32.artifact},
            "int8": {
                "top1": int8.top1,
                "ci95_top1": list(int8.ci95_top1),
                "n": int8.n,
                "artifact": int8.artifact,
                "scheme": int8.scheme,
                "agreement_with_fp32": int8.agreement_with_fp32,
            },
        },
    }

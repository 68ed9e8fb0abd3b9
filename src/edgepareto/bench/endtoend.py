"""App latency beside lab latency: one image file to its top-k, timed in the measuring process.

``bench FILE --end-to-end IMAGES_DIR`` times, in the same pinned process as the invoke-only runs and right
after them, what an application pays per picture: JPEG decode, the model's preprocessing preset (crop,
resize, normalise, encode to the input's dtype), ``set_inputs`` + ``invoke()``, and the top-k of the scores.
The images are taken in turn (the same order every time); the first pass over a few of them is an untimed
warm-up, as the invoke-only runs have theirs. The figure is stored as its own metric (``e2e_latency_ms``)
with the preset named; it never replaces the invoke-only latency.

The preprocessing is :mod:`edgepareto.data.preprocessing` (imported only when asked, so a board's flat copy
of the bench core, which has no ``data`` package, still measures invoke-only latency).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

MAX_IMAGES = 64  # images taken in turn; more would only measure the page cache
TOP_K = 5


def spec_for_runner(runner: Any, model: str, preset: str | None) -> Any:
    """The preprocessing of ``model``: a spec saved beside it, else ``preset`` (default TF-slim's) for its input."""
    from edgepareto.data.preprocessing import read_sidecar, spec_beside
    from edgepareto.data.presets import default_spec, sidecar_preset

    saved = spec_beside(model)
    if saved is not None and preset is None:
        return saved
    named = sidecar_preset(read_sidecar(model) or {}) if preset is None else None
    inp = runner.inputs[0]
    outputs = int(np.prod([d for d in runner.outputs[0].shape if d > 0]))
    return default_spec(tuple(int(s) for s in inp.shape), outputs, None, preset or (named[0] if named else None))


def end_to_end_runs(runner: Any, model: str, request: dict[str, Any], runs: int, warmup: int = 3) -> dict[str, Any]:
    """Time ``runs`` pictures (decode + preprocessing + invoke + top-k) after ``warmup`` untimed ones."""
    images = [str(p) for p in request.get("images") or []][:MAX_IMAGES]
    if not images:
        raise ValueError("--end-to-end needs at least one image")
    spec = spec_for_runner(runner, model, request.get("preset"))
    inp = runner.inputs[0]
    encoding = spec.encoding(inp.dtype, inp.scale, inp.zero_point)
    shape = tuple(int(s) for s in inp.shape)

    def one(path: str) -> np.ndarray:
        x = spec.encode(spec.load(path), encoding).reshape(shape)
        runner.set_inputs([x])
        runner.invoke()
        scores = runner.get_outputs()[0].reshape(-1)
        return np.argpartition(scores, -TOP_K)[-TOP_K:] if scores.size > TOP_K else np.argsort(scores)

    for i in range(warmup):
        one(images[i % len(images)])
    times = []
    for i in range(runs):
        t0 = time.perf_counter_ns()
        one(images[i % len(images)])
        times.append((time.perf_counter_ns() - t0) / 1e6)
    return {"times_ms": times, "median_ms": float(np.median(times)), "runs": runs, "images": len(images),
            "preset": spec.preset, "preprocessing": str(spec), "top_k": TOP_K}  # fmt: skip


__all__ = ["MAX_IMAGES", "TOP_K", "end_to_end_runs", "spec_for_runner"]

"""Import the text output of TFLite's C++ ``benchmark_model`` (what board owners already run) as a Measurement.

Understands the 1.x output (``Average inference timings in us``) and the 2.x output (``Inference
timings in us``, memory footprint lines). benchmark_model reports mean, std, min and max but no
median unless the log has ``median=`` fields; the record says so in its warnings.
"""

from __future__ import annotations

import math
import re
import time
from pathlib import Path
from typing import Any

from edgepareto.bench.protocol import Measurement, Protocol
from edgepareto.errors import ModelFileError

_STAT = re.compile(r"^count=(\d+)(.*)$", re.M)
_PARAM = re.compile(r"^([^:\n\[]+?)\s*:\s*\[([^\]]*)\]\s*$", re.M)
_PREFIX = re.compile(r"^(?:INFO|WARNING|ERROR|VERBOSE): ?", re.M)
_KV = re.compile(r"(\w+)=([-+0-9.eE]+)")


def _params(text: str) -> dict[str, str]:
    return {k.strip().lower(): v.strip() for k, v in _PARAM.findall(text)}


def _blocks(text: str) -> list[dict[str, float]]:
    """The ``count=... first=... avg=... std=...`` lines, in order (warm-up first, then the counted runs)."""
    out = []
    for m in _STAT.finditer(text):
        d: dict[str, float] = {"count": float(m.group(1))}
        d.update({k: float(v) for k, v in _KV.findall(m.group(2))})
        out.append(d)
    return out


def import_benchmark_model(
    text: str, *, source_name: str = "benchmark_model log", device: dict[str, Any] | None = None
) -> Measurement:
    """Parse one benchmark_model run into a Measurement (``source="imported"``) with its protocol."""
    text = _PREFIX.sub("", text)  # newer builds log every line as "INFO: ..."
    blocks = _blocks(text)
    if "count=" not in text or not blocks:
        raise ModelFileError(
            f"{source_name}: no 'count=... avg=...' lines; pass the full stdout of TFLite's benchmark_model"
        )
    params = _params(text)
    runs_block = blocks[-1]
    warm_block = blocks[0] if len(blocks) > 1 else None
    n = int(runs_block["count"])
    threads = _int(params.get("num threads") or params.get("#threads used for cpu inference")) or 1
    graph = params.get("graph") or _search(r"^Loaded model (\S+)", text) or ""
    delay = _float(params.get("inter-run delay (seconds)"))
    pause = delay if delay and delay > 0 else 0.0
    protocol = Protocol(
        name="benchmark_model",
        warmup=int(warm_block["count"]) if warm_block else 0,
        runs=max(1, n),
        pause_s=pause,
        time_limit_s=None,
    ).to_json()
    xnn = params.get("use xnnpack")
    if "XNNPACK delegate" in text and xnn != "0":
        kernel = "XNNPACK delegate"
    elif xnn == "0" or "Use xnnpack: [0]" in text:
        kernel = "builtin kernels (no XNNPACK)"
    else:
        kernel = "TFLite default (XNNPACK not reported)"
    mean = runs_block.get("avg", math.nan) / 1000.0
    std = runs_block.get("std", math.nan) / 1000.0
    median = runs_block.get("median")
    ci_mean = [mean - 1.96 * std / math.sqrt(n), mean + 1.96 * std / math.sqrt(n)] if n > 1 else None
    warnings = ["imported from benchmark_model: per-run times and the median's CI are not in the log"]
    if median is None:
        warnings.append("benchmark_model printed no median; median_ms is missing, use mean_ms")
    peak = _search(r"peak memory footprint \(MB\)[^:]*:\s*([0-9.]+)", text, re.I)
    version = _search(r"TensorFlow Lite version[:\s]+(\S+)", text, re.I)
    return Measurement(
        status="ok",
        model=graph,
        engine="tflite benchmark_model",
        engine_version=version,
        kernel_path=kernel,
        threads=threads,
        protocol=protocol,
        device=device,
        device_id=(device or {}).get("id"),
        runs=n,
        mean_ms=mean,
        median_ms=median / 1000.0 if median is not None else None,
        std_ms=std,
        min_ms=runs_block.get("min", math.nan) / 1000.0,
        max_ms=runs_block.get("max", math.nan) / 1000.0,
        p90_ms=None,
        p99_ms=runs_block["p99"] / 1000.0 if "p99" in runs_block else None,
        fps=1000.0 / mean if mean > 0 else None,
        ci95_mean_ms=ci_mean,
        warmup_ms=[warm_block["avg"] / 1000.0] if warm_block and "avg" in warm_block else None,
        peak_rss_bytes=int(float(peak) * 1024 * 1024) if peak else None,
        warnings=warnings,
        source="imported",
        created=time.time(),
    )


def import_benchmark_model_file(path: str | Path, **kwargs: Any) -> Measurement:
    p = Path(path)
    if not p.is_file():
        raise ModelFileError(f"{p}: log file not found; save benchmark_model's stdout with `> run.log`")
    return import_benchmark_model(p.read_text(errors="replace"), source_name=str(p), **kwargs)


def _search(pattern: str, text: str, flags: int = re.M) -> str | None:
    m = re.search(pattern, text, flags | re.M)
    return m.group(1) if m else None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _float(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None

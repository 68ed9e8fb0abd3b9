"""Import the text output of TFLite's C++ ``benchmark_model`` (what board owners already run) as Measurements.

Understands the 1.x output (``Average inference timings in us: Warmup: ..., Init: ..., no stats: ...``)
and the 2.x output (``Inference timings in us: Init: ..., First inference: ..., Warmup (avg): ...,
Inference (avg): ...``, memory footprint lines), with ``INFO:`` or Android logcat prefixes. It never
guesses: what the log does not state is ``"unknown"`` (benchmark_model's thread default changed from 1
to -1, "let the runtime choose", so an unstated thread count is not 1), the imported protocol holds
only what the log says, and a log holding several runs (one ``STARTING!`` per invocation) becomes one
record per run (:func:`import_benchmark_model_runs`) or a one-line refusal (:func:`import_benchmark_model`).

Each record's ``imported`` dict keeps what has no Measurement field: the delegate (a GPU or NNAPI
delegate run is not CPU latency), the summary line's timings, both memory footprint figures, and the
``--enable_op_profiling`` per-operator table (node type, name, avg ms, %, times called).
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from edgepareto.bench.protocol import Measurement
from edgepareto.errors import ModelFileError

UNKNOWN = "unknown"
MAX_COUNT = 10**9  # runs or calls in one log: far above any benchmark_model run, far below float trouble
_STAT = re.compile(r"^count=(\d+)(.*)$", re.M)
_PARAM = re.compile(r"^([^:\n\[]+?)\s*:\s*\[([^\]]*)\]\s*$", re.M)
_PREFIX = re.compile(
    r"^(?:\d\d-\d\d \d\d:\d\d:\d\d\.\d+\s+\d+\s+\d+ [VDIWEF] [^:\n]*: ?"  # Android logcat
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+[+-]\d{4} \S+\[\d+:\d+\] "  # iOS console
    r"|(?:INFO|WARNING|ERROR|VERBOSE): ?)",
    re.M,
)
_KV = re.compile(r"(\w+)=([-+0-9.eE]+)")
_SUMMARY_2X = re.compile(r"^Inference timings in us:(.*)$", re.M)
_SUMMARY_1X = re.compile(r"^Average inference timings in us:(.*)$", re.M)
_MEMORY = re.compile(r"^(Peak memory footprint|Memory footprint delta from the start of the tool) \(MB\):(.*)$", re.M)
_PERIODIC = re.compile(r"^Overall peak memory footprint \(MB\) via periodic monitoring:\s*([0-9.eE+-]+)", re.M)
_OP_ROW = re.compile(
    r"^\s*(?P<type>\S.*?)\s+(?P<start>-?[0-9.]+)\s+(?P<first>-?[0-9.]+)\s+(?P<avg>-?[0-9.]+)\s+"
    r"(?P<pct>-?[0-9.]+)%\s+(?P<cdf>-?[0-9.]+)%\s+(?P<mem>-?[0-9.]+)\s+(?P<count>\d+)\s+\[(?P<name>.*)\](?:[:\d]*)\s*$"
)
_DELEGATES = (  # (what the log says, the delegate, does it run on the CPU)
    ("Created TensorFlow Lite delegate for GPU", "GPU delegate", False),
    ("GPU delegate created", "GPU delegate", False),
    ("Created TensorFlow Lite delegate for Metal", "GPU delegate (Metal)", False),
    ("NNAPI delegate created", "NNAPI delegate", False),
    ("Hexagon delegate", "Hexagon delegate", False),
    ("Created TensorFlow Lite XNNPACK delegate for CPU", "XNNPACK delegate", True),
)


@dataclass(frozen=True)
class OpRow:
    """One row of benchmark_model's per-operator ``Run Order`` table."""

    node_type: str
    name: str
    avg_ms: float
    percent: float
    times_called: int

    def __post_init__(self) -> None:
        if not self.node_type or self.avg_ms < 0 or self.times_called < 0:
            raise ModelFileError(f"op profiling row {self.node_type!r} {self.name!r}: negative or empty fields")


# --- splitting ------------------------------------------------------------------------------------
def split_runs(text: str) -> list[str]:
    """One text per benchmark_model invocation: at each ``STARTING!``, else after each summary line."""
    text = _PREFIX.sub("", text)
    starts = [m.start() for m in re.finditer(r"^STARTING!\s*$", text, re.M)]
    if starts:
        pieces = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
        head = text[: starts[0]]
        return [head + pieces[0], *pieces[1:]] if _STAT.search(head) else pieces
    ends = [m.end() for m in re.finditer(r"^(?:Average )?[Ii]nference timings in us:.*$", text, re.M)]
    if len(ends) < 2:
        return [text]
    bounds = [0, *ends[:-1], len(text)]
    return [text[a:b] for a, b in pairwise(bounds)]


# --- pieces of one run ----------------------------------------------------------------------------
def _params(text: str) -> dict[str, str]:
    return {k.strip().lower(): v.strip() for k, v in _PARAM.findall(text)}


def _blocks(text: str) -> list[dict[str, float]]:
    """The ``count=... first=... avg=... std=...`` lines, in order (warm-up first, then the counted runs).

    Every number is checked here, where it enters: a malformed one (``avg=.``), a count past
    :data:`MAX_COUNT` or a negative time is refused in one line, so nothing half-parsed is stored.
    """
    out = []
    for m in _STAT.finditer(text):
        d: dict[str, float] = {"count": float(_count(m.group(1), "count"))}
        d.update({k: _time(v, k) for k, v in _KV.findall(m.group(2))})
        out.append(d)
    return out


def _number(text: str, what: str) -> float:
    """A finite number from the log, or a one-line refusal naming the field and what it held."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ModelFileError(f"{what}={text[:40]!r} is not a finite number; pass benchmark_model's unedited output")
    return value


def _time(text: str, what: str) -> float:
    """A timing (or memory figure): finite and not negative (``avg=-4000`` is no latency)."""
    value = _number(text, what)
    if value < 0:
        raise ModelFileError(f"{what}={text[:40]} is negative; pass benchmark_model's unedited output")
    return value


def _count(text: str, what: str) -> int:
    """A count of runs or calls: digits only, at most :data:`MAX_COUNT` (a 400-digit count is no count)."""
    if not text.isdigit() or len(text) > len(str(MAX_COUNT)) or int(text) > MAX_COUNT:
        raise ModelFileError(f"{what}={text[:40]!r} is not a run count (0..{MAX_COUNT}); pass benchmark_model's output")
    return int(text)


def _summary(text: str) -> dict[str, float]:
    """The summary line's timings in microseconds, under one set of names for both formats."""
    m = _SUMMARY_2X.search(text)
    names = {"init": "init", "first inference": "first", "warmup (avg)": "warmup_avg", "inference (avg)": "avg"}
    if m is None:
        m = _SUMMARY_1X.search(text)
        names = {"init": "init", "warmup": "warmup_avg", "no stats": "avg", "with stats": "avg_with_stats"}
    if m is None:
        return {}
    out = {}
    for part in m.group(1).split(","):
        key, _, value = part.partition(":")
        if key.strip().lower() in names:
            out[names[key.strip().lower()]] = _time(value.strip(), key.strip())
    return out


def _memory(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in _MEMORY.finditer(text):
        kind = "peak" if m.group(1).startswith("Peak") else "delta"
        out[kind] = {k: _time(v, k) for k, v in _KV.findall(m.group(2)) if k in ("init", "overall")}
    periodic = _PERIODIC.search(text)
    if periodic:
        out["periodic_peak"] = _time(periodic.group(1), "periodic peak memory")
    return out


def op_table(text: str) -> list[OpRow]:
    """The ``Run Order`` table of the regular runs (``--enable_op_profiling``); [] when there is none.

    2.x prints an initialisation table first (``AllocateTensors``...): the one after
    ``Operator-wise Profiling Info for Regular Benchmark Runs`` is the operators'.
    """
    at = text.find("Operator-wise Profiling Info for Regular Benchmark Runs")
    if at < 0 and "Profiling Info for Benchmark Initialization" in text:
        return []  # an initialisation table only (a cut log) is not an operator table
    at = max(at, 0)  # 1.x prints the operators' table alone
    order = text.find("Run Order", at)
    if order < 0:
        return []
    rows = []
    for line in text[order:].splitlines()[2:]:
        m = _OP_ROW.match(line)
        if m is None:
            break
        rows.append(_op_row(m))
    return rows


def _op_row(m: re.Match[str]) -> OpRow:
    """One operator row, its numbers checked (``1.2.3`` or ``..%`` is refused in one line naming the row)."""
    try:
        return OpRow(
            m["type"].strip(),
            m["name"],
            _time(m["avg"], "avg ms"),
            _time(m["pct"], "%"),
            _count(m["count"], "times called"),
        )
    except ModelFileError as exc:
        raise ModelFileError(f"op profiling row [{m['name'][:60]}]: {exc}") from None


def _delegate(text: str, params: dict[str, str]) -> tuple[str, bool | None]:
    """(delegate, whether it runs on the CPU; None when unknown) as the log states it."""
    for marker, name, cpu in _DELEGATES:
        if marker in text:
            return name, cpu
    if params.get("use gpu") in ("1", "true"):
        return "GPU delegate", False
    if params.get("use nnapi") in ("1", "true"):
        return "NNAPI delegate", False
    if params.get("use xnnpack") in ("0", "false"):
        return "builtin kernels (no XNNPACK)", True
    if params.get("use xnnpack") in ("1", "true"):
        return "XNNPACK delegate", True
    return UNKNOWN, None


# --- one run ----------------------------------------------------------------------------------------
def _protocol(params: dict[str, str], warm: dict[str, float] | None, n: int) -> dict[str, Any]:
    """What the log says about how it measured, ``unknown`` for the rest; no preset's defaults."""
    delay = _float(params.get("inter-run delay (seconds)"))
    return {
        "name": "benchmark_model",
        "warmup": int(warm["count"]) if warm else 0,
        "runs": n,
        "min_runs_requested": _stated(_int(params.get("min num runs"))),
        "min_warmup_runs_requested": _stated(_int(params.get("min warmup runs"))),
        "pause_s": (max(delay, 0.0) if delay is not None else UNKNOWN),
        "threads": _threads(params),
    }


def _threads(params: dict[str, str]) -> int | str:
    stated = _int(params.get("#threads used for cpu inference") or params.get("num threads"))
    return stated if stated is not None else UNKNOWN


def _one_run(text: str, source_name: str, device: dict[str, Any] | None, index: int, total: int) -> Measurement:
    where = f"{source_name}" + (f" (run {index + 1} of {total})" if total > 1 else "")
    try:
        blocks, summary, memory = _blocks(text), _summary(text), _memory(text)
    except ModelFileError as exc:
        raise ModelFileError(f"{where}: {exc}") from None
    if not blocks:
        raise ModelFileError(f"{where}: no 'count=... avg=...' lines; pass the full stdout of TFLite's benchmark_model")
    params = _params(text)
    runs_block = blocks[-1]
    warm_block = blocks[0] if len(blocks) > 1 else None
    n = int(runs_block["count"])
    delegate, on_cpu = _delegate(text, params)
    threads = _threads(params)
    mean = runs_block.get("avg", summary.get("avg", math.nan)) / 1000.0
    std = runs_block.get("std", math.nan) / 1000.0
    median = runs_block.get("median")
    warnings = ["imported from benchmark_model: per-run times and the median's CI are not in the log"]
    if median is None:
        warnings.append("benchmark_model printed no median; median_ms is missing, use mean_ms")
    if threads == UNKNOWN:
        warnings.append("the log states no thread count (benchmark_model's default is -1: the runtime chooses)")
    if on_cpu is False:
        warnings.append(f"{delegate} run: this is not CPU latency")
    try:
        ops = op_table(text)
    except ModelFileError as exc:
        raise ModelFileError(f"{where}: {exc}") from None
    peak = memory.get("peak", {}).get("overall", memory.get("periodic_peak"))
    imported = {
        "run": index + 1,
        "runs_in_log": total,
        "delegate": delegate,
        "processor": UNKNOWN if on_cpu is None else ("cpu" if on_cpu else "accelerator"),
        "threads": threads,
        "timings_us": summary or UNKNOWN,
        "memory_mb": memory or UNKNOWN,
        "op_profile": [o.__dict__ for o in ops] if ops else UNKNOWN,
        "model_size_mb": _search(r"^The input model file size \(MB\):\s*(\S+)", text) or UNKNOWN,
    }
    warm_avg = _warmup_us(warm_block, summary)
    return Measurement(
        status="ok",
        model=params.get("graph") or _search(r"^Loaded model (\S+)", text) or UNKNOWN,
        engine="tflite benchmark_model",
        engine_version=_search(r"TensorFlow Lite version[:\s]+(\S+)", text, re.I),
        kernel_path=delegate,
        threads=threads if isinstance(threads, int) else 0,
        protocol=_protocol(params, warm_block, n),
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
        ci95_mean_ms=[mean - 1.96 * std / math.sqrt(n), mean + 1.96 * std / math.sqrt(n)] if n > 1 else None,
        warmup_ms=[warm_avg / 1000.0] if warm_avg is not None else None,
        first_inference_ms=summary["first"] / 1000.0 if summary.get("first") else None,  # 2.x: "First inference"
        load_ms=summary["init"] / 1000.0 if summary.get("init") else None,  # "Init": load + delegate + allocate
        peak_rss_bytes=int(peak * 1024 * 1024) if peak else None,
        warnings=warnings,
        source="imported",
        created=time.time(),
        imported=imported,
    )


# --- public API -------------------------------------------------------------------------------------
def import_benchmark_model_runs(
    text: str, *, source_name: str = "benchmark_model log", device: dict[str, Any] | None = None
) -> list[Measurement]:
    """One Measurement (``source="imported"``) per benchmark_model run in ``text``, in log order."""
    runs = [r for r in split_runs(text) if _STAT.search(r) or "STARTING!" in r]
    if not runs:
        raise ModelFileError(
            f"{source_name}: no 'count=... avg=...' lines; pass the full stdout of TFLite's benchmark_model"
        )
    return [_one_run(r, source_name, device, i, len(runs)) for i, r in enumerate(runs)]


def import_benchmark_model(
    text: str, *, source_name: str = "benchmark_model log", device: dict[str, Any] | None = None
) -> Measurement:
    """The one run in ``text``; a log with several runs is refused in one line saying how many."""
    runs = import_benchmark_model_runs(text, source_name=source_name, device=device)
    if len(runs) > 1:
        raise ModelFileError(
            f"{source_name}: holds {len(runs)} benchmark_model runs (one 'STARTING!' each); save one run per "
            "file, or import them all with edgepareto.bench.importer.import_benchmark_model_runs"
        )
    return runs[0]


def import_benchmark_model_file(path: str | Path, **kwargs: Any) -> Measurement:
    p = Path(path)
    if not p.is_file():
        raise ModelFileError(f"{p}: log file not found; save benchmark_model's stdout with `> run.log`")
    return import_benchmark_model(p.read_text(errors="replace"), source_name=str(p), **kwargs)


def _warmup_us(warm: dict[str, float] | None, summary: dict[str, float]) -> float | None:
    """The warm-up mean: its own line's avg, its one time (``count=1 curr=...``), else the summary's."""
    if warm is None:
        return None
    if "avg" in warm:
        return warm["avg"]
    if warm["count"] == 1 and "curr" in warm:
        return warm["curr"]
    return summary.get("warmup_avg")


def _stated(value: int | None) -> int | str:
    return UNKNOWN if value is None else value


def _search(pattern: str, text: str, flags: int = re.M) -> str | None:
    m = re.search(pattern, text, flags | re.M)
    return m.group(1) if m else None


def _int(text: str | None) -> int | None:
    """A stated integer parameter, or None when it is absent, malformed or past :data:`MAX_COUNT`."""
    try:
        value = int(text) if text is not None else None
    except ValueError:
        return None
    return value if value is None or abs(value) <= MAX_COUNT else None


def _float(text: str | None) -> float | None:
    """A stated number, or None when it is absent, malformed or not finite."""
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is None or math.isfinite(value) else None

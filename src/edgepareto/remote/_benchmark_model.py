"""Boards without a Python TFLite runtime: TFLite's own C++ ``benchmark_model``, run over SSH, its log imported.

The host builds the command from the protocol (``--num_runs``, ``--warmup_runs``, ``--run_delay``,
``--num_threads``), the agent runs it pinned with ``taskset -c`` to the cluster's CPUs, and the
output goes through the same importer as ``edgepareto bench run.log --import``
(:func:`edgepareto.bench.importer.import_benchmark_model`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

#: benchmark_model's own error lines, e.g. "ERROR: Didn't find op for builtin opcode ..."
_ERROR = re.compile(r"^(?:ERROR: ?)(.+)$", re.M)


def benchmark_model_argv(binary: str, graph: str, protocol: Any, threads: int) -> list[str]:
    """The tool's command line for one measurement (no shell: each flag is one argument).

    benchmark_model has no stopping rule and runs in one process: an adaptive protocol runs its
    ``max_runs`` counted runs, a multi-process one all of its processes' runs in a row.
    ``--min_secs=0`` / ``--warmup_min_secs=0`` make the counts exact (the tool's defaults add runs
    until 1 s / 0.5 s have passed); ``--max_secs`` is the protocol's timeout, so a slow board with
    pauses is not cut at the tool's 150 s. A protocol that warms up to the steady state (``stable_window``)
    has no stability rule in the tool: it warms up for the protocol's bound, ``--warmup_min_secs=warmup_max_s``.
    """
    warm_secs = protocol.warmup_max_s if getattr(protocol, "stable_window", 0) else 0
    return [
        binary,
        f"--graph={graph}",
        f"--num_threads={threads}",
        f"--num_runs={counted_runs(protocol)}",
        f"--warmup_runs={protocol.warmup}",
        f"--run_delay={protocol.pause_s:g}",
        "--min_secs=0",
        f"--warmup_min_secs={warm_secs:g}",
        f"--max_secs={protocol.timeout_s:g}",
    ]


def counted_runs(protocol: Any) -> int:
    """How many counted runs the protocol asks for in all (benchmark_model's ``--num_runs``)."""
    per_process = protocol.runs if protocol.runs is not None else protocol.max_runs
    return int(per_process) * max(1, int(getattr(protocol, "processes", 1) or 1))


def error_line(log: str) -> str:
    """The tool's first ERROR line (the runtime's own message), else its last non-empty line."""
    m = _ERROR.search(log)
    if m:
        return m.group(1).strip()
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    return lines[-1] if lines else "no output"


def imported_measurement(
    result: dict[str, Any], *, board: str, model: str, cluster: str | None, device: dict[str, Any], protocol: Any
) -> Any:
    """The agent's ``benchmark`` result -> Measurement (imported, or failed with the tool's own message)."""
    from edgepareto.bench.importer import import_benchmark_model
    from edgepareto.bench.protocol import Measurement
    from edgepareto.errors import ModelFileError

    context = {"model": model, "engine": "tflite benchmark_model", "threads": 0, "cluster": cluster,
               "protocol": protocol.to_json(), "device": device}  # fmt: skip
    log = str(result.get("log") or "")
    status = result.get("returncode")
    if status != 0:
        how = f"signal {-status}" if isinstance(status, int) and status < 0 else f"status {status}"
        return Measurement.failed(
            f"on board {board}: benchmark_model exited with {how}: {error_line(log)}", "engine", **context
        )
    try:
        m = import_benchmark_model(log, source_name=f"benchmark_model on board {board}", device=device)
    except ModelFileError as exc:
        return Measurement.failed(f"on board {board}: {exc} (last line: {error_line(log)})", "engine", **context)
    cpus = [int(c) for c in result.get("cpus") or []] or None
    pinning = {"status": str(result.get("pinning")), "command": [str(a) for a in result.get("argv") or []]}
    note = f"measured by benchmark_model on the board ({pinning['status']})"
    return replace(m, model=model, cluster=cluster, cpus=cpus, pinning=pinning, warnings=[*m.warnings, note])

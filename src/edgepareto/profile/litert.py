"""LiteRT: the operators the Python runtime exposes, and the per-op times of a ``benchmark_model`` log.

The Python interpreter (``ai_edge_litert``) lists the operators in execution order
(``_get_ops_details``) but exposes no per-operator timer, and with XNNPACK the delegated
operators run as one kernel anyway. So a ``.tflite`` file alone gives the mapping (which
operator is which layer, with MACs, parameters and bytes) without times; the times come
from ``benchmark_model --enable_op_profiling=true`` (run with ``--use_xnnpack=false`` to get one
row per operator), imported by ``edgepareto.bench.importer``.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from edgepareto.bench.importer import op_table
from edgepareto.errors import ModelFileError, first_line
from edgepareto.profile.layers import OpTime

_SIZE_MB = re.compile(r"The input model file size \(MB\): ([0-9.eE+-]+)")
_GRAPH = re.compile(r"Graph: \[([^\]\n]*)\]")
DELEGATE_ROWS = ("TfLiteXNNPackDelegate", "TfLiteGpuDelegateV2", "TfLiteNnapiDelegate")


def litert_ops(path: str | Path) -> tuple[OpTime, ...]:
    """The file's operators in execution order, untimed (the Python runtime has no per-op timer)."""
    from ai_edge_litert.interpreter import Interpreter

    try:
        interp = Interpreter(model_path=str(path))
        details = interp._get_ops_details()
        tensors = {t["index"]: t for t in interp.get_tensor_details()}
    except Exception as exc:
        raise ModelFileError(f"{path}: LiteRT cannot read this model ({first_line(exc, 200)})") from exc
    ops = []
    for d in details:
        out = tensors[int(d["outputs"][0])]
        ops.append(OpTime(d["op_name"], str(out["name"]), None, tuple(int(x) for x in out["shape"])))
    return tuple(ops)


def log_ops(text: str) -> tuple[OpTime, ...]:
    """The timed operators of a ``benchmark_model --enable_op_profiling`` log (its ``Run Order`` table)."""
    rows = op_table(text)
    if not rows:
        raise ModelFileError("the log has no operator table; rerun benchmark_model with --enable_op_profiling=true")
    delegated = [r.node_type for r in rows if r.node_type in DELEGATE_ROWS]
    if delegated:
        raise ModelFileError(
            f"the log's operators ran inside {delegated[0]} (one row for many layers); "
            "rerun benchmark_model with --use_xnnpack=false --enable_op_profiling=true for one row per operator"
        )
    return tuple(OpTime(r.node_type, r.name, r.avg_ms / max(r.times_called, 1)) for r in rows)


def _check_log_size(text: str, path: Path) -> None:
    """The log's ``The input model file size (MB)`` (bytes / 1e6, six digits) must be the file's size."""
    m = _SIZE_MB.search(text)
    if m is None:
        return
    try:
        stated = float(m[1])
    except ValueError:
        return
    size_mb = path.stat().st_size / 1e6
    if abs(stated - size_mb) > 1e-4 * size_mb + 1e-6:
        graph = _GRAPH.search(text)
        ran = f" ({graph[1]})" if graph else ""
        raise ModelFileError(
            f"{path}: the log ran a {stated:g} MB model{ran}, this file is {size_mb:g} MB; "
            "pass the .tflite file the log was measured on"
        )


def log_ops_of(text: str, path: str | Path) -> tuple[OpTime, ...]:
    """The log's timed operators, checked against ``path`` (its size, its operators in order) and carrying
    the file's output shapes, so the layer mapping checks them against the cost model the name gives."""
    path = Path(path)
    timed = log_ops(text)
    _check_log_size(text, path)
    found = litert_ops(path)
    if len(found) != len(timed) or any(a.op_type != b.op_type for a, b in zip(timed, found, strict=False)):
        i = next(
            (i for i, (a, b) in enumerate(zip(timed, found, strict=False)) if a.op_type != b.op_type),
            min(len(timed), len(found)),
        )
        got = timed[i].op_type if i < len(timed) else "nothing"
        want = found[i].op_type if i < len(found) else "nothing"
        raise ModelFileError(
            f"{path}: the log's operator {i} is {got} where the file has {want} ({len(timed)} operators in the "
            f"log, {len(found)} in the file); pass the .tflite file the log was measured on"
        )
    return tuple(dataclasses.replace(t, out_shape=f.out_shape) for t, f in zip(timed, found, strict=True))

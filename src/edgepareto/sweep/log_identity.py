"""Does a ``benchmark_model`` log belong to the file it is recorded against (``bench LOG --import --model FILE``)?

A log states which graph it ran (``Graph: [path]``), often its size (``The input model file size (MB)``,
printed as bytes / 10^6 to 6 significant digits) and, with ``--enable_op_profiling``, one row per operator.
Each is compared with FILE; only a contradiction counts (a board's ``/data/local/tmp/model.tflite`` says
nothing about the variant, so a generic name is no contradiction, while ``mobilenet_v1_1.0_224.tflite``
against an alpha-0.25 file is). Issue 25 found a 4.28 MB alpha-1.0 log stored as the latency of a
0.5 MB alpha-0.25 file with source ``measured``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from edgepareto.artifacts import inspect_tflite, sha256_file
from edgepareto.errors import EdgeParetoError
from edgepareto.models import Variant

DELEGATE_ROW_PREFIXES = ("TfLite", "Delegate")  # one row standing for many operators


def contradictions(m: Any, model: Path) -> list[str]:
    """What the imported log ``m`` states that ``model`` contradicts, one short phrase each; [] when none."""
    imported = m.imported if isinstance(m.imported, dict) else {}
    found = [_graph(str(m.model), model), _size(imported.get("model_size_mb"), model)]
    if model.suffix == ".tflite":
        found.append(_operators(imported.get("op_profile"), model))
    return [f for f in found if f]


def _graph(graph: str, model: Path) -> str | None:
    """The graph path, when it is a file here, must be the same bytes; its name must not name another variant."""
    if not graph or graph == "unknown":
        return None
    stated = Path(graph)
    if stated.is_file() and stated.resolve() != model.resolve() and sha256_file(stated) != sha256_file(model):
        return f"the log's graph {graph} is another file here"
    mine, theirs = _variant(model.name), _variant(stated.name)
    if mine is None or theirs is None:
        return None
    if (mine.alpha, mine.resolution, mine.precision) != (theirs.alpha, theirs.resolution, theirs.precision):
        return f"the log ran {stated.name} ({_label(theirs)}), the file is {_label(mine)}"
    return None


def _size(stated: Any, model: Path) -> str | None:
    """The printed size to its printed precision (``16.9008`` MB is 16,900,760 bytes ± 50)."""
    try:
        mb = float(stated)
    except (TypeError, ValueError):
        return None
    text = str(stated)
    decimals = len(text.split(".", 1)[1]) if "." in text and "e" not in text.lower() else 6
    actual = model.stat().st_size / 1e6
    if abs(actual - mb) > 0.5 * 10**-decimals + 1e-9:
        return f"the log states {text} MB, the file is {actual:.6g} MB"
    return None


def _operators(rows: Any, model: Path) -> str | None:
    """The op table's rows by node type against the file's operators (not for a delegated table)."""
    if not isinstance(rows, list) or not rows:
        return None
    types = Counter(str(r.get("node_type")) for r in rows if isinstance(r, dict))
    if any(t.startswith(DELEGATE_ROW_PREFIXES) for t in types):
        return None
    try:
        ops = Counter(inspect_tflite(model).operators)
    except EdgeParetoError:
        return None
    if types != ops:
        return (
            f"the log's op table has {sum(types.values())} operators ({_ops(types - ops)} not in the file), "
            f"the file {sum(ops.values())} ({_ops(ops - types)} not in the log)"
        )
    return None


def _variant(name: str) -> Variant | None:
    try:
        return Variant.parse(name)
    except EdgeParetoError:
        return None


def _label(v: Variant) -> str:
    return f"alpha {v.alpha}, {v.resolution}, {v.precision.value}"


def _ops(c: Counter[str]) -> str:
    return ", ".join(f"{n} {t}" for t, n in c.most_common(3)) or "none"


__all__ = ["contradictions"]

"""The CLI's record-keeping door into the store: ``bench --store``, ``bench LOG --import --store`` and
``eval --store`` record a given file and its figure here, keyed exactly as a ``kind = "models"`` study keys
them (``sweep/given.py``), so a command and a sweep never store the same figure twice.

Each function opens the store (with the reference rows), records, and returns what it recorded as a small
JSON-able document for the CLI to render.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgepareto.sweep import given
from edgepareto.sweep.given import EvalData, check_imported

__all__ = ["EvalData", "check_imported", "record_bench", "record_eval", "record_imported"]


def record_bench(store: str | Path, measurement: Any, model: str | Path, overrides: dict[str, Any]) -> dict[str, Any]:
    """One ``bench`` measurement of ``model`` on this host; ``overrides``: the protocol flags given on top of the
    preset (they name the protocol, so a run with other settings is another figure)."""
    from edgepareto.analysis import open_results

    with open_results(store) as s:
        return given.store_bench(s, measurement, model, overrides)


def record_imported(
    store: str | Path,
    imported: Any,
    log: str | Path,
    *,
    model: str | Path | None,
    device: str | None,
    force: bool = False,
) -> dict[str, Any]:
    """A benchmark_model log recorded against the file it ran (``model``, else the log's) on ``device``."""
    from edgepareto.analysis import open_results

    with open_results(store) as s:
        return given.store_imported(s, imported, log, model, device, force=force)


def record_eval(store: str | Path, result: Any, model: str | Path, data: EvalData) -> dict[str, Any]:
    """The file and its top-1/top-5 from one evaluation on ``data``."""
    from edgepareto.analysis import open_results

    ident = given.accuracy_ident(model, data, engine=result.engine)
    with open_results(store) as s:
        art = given.adopt(s, model)
        new = given.record_accuracy(s, result, art, ident)
    return {"store": str(store), "variant": art.variant.name, "new_records": new}

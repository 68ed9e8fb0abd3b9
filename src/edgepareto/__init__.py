"""edgepareto: which ConvNet variant should run on this edge CPU?

The public API, for notebooks and scripts (the CLI renders what these return)::

    import edgepareto as ep
    plan = ep.load_plan("plan.toml")                 # or None: the built-in default plan
    outcome = ep.run_sweep(plan, "results.sqlite")   # resumable; every result committed as it arrives
    with ep.open_results("results.sqlite") as store:
        ep.front(store, device="Cortex-A7")          # the Pareto front with each point's status
        ep.recommend(store, "Cortex-A7", ep.Budget(max_latency_ms=400, min_top1=60))
        ep.write_report(store, "report/")

Single steps: ``ep.export`` (Keras -> .tflite/.onnx artifacts), ``ep.measure`` (latency, pinned and
crash-isolated), ``ep.evaluate`` (top-1/top-5 with Wilson intervals). The vocabulary:
``ep.Variant``, ``ep.Precision``, ``ep.Artifact``. Everything else lives in the domain packages;
names load on first use, so ``import edgepareto`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from edgepareto.errors import EdgeParetoError
from edgepareto.version import __version__

if TYPE_CHECKING:
    from edgepareto.analysis import Budget, front, open_results
    from edgepareto.analysis import recommend_on as recommend
    from edgepareto.artifacts import Artifact
    from edgepareto.bench import Protocol, measure
    from edgepareto.convert import export
    from edgepareto.data import open_dataset
    from edgepareto.eval import evaluate
    from edgepareto.models import ModelConfig, Precision, Variant
    from edgepareto.report import write_report
    from edgepareto.sweep import Plan, load_plan, run_sweep

_API: dict[str, tuple[str, str]] = {
    "load_plan": ("sweep", "load_plan"),
    "run_sweep": ("sweep", "run_sweep"),
    "Plan": ("sweep", "Plan"),
    "export": ("convert", "export"),
    "Artifact": ("artifacts", "Artifact"),
    "measure": ("bench", "measure"),
    "Protocol": ("bench", "Protocol"),
    "evaluate": ("eval", "evaluate"),
    "open_dataset": ("data", "open_dataset"),
    "open_results": ("analysis", "open_results"),
    "front": ("analysis", "front"),
    "recommend": ("analysis", "recommend_on"),
    "Budget": ("analysis", "Budget"),
    "write_report": ("report", "write_report"),
    "Variant": ("models", "Variant"),
    "Precision": ("models", "Precision"),
    "ModelConfig": ("models", "ModelConfig"),
}


def __getattr__(name: str) -> Any:
    if name in _API:
        package, attr = _API[name]
        value = getattr(importlib.import_module(f"edgepareto.{package}"), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'edgepareto' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Artifact",
    "Budget",
    "EdgeParetoError",
    "ModelConfig",
    "Plan",
    "Precision",
    "Protocol",
    "Variant",
    "__version__",
    "evaluate",
    "export",
    "front",
    "load_plan",
    "measure",
    "open_dataset",
    "open_results",
    "recommend",
    "run_sweep",
    "write_report",
]

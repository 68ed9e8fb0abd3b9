"""Latency on a device: CPU clusters and pinning, protocols, statistics, telemetry, crash-isolated runs.

Public API (what the sweep and the remote boards use):

- :class:`Protocol` (presets :meth:`Protocol.paper`, :meth:`Protocol.fast`) — how latency is taken;
- :func:`measure` — one model file, one engine, in a pinned child process -> :class:`Measurement`;
- :func:`measure_interleaved` — several files in the same pinned processes, taking turns
  (:class:`Interleave`), so that they share the host's speed states -> one Measurement each;
- :func:`discover_host` -> :class:`Fingerprint` with its :class:`Cluster` list;
- :func:`import_benchmark_model` — TFLite ``benchmark_model`` text output -> :class:`Measurement`.

The core modules (``_sysfs``, ``cpus``, ``pinning``, ``protocol``, ``stats``, ``telemetry``, ``_child``) need only
the standard library, NumPy and a TFLite runtime: they are shipped flat to boards.
"""

from __future__ import annotations

from edgepareto.bench._run import child_request, measure, run_child
from edgepareto.bench.cpus import Cluster, Fingerprint, discover_host, resolve_cpus
from edgepareto.bench.importer import import_benchmark_model
from edgepareto.bench.interleaved import Interleave, measure_interleaved
from edgepareto.bench.protocol import Measurement, Protocol
from edgepareto.bench.stats import summarize

__all__ = [
    "Cluster",
    "Fingerprint",
    "Interleave",
    "Measurement",
    "Protocol",
    "child_request",
    "discover_host",
    "import_benchmark_model",
    "measure",
    "measure_interleaved",
    "resolve_cpus",
    "run_child",
    "summarize",
]

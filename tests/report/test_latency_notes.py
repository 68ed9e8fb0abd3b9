"""The report marks latency points whose graph was only partly delegated, or whose CPU was shared."""

from __future__ import annotations

from edgepareto.report._build import _provenance, latency_notes
from edgepareto.report._layout import _provenance_rows
from edgepareto.store import MeasurementRecord, Variant

PARTIAL = {"path": "XNNPACK delegate", "nodes": 31, "taken": 29, "leftover": {"SOFTMAX": 1, "AVERAGE_POOL_2D": 1},
           "leftover_on": "built-in kernels", "full": False}  # fmt: skip


def test_partial_delegation_noise_and_modes_become_notes():
    record = {"delegation": PARTIAL, "noisy": True,
              "modes": [{"median_ms": 0.36, "processes": 4}, {"median_ms": 0.42, "processes": 2}]}  # fmt: skip
    assert latency_notes(record) == [
        "partly delegated (29/31 nodes; 1 AVERAGE_POOL_2D, 1 SOFTMAX on built-in kernels)",
        "noisy (CPU shared while timing)",
        "modes: 0.36 ms ×4, 0.42 ms ×2",
    ]
    assert latency_notes({"delegation": {**PARTIAL, "full": True}, "noisy": False}) == []


def test_the_provenance_table_shows_the_notes_beside_the_protocol():
    v = Variant("mobilenet_v1", 0.25, 128, 1000, "int8")
    r = MeasurementRecord(
        variant=v,
        metric="latency_ms",
        value=0.4,
        source="measured",
        device="host",
        engine="litert",
        protocol={"name": "fast"},
        record={"delegation": PARTIAL},
    )
    p = _provenance(r)
    _, rows = _provenance_rows({"provenance": [p]})
    assert rows[0][9].startswith("fast; ⚠ partly delegated (29/31 nodes")

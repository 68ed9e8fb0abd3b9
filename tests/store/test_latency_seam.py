"""Issue 30 item 3: the latency record reads its producer's attributes (``store.records.Latency``), never guessed
keys of a JSON document; the document is kept whole beside the figures as the record's ``record``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edgepareto.artifacts import Artifact
from edgepareto.store import MeasurementRecord, Variant

ART = Artifact("b" * 64, Variant("mobilenet_v1", 0.5, 224, 1000, "int8"), "tflite", "/x.tflite", 10, "int8")


@dataclass(frozen=True)
class _Typed:
    """A producer whose figures are attributes only: its document names none of them."""

    status: str = "ok"
    error: str | None = None
    engine: str = "litert"
    engine_version: str | None = "2.x"
    threads: int = 2
    protocol: dict[str, Any] = field(default_factory=lambda: {"runs": 10})
    runs: int | None = 60
    median_ms: float | None = 4.0
    ci95_median_ms: list[float] | None = field(default_factory=lambda: [3.9, 4.1])
    peak_rss_bytes: int | None = 123
    first_inference_ms: float | None = 9.0
    load_ms: float | None = None
    end_to_end: dict[str, Any] | None = None
    processes: list[dict[str, Any]] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kept": "as is"}


def test_the_latency_record_is_built_from_attributes_not_from_guessed_keys():
    lat, rss, first = MeasurementRecord.from_latency(_Typed(), device="d", artifact=ART, key="k", protocol_name="fast")
    assert (lat.metric, lat.value, lat.ci_low, lat.ci_high, lat.n, lat.status) == (
        "latency_ms",
        4.0,
        3.9,
        4.1,
        60,
        "ok",
    )
    assert (lat.engine, lat.threads, lat.protocol) == ("litert", 2, {"runs": 10, "name": "fast"})
    assert lat.record == {"kept": "as is"}
    assert (rss.metric, rss.value, first.metric, first.value) == ("peak_rss_bytes", 123.0, "first_inference_ms", 9.0)


def test_an_unstated_thread_count_and_a_failed_run_stay_what_they_are():
    (failed,) = MeasurementRecord.from_latency(
        _Typed(status="failed", error="boom", threads=0), device="d", artifact=ART, key="k", protocol_name="fast"
    )
    assert (failed.status, failed.error, failed.value, failed.threads) == ("failed", "boom", None, None)

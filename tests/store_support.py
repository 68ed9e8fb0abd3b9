"""Measured points written straight into a store: a latency on a device, a top-1 on a data set and a size, for
tests of fronts, recommendations and reports that need a store and no measurement."""

from __future__ import annotations

from edgepareto.models import Variant
from edgepareto.store import MeasurementRecord, Store


def add_latency(store: Store, v: Variant, ms: float, *, device: str, latency_spread: float | None = None) -> None:
    """One variant's measured latency on ``device`` (CI ± ``latency_spread`` of it, or none)."""
    ci = {"ci_low": ms * (1 - latency_spread), "ci_high": ms * (1 + latency_spread)} if latency_spread else {}
    store.add(
        MeasurementRecord(
            variant=v,
            metric="latency_ms",
            value=ms,
            n=20,
            source="measured",
            device=device,
            engine="litert",
            threads=1,
            protocol={"name": "fast"},
            **ci,
        )
    )


def add_point(
    store: Store,
    v: Variant,
    ms: float,
    top1: float,
    *,
    device: str,
    latency_spread: float | None = None,
    top1_halfwidth: float = 1.0,
    n: int = 5000,
    dataset: str = "toy-test",
) -> None:
    """One variant's latency (CI ± ``latency_spread`` of it, or none), top-1 (± ``top1_halfwidth``) and size."""
    add_latency(store, v, ms, device=device, latency_spread=latency_spread)
    store.add(
        MeasurementRecord(
            variant=v,
            metric="top1",
            value=top1,
            ci_low=top1 - top1_halfwidth,
            ci_high=top1 + top1_halfwidth,
            n=n,
            source="measured",
            dataset=dataset,
        )
    )
    store.add(MeasurementRecord(variant=v, metric="size_bytes", value=3e6, source="measured"))

"""From store records to analysis points: one point per (variant, engine, threads) on a device.

A point gathers the device's latency, the variant's size and the dataset's accuracy, each
as an :class:`Estimate` with the record it came from, and derives FPS, MB and GMAC/s.
Where several sources give the same metric the preference is explicit (measured, then
published, then predicted, unless told otherwise), and the choice is kept for the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from edgepareto.analysis.pareto import (
    Estimate,
    Objective,
    dominators,
    pareto_front,
    status_with_rivals,
)
from edgepareto.errors import ConfigError
from edgepareto.models import Variant
from edgepareto.store import MeasurementRecord

DEFAULT_PREFERENCE: tuple[str, ...] = ("measured", "published", "predicted")
#: Records a point may stand on. ``noisy`` latencies reach here only when the caller asked for them
#: (``--accept-noisy``: the store leaves them out of every default read), and the point says so.
USABLE: tuple[str, ...] = ("ok", "noisy")


@dataclass(frozen=True)
class Point:
    """One deployable option on one device, with every metric known for it."""

    variant: Variant
    device: str | None
    engine: str | None = None
    threads: int | None = None
    metrics: dict[str, Estimate] = field(default_factory=dict)
    provenance: dict[str, MeasurementRecord] = field(default_factory=dict)
    label_suffix: str = ""  # " @128" when the points around it hold several resolutions
    file: str | None = None  # the given file's path, where several given files share this variant's name
    published_top1: float | None = None  # the published twin's ImageNet top-1, beside a measured one on other images
    label_prefix: str = ""  # "mobilenet_v1 " where the points span several families (the others name theirs)

    @property
    def label(self) -> str:
        return self.label_prefix + self.variant.label + self.label_suffix

    @property
    def stand_in(self) -> str | None:
        """Why this point mixes artifacts (latency of a file built here, accuracy of another file), or None."""
        lat, acc = self.provenance.get("latency_ms"), self.provenance.get("top1")
        if lat is None or acc is None or lat.source != "measured" or not lat.artifact_sha256:
            return None
        if acc.artifact_sha256 == lat.artifact_sha256:
            return None
        if acc.source == "published" and acc.artifact_sha256 is None and acc.variant.name == lat.variant.name:
            return None  # the published row of this very variant: Google's file measured here, not a stand-in
        built = "int8 PTQ" if self.variant.precision == "int8" else str(self.variant.precision)
        whose = f"{acc.source} top-1 of another file" + (
            " (Google's uint8 QAT file)" if acc.source == "published" and self.variant.precision == "int8" else ""
        )
        return f"latency of a stand-in: {built} built here; {whose}"

    @property
    def noisy(self) -> bool:
        """A figure of this point is a ``noisy`` record (its interval too wide to trust; shown marked)."""
        return any(r.status == "noisy" for r in self.provenance.values())

    @property
    def key(self) -> str:
        parts = [self.variant.name]
        if self.engine:
            parts.append(self.engine)
        if self.threads and self.threads != 1:
            parts.append(f"{self.threads}t")
        return "/".join(parts) + (f" ({self.file})" if self.file else "")

    def value(self, metric: str) -> float:
        return self.metrics[metric].value

    def sources(self) -> dict[str, str]:
        return {m: r.source for m, r in self.provenance.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "variant": self.variant.name,
            "label": self.label,
            "family": self.variant.family,
            "alpha": self.variant.alpha,
            "precision": self.variant.precision,
            "resolution": self.variant.resolution,
            "device": self.device,
            "engine": self.engine,
            "threads": self.threads,
            "metrics": {m: {"value": e.value, "low": e.low, "high": e.high} for m, e in self.metrics.items()},
            "sources": self.sources(),
            "stand_in": self.stand_in,
            "noisy": self.noisy,
            "published_top1": self.published_top1,
            "file": self.file,
        }


def _estimate(rec: MeasurementRecord, scale: float = 1.0) -> Estimate:
    assert rec.value is not None
    lo = rec.ci_low if rec.ci_low is not None else rec.value
    hi = rec.ci_high if rec.ci_high is not None else rec.value
    return Estimate(rec.value * scale, lo * scale, hi * scale)


PUBLISHED_DATASET = "imagenet-val"  # the published top-1 figures are on all 50,000 ILSVRC2012 validation images


def published_twin(variant: Variant) -> str | None:
    """The name under which Google's file of the same architecture is published (``mobilenet_v1_050_224_bg.uint8``):
    itself for Google's own files; for a 1000-output fp32/int8 MobileNet v1 built here, Google's 1001-output float
    or uint8 QAT file (a *stand-in* when its top-1 stands beside this file's latency), and so for a v2/v3 file
    where TF-slim published that checkpoint; None for anything else."""
    from edgepareto.analysis.published_families import published_families
    from edgepareto.models import Precision

    known = variant.family == "mobilenet_v1" or variant.family in published_families()  # v2/v3: TF-slim's tables
    if not known or variant.alpha is None or variant.num_classes != 1000 or variant.tag:
        return None
    if variant.background:
        return variant.name if variant.precision in (Precision.FP32, Precision.UINT8) else None
    twin = {Precision.FP32: Precision.FP32, Precision.INT8: Precision.UINT8}.get(variant.precision)
    if twin is None:
        return None
    return Variant(variant.family, variant.alpha, variant.resolution, 1000, twin, background=True).name


def _pick(records: Sequence[MeasurementRecord], preference: Sequence[str]) -> MeasurementRecord | None:
    """The preferred source first, then the newest record."""
    ranked = [r for r in records if r.source in preference and r.status in USABLE]
    if not ranked:
        return None
    return min(ranked, key=lambda r: (preference.index(r.source), -(r.id or 0)))


def collect_points(
    records: Iterable[MeasurementRecord],
    *,
    device: str | None,
    dataset: str | None,
    preference: Sequence[str] = DEFAULT_PREFERENCE,
    require: Sequence[str] = (),
) -> list[Point]:
    """Points for ``device`` (latency there) and ``dataset`` (accuracy there).

    With ``device=None`` there is one point per variant (size and accuracy only: the
    hardware-independent memory–accuracy view). Points missing a metric in ``require`` are
    left out. Each given file is its own point (by content hash), however many files share its name; a file
    replaced in place counts with its newest bytes only.
    """
    recs = current_records([r for r in records if r.status in USABLE])
    published: dict[str, list[MeasurementRecord]] = {}
    for r in recs:
        if r.source == "published" and r.metric in ("top1", "top5") and r.dataset == PUBLISHED_DATASET:
            published.setdefault(r.variant.name, []).append(r)
    points: list[Point] = []
    for path, rs in file_groups(recs):
        twin = published_twin(rs[0].variant)
        for p in _points_of(rs, device, dataset, preference, published.get(twin or "", [])):
            if all(m in p.metrics for m in require):
                points.append(replace(p, file=path))
    points.sort(
        key=lambda p: (p.variant.family, p.variant.resolution, p.variant.alpha or 0.0, p.variant.precision, p.key)
    )
    return distinct_labels(points)


def _beside_latency(same: list[MeasurementRecord], pref: Sequence[str]) -> dict[str, MeasurementRecord]:
    """What a latency measurement wrote beside it on the same device, engine and threads: peak memory and
    image file -> top-k (``e2e_latency_ms``), energy per inference (``energy_mj``)."""
    out = {}
    for metric in ("peak_rss_bytes", "e2e_latency_ms", "energy_mj"):
        rec = _pick([r for r in same if r.metric == metric], pref)
        if rec is not None:
            out[metric] = rec
    return out


def given_files(records: Sequence[MeasurementRecord]) -> dict[str, str]:
    """sha256 -> path of every given file (a user's or Google's) the records hold: their size records say so."""
    return {
        r.artifact_sha256: str((r.record or {}).get("path") or "")
        for r in records
        if r.metric == "size_bytes" and r.artifact_sha256 and "declared" in (r.record or {})
    }


def current_records(records: list[MeasurementRecord]) -> list[MeasurementRecord]:
    """``records`` without those of a given file's older bytes: a file replaced in place (same path, new content)
    keeps only its newest content's figures, so no stale row stands under its name."""
    newest: dict[str, tuple[int, str]] = {}
    for r in records:
        path = str((r.record or {}).get("path") or "")
        if r.metric == "size_bytes" and r.artifact_sha256 and path and "declared" in (r.record or {}):
            newest[path] = max(newest.get(path, (-1, "")), (r.id or 0, r.artifact_sha256))
    files = given_files(records)
    current = {sha for _, sha in newest.values()}
    stale = {sha for sha in files if sha not in current}
    return [r for r in records if r.artifact_sha256 not in stale]


def file_groups(records: list[MeasurementRecord]) -> list[tuple[str | None, list[MeasurementRecord]]]:
    """Records grouped into points' sources: one group per given file of a variant name (with the name's
    published and predicted figures, which belong to no file), and one for the rest (built files, published rows);
    the path is set when several given files share the name, so that their labels can tell them apart."""
    files = given_files(records)
    by_name: dict[str, dict[str | None, list[MeasurementRecord]]] = {}
    for r in records:
        sha = r.artifact_sha256 if r.artifact_sha256 in files else None
        by_name.setdefault(r.variant.name, {}).setdefault(sha, []).append(r)
    out: list[tuple[str | None, list[MeasurementRecord]]] = []
    for parts in by_name.values():
        rest = parts.pop(None, [])
        several = len(parts) > 1
        for sha, rs in parts.items():
            label = files[sha] if several and sha is not None else None  # None was popped: sha is a digest
            out.append((label, rs + [r for r in rest if r.artifact_sha256 is None]))
        if rest and (not parts or any(r.artifact_sha256 for r in rest)):
            out.append((None, rest))
    return out


def _points_of(
    rs: list[MeasurementRecord],
    device: str | None,
    dataset: str | None,
    preference: Sequence[str],
    twin: list[MeasurementRecord],
) -> list[Point]:
    """The points of one group of records (one variant, one file): one per (engine, threads) timed on ``device``.
    Without a top-1 of its own on ``dataset``, a point on a device takes its published twin's (a stand-in)."""
    variant = rs[0].variant
    accuracy = [r for r in rs if r.metric in ("top1", "top5") and r.dataset == dataset]
    if device is not None and not accuracy:
        accuracy = [r for r in twin if r.dataset == dataset]
    if device is None:
        keys: list[tuple[str | None, int | None]] = [(None, None)]
    else:
        on_device = [r for r in rs if r.device == device and r.metric == "latency_ms"]
        keys = sorted({(r.engine, r.threads) for r in on_device}, key=lambda k: (k[0] or "", k[1] or 0))
    beside = _pick([r for r in twin if r.metric == "top1"], ("published",))
    points = []
    for engine, threads in keys:
        chosen = _choose(rs, accuracy, device, engine, threads, preference)
        if chosen is None:
            continue
        metrics = {m: _estimate(r) for m, r in chosen.items()}
        _derive(variant, metrics)
        mine = chosen.get("top1")
        shown = beside.value if beside is not None and mine is not None and mine.source != "published" else None
        points.append(Point(variant, device, engine, threads, metrics, chosen, published_top1=shown))
    return points


def _choose(
    rs: list[MeasurementRecord],
    accuracy: list[MeasurementRecord],
    device: str | None,
    engine: str | None,
    threads: int | None,
    preference: Sequence[str],
) -> dict[str, MeasurementRecord] | None:
    """Each metric's record for one point, the preferred source first; None when the device has no latency."""
    chosen: dict[str, MeasurementRecord] = {}
    pref = list(preference)
    if device is not None:
        here = [r for r in rs if r.device == device and (r.engine, r.threads) == (engine, threads)]
        lat = _pick([r for r in here if r.metric == "latency_ms"], pref)
        if lat is None:
            return None
        chosen["latency_ms"] = lat
        # Size and memory: the file that was actually run (same source as its latency) first.
        pref = [lat.source, *[s for s in preference if s != lat.source]]
        chosen.update(_beside_latency(here, pref))
    else:
        # No device: the file whose accuracy is known (a published top-1 goes with the published size).
        acc_src = _pick([r for r in accuracy if r.metric == "top1"], preference)
        if acc_src is not None:
            pref = [acc_src.source, *[s for s in preference if s != acc_src.source]]
    size = _pick([r for r in rs if r.metric == "size_bytes"], pref)
    if size is not None:
        chosen["size_bytes"] = size
    for metric in ("top1", "top5"):
        acc = _pick([r for r in accuracy if r.metric == metric], preference)
        if acc is not None:
            chosen[metric] = acc
    return chosen


def distinct_labels(points: list[Point]) -> list[Point]:
    """Labels a reader can tell apart: `` @RES`` when the points hold several resolutions, the family when they
    hold several families (v1's seed labels name none), the variant's
    name when two still read alike (e.g. a 1001-output file beside a 1000-output one), and the shortest
    distinguishing end of the path when two given files share a name (``[run1/model.tflite]``)."""
    if len({p.variant.resolution for p in points}) > 1:
        points = [replace(p, label_suffix=f" @{p.variant.resolution}") for p in points]
    if len({p.variant.family for p in points if p.variant.alpha is not None}) > 1:  # v1's seed labels name none
        points = [
            replace(p, label_prefix=f"{p.variant.family} ") if p.variant.label.startswith("alpha=") else p
            for p in points
        ]
    seen = Counter((p.label, p.engine, p.threads) for p in points)
    short = path_suffixes([p.file for p in points if p.file])
    names = Counter(p.variant.name for p in points if p.file)
    out = []
    for p in points:
        if seen[(p.label, p.engine, p.threads)] > 1 or (p.file and names[p.variant.name] > 1):
            tag = short[p.file] if p.file and names[p.variant.name] > 1 else p.variant.name
            p = replace(p, label_suffix=f"{p.label_suffix} [{tag}]")
        out.append(p)
    return out


def path_suffixes(paths: list[str]) -> dict[str, str]:
    """Each path's shortest ending (whole components) that no other path ends with: ``m/a.tflite`` beside
    ``m/sub/a.tflite`` reads ``m/a.tflite`` and ``sub/a.tflite``."""
    parts = {p: p.replace("\\", "/").rstrip("/").split("/") for p in set(paths)}
    out = {}
    for path, comps in parts.items():
        for k in range(1, len(comps) + 1):
            tail = comps[-k:]
            if all(other[-k:] != tail for q, other in parts.items() if q != path) or k == len(comps):
                out[path] = "/".join(tail)
                break
    return out


def _derive(variant: Variant, metrics: dict[str, Estimate]) -> None:
    from edgepareto.models import cost_of

    if "latency_ms" in metrics:
        lat = metrics["latency_ms"]
        metrics["fps"] = Estimate(1000.0 / lat.value, 1000.0 / lat.high, 1000.0 / lat.low)
        try:
            macs = cost_of(variant.config).macs
        except ConfigError:  # a given file of a family this tool cannot count: no GMAC/s
            macs = None
    if "latency_ms" in metrics and macs is not None:
        metrics["gmacs_per_s"] = Estimate(
            macs / lat.value / 1e6,
            macs / lat.high / 1e6,
            macs / lat.low / 1e6,
        )
    if "energy_mj" in metrics:  # inferences per joule: the Table II analogue's energy column
        e = metrics["energy_mj"]
        metrics["inferences_per_j"] = Estimate(1e3 / e.value, 1e3 / e.high, 1e3 / e.low)
    if "size_bytes" in metrics:
        s = metrics["size_bytes"]
        metrics["size_mb"] = Estimate(s.value / 1e6, s.low / 1e6, s.high / 1e6)


class PairedTests(Protocol):
    """Paired top-1 tests between points (``analysis.paired.PairedAccuracy``)."""

    def test(self, a: Point, b: Point) -> Any: ...  # a PairedTest (its ``sign``: +1, -1, 0) or None
    def note(self, a: Point, b: Point) -> dict[str, Any]: ...  # vs, basis (McNemar | Wilson), says, test


@dataclass(frozen=True)
class FrontEntry:
    point: Point
    on_front: bool
    status: str
    dominated_by: tuple[str, ...]
    # what the top-1 comparisons behind the status rest on: {vs, basis (McNemar | Wilson), says, test}
    accuracy: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            **self.point.to_json(),
            "on_front": self.on_front,
            "status": self.status,
            "dominated_by": list(self.dominated_by),
            "accuracy": list(self.accuracy),
        }


def analyse_front(
    points: Sequence[Point], objectives: Sequence[Objective], paired: PairedTests | None = None
) -> list[FrontEntry]:
    """Front membership (point values) and status under uncertainty (intervals; a paired test of top-1 where
    ``paired`` has one for the pair) for every point."""
    for o in objectives:
        missing = [p.key for p in points if o.metric not in p.metrics]
        if missing:
            raise ConfigError(
                f"metric {o.metric} is missing for {', '.join(missing)}; measure it or drop the objective"
            )
    senses = [o.sense for o in objectives]
    rows = [[p.value(o.metric) for o in objectives] for p in points]
    front = set(pareto_front(rows, senses)) if points else set()
    estimates = [[p.metrics[o.metric] for o in objectives] for p in points]
    statuses = status_with_rivals(estimates, senses, _settled(points, objectives, paired))
    # the pairs whose top-1 order mattered by the intervals alone: where the paired test (or its absence) is said
    by_intervals = status_with_rivals(estimates, senses) if paired else [(s, ()) for s, _ in statuses]
    out = []
    for i, p in enumerate(points):
        by = tuple(points[j].label for j in dominators(rows, senses, i))
        rivals = sorted(set(statuses[i][1]) | set(by_intervals[i][1]))
        notes = _accuracy_notes(p, [points[j] for j in rivals], objectives, paired)
        # Consistent by construction: off the front by values => "dominated" or "too close to call".
        out.append(FrontEntry(p, i in front, statuses[i][0], by, notes))
    return out


def _settled(points: Sequence[Point], objectives: Sequence[Objective], paired: PairedTests | None) -> Any:
    """The paired test's verdict on top-1 for a pair (q, p), where there is one."""
    if not paired or not any(o.metric == "top1" for o in objectives):
        return None

    def verdict(q: int, p: int, axis: int) -> int | None:
        if objectives[axis].metric != "top1":
            return None
        t = paired.test(points[q], points[p])
        return None if t is None else int(t.sign)

    return verdict


def _accuracy_notes(
    p: Point, rivals: list[Point], objectives: Sequence[Objective], paired: PairedTests | None
) -> tuple[dict[str, Any], ...]:
    if not paired or not any(o.metric == "top1" for o in objectives):
        return ()
    own = p.provenance.get("top1")
    same = [
        q
        for q in rivals
        if own is not None and q.provenance.get("top1") is not None and q.provenance["top1"].key == own.key
    ]
    return tuple(paired.note(p, q) for q in rivals if q not in same)  # one evaluation: the same top-1, no test

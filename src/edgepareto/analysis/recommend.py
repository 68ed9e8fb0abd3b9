"""Recommend variants for a device under a budget (latency, size, accuracy, energy per inference), saying why.

Among the variants that meet every bound, the recommendations are the Pareto-optimal ones
in (latency, size, top-1), best accuracy first. A bound met by the point value but not by
its whole CI is a warning, not a rejection: the user sees the risk and decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from edgepareto.analysis.pareto import pareto_front
from edgepareto.analysis.points import PairedTests, Point
from edgepareto.errors import ConfigError


@dataclass(frozen=True)
class Budget:
    """Bounds a deployment must meet; ``None`` means unconstrained. ``min_top1`` is in percent."""

    max_latency_ms: float | None = None
    max_size_mb: float | None = None
    min_top1: float | None = None
    max_energy_mj: float | None = None  # per inference, where the device's sensor measured it

    def __post_init__(self) -> None:
        for name in ("max_latency_ms", "max_size_mb", "max_energy_mj"):
            v = getattr(self, name)
            if v is not None and not v > 0:
                raise ConfigError(f"{name} must be > 0, got {v}")
        if self.min_top1 is not None and not 0 <= self.min_top1 <= 100:
            raise ConfigError(f"min_top1 must be a percentage in [0, 100], got {self.min_top1}")

    def bounds(self) -> list[tuple[str, str, float, str]]:
        """(metric, 'max'|'min', bound, text)."""
        out = []
        if self.max_latency_ms is not None:
            out.append(("latency_ms", "max", self.max_latency_ms, "latency"))
        if self.max_size_mb is not None:
            out.append(("size_mb", "max", self.max_size_mb, "size"))
        if self.min_top1 is not None:
            out.append(("top1", "min", self.min_top1, "top-1"))
        if self.max_energy_mj is not None:
            out.append(("energy_mj", "max", self.max_energy_mj, "energy per inference"))
        return out


_UNIT = {"latency_ms": "ms", "size_mb": "MB", "top1": "%", "energy_mj": "mJ"}


def _check(point: Point, budget: Budget) -> tuple[list[str], list[str], list[str], float]:
    """(reasons it meets, reasons it fails, CI warnings, total relative violation)."""
    meets: list[str] = []
    fails: list[str] = []
    warns: list[str] = []
    violation = 0.0
    for metric, kind, bound, text in budget.bounds():
        unit = _UNIT[metric]
        if metric not in point.metrics:
            fails.append(_unknown(point, metric, text))
            violation += 1.0
            continue
        e = point.metrics[metric]
        src = point.provenance.get(metric.replace("size_mb", "size_bytes"))
        tag = f" ({src.source})" if src is not None else ""
        if kind == "max":
            ok, worst = e.value <= bound, e.high
            sign = "≤" if ok else ">"
            risky = ok and worst is not None and worst > bound
            rel = max(0.0, e.value / bound - 1.0)
        else:
            ok, worst = e.value >= bound, e.low
            sign = "≥" if ok else "<"
            risky = ok and worst is not None and worst < bound
            rel = max(0.0, (bound - e.value) / bound)
        line = f"{text} {e.value:.4g} {unit}{tag} {sign} {bound:g} {unit}"
        (meets if ok else fails).append(line)
        if risky:
            warns.append(f"{text} CI reaches {worst:.4g} {unit}, beyond the {bound:g} {unit} bound")
        violation += rel
    return meets, fails, warns, violation


def _unknown(point: Point, metric: str, text: str) -> str:
    """Why a bound cannot be checked; for energy, the device's own reason (no sensor, too slow) when it gave one."""
    if metric != "energy_mj":
        return f"no {text} known"
    lat = point.provenance.get("latency_ms")
    energy = ((lat.record or {}).get("telemetry") or {}).get("energy") if lat is not None else None
    reason = (energy or {}).get("reason")
    return f"no {text} known ({reason})" if reason else f"no {text} known (not measured on {point.device})"


def recommend(
    points: Sequence[Point], budget: Budget, *, top: int = 3, paired: PairedTests | None = None
) -> dict[str, Any]:
    """Best variants within the budget, each with why; rejected ones with why not; nearest misses if none fit.
    With ``paired``, a top-1 comparison says what a paired test of the two files on the same images found."""
    if top < 1:
        raise ConfigError(f"top must be >= 1, got {top}")
    checked = [(p, *_check(p, budget)) for p in points]
    feasible = [c for c in checked if not c[2]]
    objectives = [(m, s) for m, s in (("latency_ms", "min"), ("size_mb", "min"), ("top1", "max"))]
    if budget.max_energy_mj is not None:  # an energy budget makes energy a fourth objective
        objectives.append(("energy_mj", "min"))
    objectives = [(m, s) for m, s in objectives if all(m in c[0].metrics for c in feasible)]
    recs: list[dict[str, Any]] = []
    if feasible and objectives:
        # Measured points first: a stand-in (numbers from two different files) never outranks or hides one.
        feasible.sort(key=lambda c: c[0].stand_in is not None)
        measured = [c for c in feasible if c[0].stand_in is None]
        rows = [[c[0].value(m) for m, _ in objectives] for c in feasible]
        senses = [s for _, s in objectives]
        front = pareto_front(rows[: len(measured)], senses)
        front += (
            [len(measured) + i for i in pareto_front(rows[len(measured) :], senses)]
            if len(measured) < len(rows)
            else []
        )
        names = [m for m, _ in objectives]

        def rank(i: int) -> tuple[float, ...]:
            p = feasible[i][0]
            return (
                float(p.stand_in is not None),
                -p.value("top1") if "top1" in names else 0.0,
                p.value("latency_ms") if "latency_ms" in names else 0.0,
                p.value("size_mb") if "size_mb" in names else 0.0,
            )

        ordered = sorted(front, key=rank)
        for r, i in enumerate(ordered[:top], start=1):
            p, meets, _, warns, _ = feasible[i]
            why = list(meets) or ["no bounds given"]
            why.append(f"Pareto-optimal in ({', '.join(names)}) among the {len(feasible)} variants within budget")
            if r == 1 and "top1" in names:
                why.append(_highest(p, [feasible[i][0] for i in ordered[1:]], paired))
            elif r > 1 and "top1" in names:
                best = feasible[ordered[0]][0]
                why.append(_tradeoff(p, best, paired))
            if p.stand_in:
                why.append(f"{p.stand_in}: ranked after the points measured on one file")
            confirm = _confirmation(p)
            warns = [*warns, confirm["warning"]] if confirm else warns
            if p.noisy:
                warns = [*warns, "rests on a NOISY latency (its CI is too wide to trust), accepted by --accept-noisy"]
            recs.append({"rank": r, **p.to_json(), "why": why, "warnings": warns, "confirm": confirm})
    rejected = [
        {"variant": c[0].variant.name, "label": c[0].label, "engine": c[0].engine, "why_not": c[2]}
        for c in checked
        if c[2]
    ]
    doc: dict[str, Any] = {
        "budget": asdict(budget),
        "recommendations": recs,
        "rejected": rejected,
        "rests_on_prediction": any(r["confirm"] for r in recs),
    }
    if not checked:
        doc["nearest"] = []
        doc["message"] = "no variant to rank: none has every metric the question needs"
    elif not feasible:
        nearest = sorted(checked, key=lambda c: c[4])[:top]
        doc["nearest"] = [{**c[0].to_json(), "why_not": c[2], "relative_violation": round(c[4], 4)} for c in nearest]
        doc["message"] = "no variant meets every bound; the nearest misses are listed with what they exceed"
    return doc


def _confirmation(p: Point) -> dict[str, Any] | None:
    """When a recommendation's latency is predicted: say so, and the one measurement that would confirm it."""
    rec = p.provenance.get("latency_ms")
    if rec is None or rec.source != "predicted":
        return None
    model = (rec.protocol or {}).get("model", "a latency model")
    span = f" [{rec.ci_low:.4g}, {rec.ci_high:.4g}] ms" if rec.ci_low is not None and rec.ci_high is not None else ""
    engine = f" --engine {rec.engine}" if rec.engine else ""
    return {
        "warning": f"latency is PREDICTED ({model}){span}, not measured on {p.device}; confirm it with one measurement",
        "command": f"edgepareto export {p.variant.family} --alpha {p.variant.alpha:g} --resolution "
        f"{p.variant.resolution} --precision {p.variant.precision} && edgepareto bench "
        f"artifacts/{p.variant.name}.tflite{engine} --threads {rec.threads or 1}",
    }


def _highest(p: Point, others: list[Point], paired: PairedTests | None) -> str:
    if not others:
        return "the only Pareto-optimal choice"
    if paired is None or paired.test(p, others[0]) is None:
        return "highest top-1 among them"
    return f"highest top-1 among them (vs {others[0].label}: {paired.note(p, others[0])['says']})"


def _compared(p: Point, best: Point, paired: PairedTests | None) -> str:
    """How p's top-1 stands against #1's: the paired test where there is one, else whether the intervals meet."""
    t = paired.test(p, best) if paired is not None else None
    if t is not None:
        return t.says()
    a, b = p.metrics["top1"], best.metrics["top1"]
    meet = a.low <= b.high and b.low <= a.high
    return f"Wilson intervals {'overlap' if meet else 'apart'}, no paired predictions"


def _tradeoff(p: Point, best: Point, paired: PairedTests | None = None) -> str:
    parts = []
    if "latency_ms" in p.metrics and "latency_ms" in best.metrics:
        parts.append(f"{best.value('latency_ms') / p.value('latency_ms'):.2f}x faster")
    if "size_mb" in p.metrics and "size_mb" in best.metrics:
        parts.append(f"{best.value('size_mb') / p.value('size_mb'):.2f}x smaller")
    loss = best.value("top1") - p.value("top1")
    return f"{', '.join(parts)} than #1 for {loss:.2f} points of top-1 ({_compared(p, best, paired)})"

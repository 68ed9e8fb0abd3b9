"""Pareto fronts for any number of metrics, and a point's status when the numbers have CIs.

Pure functions over plain numbers: no store, no I/O. An :class:`Estimate` is a value with an
interval (a point value is its own interval). Dominance is the usual one: ``q`` dominates
``p`` if it is no worse in every objective and better in at least one. Under uncertainty a
point is

* ``dominated``: some other point dominates it even when every interval is read
  against it (q's worst end beats p's best end),
* ``on the front``: no other point could dominate it for any values inside the intervals,
* ``too close to call``: otherwise.

Where a pair's order on one objective is settled by a better test than the intervals (``settled``:
a paired test of two files' top-1 on the same images, ``analysis.paired``), that verdict replaces
the interval comparison on that objective for that pair.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from edgepareto.errors import ConfigError

DOMINATED = "dominated"
ON_FRONT = "on the front"
TOO_CLOSE = "too close to call"
STATUSES: tuple[str, ...] = (ON_FRONT, TOO_CLOSE, DOMINATED)
# (q, p, objective index) -> +1: q surely better than p there, -1: surely worse, 0 or None: the intervals decide
Settled = Callable[[int, int, int], int | None]


@dataclass(frozen=True)
class Objective:
    """A metric and whether smaller (``min``) or larger (``max``) is better."""

    metric: str
    sense: str = "min"

    def __post_init__(self) -> None:
        if self.sense not in ("min", "max"):
            raise ConfigError(f"objective sense for {self.metric} must be 'min' or 'max', got {self.sense!r}")

    @classmethod
    def parse(cls, text: str) -> Objective:
        """``latency_ms`` (min), ``-latency_ms`` (min), ``+top1`` or ``top1:max`` (max)."""
        text = text.strip()
        if text.startswith("+"):
            return cls(text[1:], "max")
        if text.startswith("-"):
            return cls(text[1:], "min")
        if ":" in text:
            metric, sense = text.split(":", 1)
            return cls(metric, sense)
        return cls(text, "max" if text in MAXIMISED else "min")


MAXIMISED = frozenset({"top1", "top5", "fps", "gmacs_per_s", "inferences_per_j"})


@dataclass(frozen=True, init=False)
class Estimate:
    """A value and its interval; ``low == high == value`` when no CI is known.

    ``low`` and ``high`` are optional when built and always floats after: the constructor fills a missing
    bound with the value, so readers never test for None."""

    value: float
    low: float
    high: float

    def __init__(self, value: float, low: float | None = None, high: float | None = None) -> None:
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "low", float(value if low is None else low))
        object.__setattr__(self, "high", float(value if high is None else high))
        self.__post_init__()

    def __post_init__(self) -> None:
        if not math.isfinite(self.value):
            raise ConfigError(f"estimate value must be finite, got {self.value}")
        if not self.low <= self.value <= self.high:
            raise ConfigError(f"interval [{self.low}, {self.high}] must contain the value {self.value}")

    def oriented(self, sense: str) -> tuple[float, float, float]:
        """(best, value, worst) as a minimisation sees them."""
        if sense == "min":
            return self.low, self.value, self.high
        return -self.high, -self.value, -self.low


def _check(rows: Sequence[Sequence[object]], senses: Sequence[str]) -> None:
    if not senses:
        raise ConfigError("a Pareto front needs at least one objective")
    for row in rows:
        if len(row) != len(senses):
            raise ConfigError(f"every point needs {len(senses)} values, got {len(row)}")
    for s in senses:
        if s not in ("min", "max"):
            raise ConfigError(f"sense must be 'min' or 'max', got {s!r}")


def dominates(a: Sequence[float], b: Sequence[float], senses: Sequence[str]) -> bool:
    """True if ``a`` is no worse than ``b`` everywhere and strictly better somewhere."""
    better = False
    for x, y, s in zip(a, b, senses, strict=True):
        if s == "max":
            x, y = -x, -y
        if x > y:
            return False
        if x < y:
            better = True
    return better


def pareto_front(rows: Sequence[Sequence[float]], senses: Sequence[str]) -> list[int]:
    """Indices of the non-dominated rows (N objectives, O(n^2); n is tens of variants)."""
    _check(rows, senses)
    return [i for i, p in enumerate(rows) if not any(dominates(q, p, senses) for j, q in enumerate(rows) if j != i)]


def dominators(rows: Sequence[Sequence[float]], senses: Sequence[str], i: int) -> list[int]:
    """Indices of the rows that dominate row ``i`` (why a point is off the front)."""
    return [j for j, q in enumerate(rows) if j != i and dominates(q, rows[i], senses)]


def status_under_uncertainty(
    points: Sequence[Sequence[Estimate]], senses: Sequence[str], settled: Settled | None = None
) -> list[str]:
    """Each point's status given the intervals: dominated, on the front, or too close to call."""
    return [status for status, _ in status_with_rivals(points, senses, settled)]


def status_with_rivals(
    points: Sequence[Sequence[Estimate]], senses: Sequence[str], settled: Settled | None = None
) -> list[tuple[str, tuple[int, ...]]]:
    """Each point's status and the points behind it: those that surely dominate it (``dominated``) or
    could (``too close to call``); none for a point on the front."""
    _check(points, senses)
    oriented = [[e.oriented(s) for e, s in zip(p, senses, strict=True)] for p in points]

    def axes(qi: int, pi: int, sure: bool) -> list[tuple[bool, bool]]:
        # per objective: (q no worse than p, q strictly better), surely (worst against best) or possibly
        out = []
        for a, ((qb, _, qw), (pb, _, pw)) in enumerate(zip(oriented[qi], oriented[pi], strict=True)):
            verdict = settled(qi, pi, a) if settled is not None else None
            if verdict:
                out.append((verdict > 0, verdict > 0))
            else:
                out.append((qw <= pb, qw < pb) if sure else (qb <= pw, qb < pw))
        return out

    def beats(qi: int, pi: int, sure: bool) -> bool:
        got = axes(qi, pi, sure)
        return all(ok for ok, _ in got) and any(strict for _, strict in got)

    out: list[tuple[str, tuple[int, ...]]] = []
    for i in range(len(oriented)):
        others = [j for j in range(len(oriented)) if j != i]
        surely = tuple(j for j in others if beats(j, i, True))
        possibly = tuple(j for j in others if beats(j, i, False))
        if surely:
            out.append((DOMINATED, surely))
        elif possibly:
            out.append((TOO_CLOSE, possibly))
        else:
            out.append((ON_FRONT, ()))
    return out

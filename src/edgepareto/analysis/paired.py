"""Do two files' top-1 on the same images really differ? An exact McNemar test on their per-image predictions.

Two top-1 figures measured on the same n images are not independent samples: each image is
right or wrong for both files, and only the discordant images (right for one file, wrong for the
other) carry evidence about which file is better. Comparing their Wilson intervals ignores that
pairing and is far too cautious: 62.0% and 60.0% on the same 1,000 images have overlapping intervals
([59.0, 65.0] and [56.9, 63.0]), yet if the files disagree on 60 images, 40 to 20, the first is
better with p = 0.013 (``tests/analysis/test_paired.py``). McNemar's exact test asks whether the
discordant images split evenly: under "equally accurate" the count right for the first file is
Binomial(discordant, 1/2); the two-sided p-value is SciPy's exact ``binomtest``. With no
discordant image p = 1. Used only where both files have stored predictions (``store.Predictions``)
on the same ordered (file, label) list; elsewhere the intervals decide, and the text says which.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from edgepareto.analysis.points import Point
from edgepareto.errors import ConfigError
from edgepareto.store import Predictions

ALPHA = 0.05  # a difference is called when p < ALPHA


def mcnemar_exact(right_a: np.ndarray, right_b: np.ndarray) -> tuple[int, int, float]:
    """(images only a got right, images only b got right, exact two-sided p) for paired per-image outcomes."""
    from scipy.stats import binomtest

    a, b = np.asarray(right_a, bool), np.asarray(right_b, bool)
    if a.shape != b.shape or a.ndim != 1:
        raise ConfigError(f"paired outcomes need one value per image for both files, got {a.shape} and {b.shape}")
    only_a, only_b = int((a & ~b).sum()), int((b & ~a).sum())
    if only_a + only_b == 0:
        return 0, 0, 1.0
    return only_a, only_b, float(binomtest(min(only_a, only_b), only_a + only_b, 0.5).pvalue)


@dataclass(frozen=True)
class PairedTest:
    """McNemar's exact test of file a against file b on the same ``n`` images."""

    n: int
    only_a: int  # images a got right and b wrong
    only_b: int
    p_value: float

    def __post_init__(self) -> None:
        if self.n < 1 or self.only_a < 0 or self.only_b < 0 or self.only_a + self.only_b > self.n:
            raise ConfigError(f"paired counts {self.only_a}, {self.only_b} do not fit {self.n} images")
        if not 0.0 <= self.p_value <= 1.0:
            raise ConfigError(f"a p-value is in [0, 1], got {self.p_value}")

    @property
    def sign(self) -> int:
        """+1: a's top-1 is higher (p < ALPHA), -1: lower, 0: not distinguishable."""
        if self.p_value >= ALPHA:
            return 0
        return 1 if self.only_a > self.only_b else -1

    def says(self) -> str:
        """a against b in words: "higher, p = 0.003", "lower, p = …" or "accuracy not distinguishable (…)"."""
        p = f"{self.p_value:.2g}" if self.p_value >= 0.001 else f"{self.p_value:.1e}"
        split = f"{self.only_a} vs {self.only_b} of {self.n:,}"
        if self.sign == 0:
            return f"accuracy not distinguishable (McNemar p = {p}, {split} images)"
        return f"{'higher' if self.sign > 0 else 'lower'}, p = {p} (McNemar, {split})"

    def swapped(self) -> PairedTest:
        return PairedTest(self.n, self.only_b, self.only_a, self.p_value)

    def to_json(self) -> dict[str, Any]:
        return {"test": "McNemar exact", "n": self.n, "only_a": self.only_a, "only_b": self.only_b,
                "p_value": self.p_value, "says": self.says()}  # fmt: skip


class PairedAccuracy:
    """Paired tests between analysis points whose top-1 records have predictions on the same image list."""

    def __init__(self, predictions: Iterable[Predictions]) -> None:
        self._by_key = {p.key: p for p in predictions}
        self._cache: dict[tuple[str, str], PairedTest | None] = {}

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def _key(self, point: Point) -> str | None:
        rec = point.provenance.get("top1")
        return rec.key if rec is not None and rec.key in self._by_key else None

    def test(self, a: Point, b: Point) -> PairedTest | None:
        """a against b, or None where they share no image list (or are the same evaluation)."""
        ka, kb = self._key(a), self._key(b)
        if ka is None or kb is None or ka == kb:
            return None
        if (kb, ka) in self._cache:
            got = self._cache[(kb, ka)]
            return None if got is None else got.swapped()
        if (ka, kb) not in self._cache:
            pa, pb = self._by_key[ka], self._by_key[kb]
            same = pa.images == pb.images
            self._cache[(ka, kb)] = PairedTest(pa.n, *mcnemar_exact(pa.correct, pb.correct)) if same else None
        return self._cache[(ka, kb)]

    def note(self, a: Point, b: Point) -> dict[str, Any]:
        """What a's top-1 against b's rests on: the paired test, or the intervals where there is none."""
        t = self.test(a, b)
        if t is not None:
            return {"vs": b.label, "basis": "McNemar", "says": t.says(), "test": t.to_json()}
        return {"vs": b.label, "basis": "Wilson", "says": "Wilson intervals only (no predictions of both on the "
                "same images)", "test": None}  # fmt: skip


def paired_for(results: Any, points: Iterable[Point]) -> PairedAccuracy | None:
    """The paired tests for ``points`` from a store that keeps predictions (None for a reader without them)."""
    read = getattr(results, "predictions", None)
    if read is None:
        return None
    keys = sorted({p.provenance["top1"].key for p in points if "top1" in p.provenance})
    return PairedAccuracy(read(keys)) if keys else None

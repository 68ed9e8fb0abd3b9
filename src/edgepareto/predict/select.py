"""Which variants of a grid to measure when the rest will be predicted: ``all``, ``corners`` or ``N``.

``corners`` is the extreme alphas times the extreme resolutions (4 variants of a 2-D grid), per family.
``N`` starts from the cheapest and the costliest variant and adds, one at a time, the variant
whose prediction the default model would know least (the largest leverage
``x' (X'X)^-1 x`` of its relative feature row): the sequential D-optimal design, which
minimises the expected prediction error of a linear model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from edgepareto.errors import ConfigError
from edgepareto.models import ModelConfig, Variant
from edgepareto.predict.features import features_of
from edgepareto.predict.model import DEFAULT_FORM, FORMS


def check_measure(measure: str | int) -> str | int:
    """``all``, ``corners`` or a count >= 3 (three fit the default model; a fourth gives its interval)."""
    if measure in ("all", "corners"):
        return measure
    if isinstance(measure, int) and not isinstance(measure, bool) and measure >= 3:
        return measure
    raise ConfigError(f'measure must be "all", "corners" or a number >= 3, got {measure!r}')


def corners(configs: Sequence[ModelConfig]) -> list[ModelConfig]:
    """Each family's extreme alphas times its extreme resolutions (a study across families: per family)."""
    ends = set()
    for family in {c.family for c in configs}:
        alphas = sorted({c.alpha for c in configs if c.family == family})
        sides = sorted({c.resolution for c in configs if c.family == family})
        ends |= {(family, a, r) for a in {alphas[0], alphas[-1]} for r in {sides[0], sides[-1]}}
    return [c for c in configs if (c.family, c.alpha, c.resolution) in ends]


def _rows(configs: Sequence[ModelConfig]) -> np.ndarray:
    rows = np.array([[features_of(Variant.of(c, "fp32")).value(f) for f in FORMS[DEFAULT_FORM]] for c in configs])
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)  # relative error: scale-free rows


def most_informative(configs: Sequence[ModelConfig], n: int) -> list[ModelConfig]:
    """``n`` configurations by sequential D-optimal design on the default model's features."""
    if n >= len(configs):
        return list(configs)
    rows = _rows(configs)
    macs = [features_of(Variant.of(c, "fp32")).macs for c in configs]
    chosen = [int(np.argmin(macs)), int(np.argmax(macs))]
    while len(chosen) < n:
        inv = np.linalg.pinv(rows[chosen].T @ rows[chosen])
        leverage = np.einsum("ij,jk,ik->i", rows, inv, rows)
        leverage[chosen] = -np.inf
        chosen.append(int(np.argmax(leverage)))
    return [configs[i] for i in sorted(chosen)]


def to_measure(configs: Sequence[ModelConfig], measure: str | int) -> list[ModelConfig]:
    """The configurations a study measures; the others are predicted."""
    measure = check_measure(measure)
    if measure == "all" or len(configs) <= 2:
        return list(configs)
    if measure == "corners":
        return corners(configs)
    return most_informative(configs, int(measure))

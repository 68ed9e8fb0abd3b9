"""A latency model per (device, engine, precision, threads): non-negative least squares on cost-model features.

The default form is ``latency = b_macs * MACs + b_tile * channel tiles + b_wt * weight bytes``:
time spent computing, the fixed work kernels do per output pixel for each tile of 32 output channels
(indirection, requantisation, a narrow layer padded to a whole tile: int8 alpha 0.25 costs about 3x
per MAC what alpha 1.0 does on XNNPACK), and streaming the weights (read once per inference, far
beyond L2 for the wider variants). Three throughputs that must be >= 0 (``scipy.optimize.nnls``;
with two points, as on the seed's Table II, some come out 0). It replaced ``macs+positions+weights``
(nnls-cost/3: one cost per output pixel whatever the width), which under-predicted int8 alpha 0.75
by 10-13% on the Xeon host, and that one replaced ``macs+bytes+weights`` (nnls-cost/2), which missed
int8 alpha 0.25 by 25-40% on both x86 hosts (``benchmarks/results/<host>/latency_prediction*.md``).
Rows are divided by the measured latency, so the fit minimises relative error (a 0.4 ms and a
30 ms variant count alike). Its interval is the largest relative error of leave-one-out refits,
which needs one point more than the form has parameters (otherwise it is absent and says why).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from edgepareto.errors import ConfigError
from edgepareto.models import CostReport, Variant
from edgepareto.predict.features import Features, features_of

# 2: weight bytes in the default form; 3: output positions instead of activation bytes; 4: channel tiles
MODEL_VERSION = "nnls-cost/4"
FORMS: dict[str, tuple[str, ...]] = {
    "macs+bytes": ("macs", "activation_bytes"),
    "macs+bytes+intercept": ("intercept", "macs", "activation_bytes"),
    "macs+bytes+weights": ("macs", "activation_bytes", "weight_bytes"),
    "macs+positions+weights": ("macs", "positions", "weight_bytes"),
    "macs+tiles+weights": ("macs", "channel_tiles", "weight_bytes"),
    "kinds": ("macs_standard", "macs_depthwise", "macs_pointwise", "macs_fully_connected"),
    "macs": ("macs",),
}
DEFAULT_FORM = "macs+tiles+weights"


@dataclass(frozen=True)
class ModelKey:
    """Where a latency model holds: one device, engine, precision and thread count."""

    device: str
    precision: str
    engine: str | None = None
    threads: int | None = None

    def __post_init__(self) -> None:
        if not self.device.strip():
            raise ConfigError("a latency model needs a device name")
        if self.threads is not None and self.threads < 1:
            raise ConfigError(f"threads must be >= 1, got {self.threads}")

    def to_json(self) -> dict[str, Any]:
        return {"device": self.device, "precision": self.precision, "engine": self.engine, "threads": self.threads}


@dataclass(frozen=True)
class Prediction:
    """A predicted latency with its cross-validated interval (``low``/``high`` None when none could be formed)."""

    variant: Variant
    latency_ms: float
    low: float | None
    high: float | None
    model: LatencyModel

    def __post_init__(self) -> None:
        if not np.isfinite(self.latency_ms) or self.latency_ms <= 0:
            raise ConfigError(f"a predicted latency must be > 0 ms, got {self.latency_ms}")
        if (self.low is None) != (self.high is None):
            raise ConfigError("a prediction interval needs both bounds or neither")
        if self.low is not None and self.high is not None and not self.low <= self.latency_ms <= self.high:
            raise ConfigError(f"interval [{self.low}, {self.high}] must contain {self.latency_ms}")

    @property
    def extrapolated(self) -> bool:
        """True when alpha or resolution lies outside the range the model was fitted on in this variant's family,
        or the model saw no variant of its family at all (another family's, or a file of unknown family)."""
        fitted = [Variant.parse(name) for name, _ in self.model.fit_on]
        same = [v for v in fitted if v.family == self.variant.family and v.alpha is not None]
        alpha = self.variant.alpha
        if alpha is None or not same:  # a given file of unknown family: no alpha to place inside the range
            return True
        alphas = [v.alpha for v in same if v.alpha is not None]
        sides = [v.resolution for v in same]
        return not (min(alphas) <= alpha <= max(alphas) and min(sides) <= self.variant.resolution <= max(sides))

    def to_json(self) -> dict[str, Any]:
        return {
            "variant": self.variant.name,
            "latency_ms": self.latency_ms,
            "interval_ms": None if self.low is None else [self.low, self.high],
            "source": "predicted",
            "extrapolated": self.extrapolated,
            "model": self.model.summary(),
        }


@dataclass(frozen=True)
class LatencyModel:
    """A fitted model: its form, coefficients (ms per million of each feature) and the points it was fitted on."""

    key: ModelKey
    form: str
    coefficients: tuple[float, ...]
    fit_on: tuple[tuple[str, float], ...]  # (variant name, measured ms)
    loo_errors: tuple[float, ...] | None  # relative error of each leave-one-out prediction
    version: str = MODEL_VERSION

    def __post_init__(self) -> None:
        if self.form not in FORMS:
            raise ConfigError(f"unknown model form {self.form!r}; use one of {', '.join(FORMS)}")
        if len(self.coefficients) != len(FORMS[self.form]):
            raise ConfigError(
                f"form {self.form} has {len(FORMS[self.form])} coefficients, got {len(self.coefficients)}"
            )
        if any(c < 0 or not np.isfinite(c) for c in self.coefficients):
            raise ConfigError(f"coefficients must be finite and >= 0, got {self.coefficients}")
        if not self.fit_on:
            raise ConfigError("a latency model is fitted on at least one measured variant")

    @property
    def interval_fraction(self) -> float | None:
        """Half-width of the interval as a fraction: the largest leave-one-out relative error."""
        return None if self.loo_errors is None else float(np.max(np.abs(self.loo_errors)))

    def estimate(self, features: Features) -> float:
        return float(np.dot(_row(features, self.form), self.coefficients))

    def predict(self, variant: Variant, report: CostReport | None = None) -> Prediction:
        """The latency of ``variant`` (of this model's precision) with the cross-validated interval; ``report``:
        its layers read from a file's graph (``artifacts.graph_cost``), for any family, else its family's cost."""
        if str(variant.precision) != self.key.precision:
            raise ConfigError(
                f"this model is for {self.key.precision}, not {variant.precision}; "
                f"fit one on {variant.precision} points"
            )
        value = self.estimate(features_of(variant, report))
        if value <= 0:
            raise ConfigError(f"the model predicts {value:.3g} ms for {variant.name}; fit it on more variants")
        q = self.interval_fraction
        low, high = (None, None) if q is None else (value * max(0.0, 1 - q), value * (1 + q))
        return Prediction(variant, value, low, high, self)

    def summary(self) -> dict[str, Any]:
        return {
            "version": self.version,
            **self.key.to_json(),
            "form": self.form,
            "features": list(FORMS[self.form]),
            "coefficients_ms_per_million": list(self.coefficients),
            "fit_on": [{"variant": v, "latency_ms": ms} for v, ms in self.fit_on],
            "loo_relative_errors": None if self.loo_errors is None else list(self.loo_errors),
            "interval_fraction": self.interval_fraction,
            "interval_note": None if self.loo_errors is not None else _no_interval_note(len(self.fit_on), self.form),
        }


def _row(features: Features, form: str) -> np.ndarray:
    return np.array([features.value(name) for name in FORMS[form]])


def _no_interval_note(n: int, form: str) -> str:
    p = len(FORMS[form])
    return f"no cross-validated interval: {n} points for {p} parameters; measure {p + 1 - n} more variant(s)"


def _solve(rows: np.ndarray, latencies: np.ndarray) -> np.ndarray:
    """Non-negative coefficients minimising the relative error (rows and targets divided by the latency)."""
    from scipy.optimize import nnls  # ~0.35 s to import: only when a model is fitted, not for every sweep

    coef, _ = nnls(rows / latencies[:, None], np.ones_like(latencies))
    return coef


def _loo(rows: np.ndarray, latencies: np.ndarray) -> tuple[float, ...]:
    errors = []
    for i in range(len(latencies)):
        keep = np.arange(len(latencies)) != i
        coef = _solve(rows[keep], latencies[keep])
        errors.append(float(rows[i] @ coef / latencies[i] - 1))
    return tuple(errors)


def fit(key: ModelKey, points: Sequence[tuple[Variant, float]], form: str = DEFAULT_FORM) -> LatencyModel:
    """Fit ``form`` on measured (variant, latency ms) points of one device, engine, precision and thread count."""
    if form not in FORMS:
        raise ConfigError(f"unknown model form {form!r}; use one of {', '.join(FORMS)}")
    if not points:
        raise ConfigError(f"no measured latency for {key.precision} on {key.device}; measure a variant there first")
    if any(str(v.precision) != key.precision for v, _ in points):
        raise ConfigError(f"every point must be {key.precision}; fit one model per precision")
    if any(not ms > 0 for _, ms in points):
        raise ConfigError("measured latencies must be > 0 ms")
    rows = np.array([_row(features_of(v), form) for v, _ in points])
    latencies = np.array([float(ms) for _, ms in points])
    coef = _solve(rows, latencies)
    loo = _loo(rows, latencies) if len(points) > len(FORMS[form]) else None
    fit_on = tuple((v.name, float(ms)) for v, ms in points)
    return LatencyModel(key, form, tuple(float(c) for c in coef), fit_on, loo)

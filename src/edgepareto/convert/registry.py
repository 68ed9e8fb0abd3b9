"""The exporter registry: one per file format, each in its own module of ``edgepareto.convert``.

A new format is one file there that calls :func:`register_exporter`; which precisions it can
write comes from :attr:`Precision.formats`, so the two never disagree. The registry imports none
of its members: ``edgepareto.convert`` imports every module of its folder, and other distributions'
exporters come through the ``edgepareto.exporters`` entry points (:mod:`edgepareto._plugins`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgepareto._plugins import load_entry_points
from edgepareto.artifacts import Artifact
from edgepareto.errors import ConfigError
from edgepareto.models import ModelConfig, Precision

ExportFn = Callable[..., list[Artifact]]


@dataclass(frozen=True)
class Exporter:
    """Writes one file per precision of a Keras model: ``export(config, precisions, out_dir, **options)``."""

    format: str
    export: ExportFn

    @property
    def precisions(self) -> tuple[Precision, ...]:
        return tuple(p for p in Precision if self.format in p.formats)

    def check(self, precisions: Iterable[Precision | str]) -> tuple[Precision, ...]:
        """The precisions parsed, refusing those this format cannot hold."""
        wanted = Precision.parse_list(list(precisions))
        bad = [p.value for p in wanted if p not in self.precisions]
        if bad:
            have = ", ".join(p.value for p in self.precisions)
            raise ConfigError(f"{self.format} artifacts come in {have}, not {', '.join(bad)}; drop them")
        return wanted


_EXPORTERS: dict[str, Exporter] = {}


def register_exporter(exporter: Exporter) -> Exporter:
    if exporter.format in _EXPORTERS:
        raise ValueError(f"exporter for {exporter.format!r} registered twice")
    _EXPORTERS[exporter.format] = exporter
    return exporter


def exporter_for(fmt: str) -> Exporter:
    load_entry_points("edgepareto.exporters")
    if fmt not in _EXPORTERS:
        raise ConfigError(f"unknown format {fmt!r}; choose from {', '.join(sorted(_EXPORTERS))}")
    return _EXPORTERS[fmt]


def export(
    config: ModelConfig,
    precisions: Iterable[Precision | str],
    out_dir: str | Path,
    *,
    formats: Iterable[str] = ("tflite",),
    model: Any = None,
    **options: Any,
) -> list[Artifact]:
    """Build the Keras model once and write every (format, precision) file into ``out_dir``."""
    wanted = [(exporter_for(f), exporter_for(f).check(precisions)) for f in dict.fromkeys(formats)]
    if model is None and len(wanted) > 1:
        from edgepareto.models import build_model

        model = build_model(config, seed=options.pop("seed", 0), weights=options.pop("weights", None))
    out: list[Artifact] = []
    for exporter, precs in wanted:
        out += exporter.export(config, precs, Path(out_dir), model=model, **options)
    return out

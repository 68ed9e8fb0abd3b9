"""``hosted_dir`` in an ``imagenet-published`` study: Google's own files measured instead of stand-ins.

Without it the study pairs Google's published top-1 with the latency and size of a file built
here (a *stand-in*: for int8, per-channel PTQ instead of Google's uint8 QAT). With Google's
files on disk (``mobilenet_v1_0.75_224_quant.tflite``, ``mobilenet_v1_0.75_224.tflite``), each one
found is recorded as it is, its latency and size measured, and its published top-1 attached to
that very file; the stand-in for that variant is not built. Variants with no file on disk keep
their stand-in, marked as such in the report.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from edgepareto.models import ModelConfig, Precision
from edgepareto.store import MeasurementRecord
from edgepareto.sweep.given import adopt, given_recipe, variant_of_file
from edgepareto.sweep.keys import digest, size_key
from edgepareto.sweep.plan import StudyPlan
from edgepareto.sweep.tasks import Context, Task, expand_built, latency_tasks

IMAGENET = "imagenet-val"


def hosted_name(config: ModelConfig, precision: Precision) -> str:
    """Google's file name of a variant: ``mobilenet_v1_0.25_224[_quant].tflite``."""
    alpha = f"{config.alpha:g}" if config.alpha != 1 else "1.0"
    return f"{config.family}_{alpha}_{config.resolution}{'_quant' if precision == 'int8' else ''}.tflite"


def expand_hosted(study: StudyPlan, devices: list[str], ctx: Context) -> list[Task]:
    """The study's tasks with every variant whose Google file is in ``hosted_dir`` measured from that file."""
    folder = Path(str(study.hosted_dir)).expanduser()
    builds: list[Task] = []
    found: list[tuple[ModelConfig, Precision, Path]] = []
    for config in study.configs():
        missing: list[tuple[ModelConfig, Precision, Path]] = []
        for p in map(Precision.parse, study.precisions):
            path = folder / hosted_name(config, p)
            (found if path.is_file() and p in ("fp32", "int8") else missing).append((config, p, path))
        if missing:
            sub = dataclasses.replace(
                study,
                alphas=(config.alpha,),
                resolutions=(config.resolution,),
                precisions=tuple(m[1] for m in missing),
                hosted_dir=None,
            )
            built, timed = expand_built(sub, devices, ctx)  # the same recipes, hence keys, as the whole study's
            builds += built + timed
    return [t for f in found for t in _hosted_tasks(study, f[0], f[1], f[2], devices, ctx)] + builds


def _hosted_tasks(
    study: StudyPlan, config: ModelConfig, precision: Precision, path: Path, devices: list[str], ctx: Context
) -> list[Task]:
    from edgepareto.artifacts import check_model_file, sha256_file

    check_model_file(path)  # a link to /proc or a 3 GB stray file under Google's name: refused before the hash
    sha = sha256_file(path)
    recipe, variant = given_recipe(sha), variant_of_file(path)
    top1_key = digest({"published_top1_of": sha})

    def record(c: Context) -> int:
        from edgepareto.analysis.reference import citations, published_top1

        art = adopt(c.store, path, run_id=c.run_id)
        top1 = published_top1(config.resolution).get((config.alpha, str(precision)))
        if top1 is None:
            return 0
        rec = MeasurementRecord(
            variant=art.variant,
            metric="top1",
            value=top1,
            source="published",
            dataset=IMAGENET,
            n=50000,
            artifact_sha256=sha,
            citation=citations()["hosted_models"]["citation"],
            notes=f"published top-1 of this very file ({path.name})",
            key=top1_key,
        )
        return int(c.store.add(rec, run_id=c.run_id))

    ctx.builders[recipe] = record
    from edgepareto.analysis.reference import published_top1

    published = (config.alpha, str(precision)) in published_top1(config.resolution)  # Google's 16 files
    keys = (size_key(recipe), top1_key) if published else (size_key(recipe),)
    label = f"record Google's {path.name} (size, published top-1)"
    return [
        Task("inspect", study.name, label, keys, 0.5, record),
        *latency_tasks(study, variant, recipe, ["litert"], devices),
    ]


__all__ = ["expand_hosted", "hosted_name"]

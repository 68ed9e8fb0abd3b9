"""A tiny latency-only plan, a home cache that already holds its conversion, and the store as comparable data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from edgepareto.artifacts.verify import is_intact
from edgepareto.store import Store

PLAN = """
name = "tiny"
[[study]]
name = "tiny"
kind = "latency-only"
alphas = [0.25]
resolutions = [{resolutions}]
precisions = ["fp32"]
[study.options.protocol]
warmup = 1
runs = {runs}
retry_if_noisy = 0
{extra}
"""


def write_plan(folder: Path, resolutions: str = "128", extra: str = "", runs: int = 3) -> Path:
    """The plan in ``folder``; ``extra`` lines go into its protocol overrides."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "plan.toml"
    path.write_text(PLAN.format(resolutions=resolutions, extra=extra, runs=runs))
    return path


def seed_home_cache(home: Path, plan: Path, model: Path) -> None:
    """Put ``model`` in the home cache as the plan's fp32 conversion: the sweep registers it, TensorFlow idle."""
    from edgepareto.artifacts import sha256_file
    from edgepareto.sweep import load_plan
    from edgepareto.sweep.keys import recipe_of

    study = load_plan(plan).studies[0]
    for config in study.configs():
        folder = home / "artifacts" / recipe_of(study, config, "fp32", "tflite")
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{config.name}.fp32.tflite"
        (folder / name).write_bytes(model.read_bytes())
        meta = {"file": name, "sha256": sha256_file(model), "scheme": "float32 (Google's file)"}
        (folder / "artifact.json").write_text(json.dumps(meta))


def canonical(store_path: Path) -> dict[str, Any]:
    """What a run wrote, without what differs between equal runs (ids, times, measured latency and memory, and
    whether the host's noise made a latency ``noisy``: a measurement either way)."""
    with Store(store_path) as s:
        records = sorted(
            (
                m.key,
                m.metric,
                m.variant.name,
                m.device,
                m.artifact_sha256,
                "ok" if m.status == "noisy" else m.status,
                m.value if m.metric == "size_bytes" else None,
            )
            for m in s.measurements(source="measured", include_failed=True)
        )
        artifacts = sorted(
            (
                a.sha256,
                a.recipe_key,
                a.bytes,
                a.variant.name,
                a.format,
                Path(a.path).name,
                a.scheme,
                is_intact(Path(a.path), a.sha256),
            )
            for a in s.artifacts()
        )
    return {"records": records, "artifacts": artifacts}


def sweep_cli(
    plan: Path, store: Path, env: dict[str, str], *extra: str, timeout: float = 600
) -> tuple[int, dict[str, Any] | None, str]:
    """``edgepareto sweep PLAN --json`` in a process of its own: exit status, the JSON document, stderr."""
    cmd = [sys.executable, "-m", "edgepareto", "sweep", str(plan), "--store", str(store), "--no-report",
           "--no-live", "--json", *extra]  # fmt: skip
    full = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env}
    r = subprocess.run(cmd, capture_output=True, text=True, env=full, timeout=timeout, check=False)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        doc = None
    return r.returncode, doc, r.stderr

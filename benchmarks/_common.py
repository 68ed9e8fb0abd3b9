"""Shared helpers for benchmark scripts: machine description and result writing.

Results are kept per host and per run: ``results/<host>/NAME_<YYYY-MM-DDTHHMM>.{json,md}`` (UTC, when the
script started), beside ``results/<host>/machine.json`` (what the host is: CPU, cores, kernel, Python, engine
versions). A rerun adds a dated file instead of overwriting the last one; ``results/INDEX.md`` says which file
each figure in the README quotes. ``<host>`` is the CPU model and core count (``amd-epyc-2c``), so runs on
the same kind of machine land together even when the guest's kernel build changes.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
# The script's start, in every file name it writes (a figure and its plots share it).
STAMP = time.strftime("%Y-%m-%dT%H%M", time.gmtime())
ENGINES = ("ai-edge-litert", "onnxruntime", "tensorflow-cpu", "numpy")


def machine() -> dict[str, Any]:
    """Where a figure was taken: CPU model, cores, kernel, Python, load at the start."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "loadavg_at_start": os.getloadavg(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "git": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip(),
    }


def host_name(cpu: str, cores: int | None) -> str:
    """The results folder of a host: ``Intel(R) Xeon(R) Processor`` with 2 cores -> ``intel-xeon-2c``."""
    words = re.sub(r"\((R|TM)\)|\b(Processor|CPU)\b|@.*", " ", cpu, flags=re.IGNORECASE)
    slug = "-".join(re.findall(r"[a-z0-9]+", words.lower())) or "unknown-cpu"
    return f"{slug}-{cores or 0}c"


def engine_versions() -> dict[str, str | None]:
    """The installed engines' versions (None: not installed here)."""
    out: dict[str, str | None] = {}
    for dist in ENGINES:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    return out


def host_dir() -> Path:
    """This host's results folder, with its ``machine.json`` written the first time (and kept after)."""
    m = machine()
    folder = RESULTS / host_name(m["cpu"], m["cores"])
    folder.mkdir(parents=True, exist_ok=True)
    desc = folder / "machine.json"
    if not desc.exists():
        keep = {k: m[k] for k in ("cpu", "cores", "kernel", "python")}
        doc = {**keep, "engines": engine_versions(), "described": m["date"], "source": "benchmarks/_common.py"}
        desc.write_text(json.dumps(doc, indent=2) + "\n")
    return folder


def result_stem(name: str) -> Path:
    """``results/<host>/NAME_<STAMP>``: the path, without suffix, of this run's files named NAME."""
    return host_dir() / f"{name}_{STAMP}"


def write_results(name: str, doc: dict[str, Any], markdown: str) -> tuple[Path, Path]:
    """Write ``results/<host>/NAME_<STAMP>.json`` and ``.md`` and return their paths."""
    stem = result_stem(name)
    m = {**machine(), "engines": engine_versions()}
    doc = {"command": " ".join([Path(sys.executable).name, *sys.argv]), "machine": m, **doc}
    jpath, mpath = stem.with_name(stem.name + ".json"), stem.with_name(stem.name + ".md")
    jpath.write_text(json.dumps(doc, indent=2, default=str) + "\n")
    mpath.write_text(markdown.rstrip() + f"\n\nCommand: `{doc['command']}`; machine: {doc['machine']}\n")
    return jpath, mpath

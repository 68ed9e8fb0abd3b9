"""Every benchmark script still imports and parses its arguments: a renamed API or a moved module breaks
`--help` at once, long before the lead's next benchmark run (the scripts themselves take minutes, so the
figures are never produced here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(p for p in (ROOT / "benchmarks").glob("*.py") if not p.name.startswith("_"))


def test_there_are_scripts_to_check() -> None:
    assert len(SCRIPTS) >= 20, [p.name for p in SCRIPTS]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_script_imports_and_prints_help(script: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    env["EDGEPARETO_HOME"] = str(tmp_path)
    before = sorted((ROOT / "benchmarks" / "results").rglob("*"))
    done = subprocess.run(
        [sys.executable, str(script), "--help"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("usage:"), done.stdout[:500]
    assert sorted((ROOT / "benchmarks" / "results").rglob("*")) == before, "--help must write no result"


@pytest.fixture
def common(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import _common

    monkeypatch.setattr(_common, "RESULTS", tmp_path / "results")
    return _common


def test_host_folder_is_cpu_model_and_cores(common: ModuleType) -> None:
    assert common.host_name("AMD EPYC", 2) == "amd-epyc-2c"
    assert common.host_name("Intel(R) Xeon(R) Processor", 2) == "intel-xeon-2c"
    assert common.host_name("Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz", 8) == "intel-core-i7-8650u-8c"


def test_results_go_to_this_hosts_folder_dated_beside_its_machine_description(common: ModuleType) -> None:
    jpath, mpath = common.write_results("probe", {"rows": [1]}, "# probe")
    m = common.machine()
    host = common.RESULTS / common.host_name(m["cpu"], m["cores"])
    assert jpath == host / f"probe_{common.STAMP}.json" and mpath == host / f"probe_{common.STAMP}.md"
    described = json.loads((host / "machine.json").read_text())
    assert described["cpu"] == m["cpu"] and described["cores"] == m["cores"]
    assert set(described["engines"]) == set(common.ENGINES)
    assert json.loads(jpath.read_text())["rows"] == [1]
    assert "machine:" in mpath.read_text()

"""Acceptance: `edgepareto sweep --devices xu4,rpi4` against two sshd "boards" with fake Exynos 5422 / RPi 4 trees.

Both boards' fingerprints and measurements land in the store and the report lists both; killing
one sshd in the middle loses no finished measurement and the rerun completes the rest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from edgepareto.store import Store
from tests.bench.fakesys import make_exynos5422, make_rpi4

pytestmark = pytest.mark.e2e  # end to end: sweeps or boards in child processes (make test-all)

PLAN = """
name = "boards"
[[study]]
name = "boards"
kind = "latency-only"
alphas = [0.25]
resolutions = [32]
precisions = ["fp32", "int8"]
calibration_samples = 4
[study.options.protocol]
min_runs = 5
max_runs = 200
time_limit_s = 1.0
"""


def _inventory(tmp: Path, boards) -> Path:
    text = ""
    for b in boards:
        env = ", ".join(f'{k} = "{v}"' for k, v in b.env)
        text += (
            f'[boards.{b.name}]\nhost = "127.0.0.1"\nport = {b.port}\nuser = "{b.user}"\nkey = "{b.key_file}"\n'
            f'known_hosts = "{b.known_hosts}"\npython = "{b.python}"\nremote_dir = "{b.remote_dir}"\n'
            f"env = {{ {env} }}\n\n"
        )
    path = tmp / "boards.toml"
    path.write_text(text)
    return path


def _sweep(tmp: Path, inventory: Path, *extra: str) -> subprocess.Popen:
    plan = tmp / "plan.toml"
    plan.write_text(PLAN)
    cmd = [
        sys.executable,
        "-m",
        "edgepareto",
        "sweep",
        str(plan),
        "--store",
        str(tmp / "r" / "results.sqlite"),
        "--devices",
        "xu4,rpi4",
        "--inventory",
        str(inventory),
        "--retries",
        "1",
        "--no-live",
        "--json",
        *extra,
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _latency(tmp: Path) -> dict[str, tuple[int | None, str, float | None]]:
    path = tmp / "r" / "results.sqlite"
    if not path.exists():
        return {}
    with Store(path) as s:
        recs = s.measurements(metric="latency_ms", source="measured", include_noisy=True)  # loaded hosts store noisy
    return {m.key: (m.id, m.device, m.value) for m in recs}


def test_sweep_on_two_boards_killed_mid_run_then_resumed(tmp_path, make_board, fixtures_dir):
    xu4, _ = make_board("xu4", env=tuple(sorted(make_exynos5422(tmp_path / "fake-xu4").items())))
    rpi4, rpi4_sshd = make_board("rpi4", env=tuple(sorted(make_rpi4(tmp_path / "fake-rpi4").items())))
    inventory = _inventory(tmp_path, [xu4, rpi4])

    p = _sweep(tmp_path, inventory, "--no-report")
    deadline = time.monotonic() + 400
    while p.poll() is None and time.monotonic() < deadline:
        if any(dev.startswith("rpi4") for _, dev, _ in _latency(tmp_path).values()):
            rpi4_sshd.kill()  # the board drops off while its next measurement runs
            break
        time.sleep(0.1)
    out, err = p.communicate(timeout=400)
    first = json.loads(out)
    assert first["status"] == "finished with failures", err[-3000:]
    assert any("board rpi4" in f["error"] for f in first["failures"])
    kept = _latency(tmp_path)
    assert {d.split()[0] for _, d, _ in kept.values()} == {"xu4", "rpi4"}
    assert sum(d.startswith("xu4") for _, d, _ in kept.values()) == 4  # 2 clusters x fp32/int8: untouched by rpi4

    rpi4_sshd.start()
    r = _sweep(tmp_path, inventory, "--report", str(tmp_path / "report"))
    out, err = r.communicate(timeout=400)
    assert r.returncode == 0, (err[-3000:], out[-3000:])
    second = json.loads(out)  # stdout is exactly one JSON document
    assert second["status"] == "finished", second["failures"]
    after = _latency(tmp_path)
    assert len(after) == 6 and all(after[k] == v for k, v in kept.items())  # nothing finished was redone
    assert all(v is not None and v > 0 for _, _, v in after.values())
    assert second["skipped"] == 1 + len(kept)  # the conversion (both precisions) and the kept measurements

    with Store(tmp_path / "r" / "results.sqlite") as s:
        boards = {d.name: d for d in s.devices() if d.kind == "board"}
    assert set(boards) == {"xu4 Cortex-A7 (LITTLE)", "xu4 Cortex-A15 (big)", "rpi4 Cortex-A72"}
    big = boards["xu4 Cortex-A15 (big)"].fingerprint
    assert big["cluster"]["cpus"] == [4, 5, 6, 7] and big["cluster"]["max_freq_khz"] == 2000000
    assert boards["rpi4 Cortex-A72"].fingerprint["arch"].startswith("arm")
    md = Path(second["report"]["markdown"]).read_text()
    assert "xu4 Cortex-A15 (big)" in md and "rpi4 Cortex-A72" in md


def test_board_devices_follow_the_plans_clusters(tmp_path, make_board):
    from edgepareto.remote import parse_devices
    from edgepareto.sweep import board_devices

    xu4, _ = make_board("xu4", env=tuple(sorted(make_exynos5422(tmp_path / "fx").items())), clusters=("A7", "A15"))
    rpi4, _ = make_board("rpi4", env=tuple(sorted(make_rpi4(tmp_path / "fr").items())))
    devices, where, notes = board_devices([xu4, rpi4], {"big"})
    assert [d.name for d in devices] == ["xu4 Cortex-A15 (A15)"]  # the inventory's names label the clusters
    assert where["xu4 Cortex-A15 (A15)"] == {"board": "xu4", "cluster": "big", "cpus": [4, 5, 6, 7]}
    assert len(notes) == 1 and "board rpi4 has none of the plan's clusters" in notes[0]
    inv = _inventory(tmp_path, [xu4, rpi4])
    boards, host = parse_devices("rpi4,host", inv)
    assert [b.name for b in boards] == ["rpi4"] and host

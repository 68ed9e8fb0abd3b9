"""Slow: the farm against real ARM userlands, Debian bookworm arm64 and armhf run under qemu-user.

Built (or reused from the cache) by ``tests/remote/armboard.py`` (``scripts/build-arm-rootfs.sh``),
each system runs its own Debian sshd on 127.0.0.1 with its own host key, its own Python 3.11 and
NumPy 1.24, and (arm64 only) the newest aarch64 ai-edge-litert wheel; a fake Exynos 5422 /sys and
/proc is copied into it. armhf has no TFLite runtime (none is published for 32-bit Arm); there the
farm runs ``benchmark_model`` over SSH. That binary is ``tests/remote/benchmark_model_standin.py``,
a STAND-IN printing the real tool's log format (it times reads of the model file, not inference).

Skipped with the reason when root, debootstrap, qemu-user-static or binfmt_misc are missing.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from edgepareto.bench import Protocol
from edgepareto.remote._benchmark_model import counted_runs
from edgepareto.store import Store
from tests.conftest import QUANT_MODEL
from tests.remote import armboard
from tests.remote.test_sweep_boards import _latency

pytestmark = pytest.mark.slow

STANDIN = Path(__file__).with_name("benchmark_model_standin.py")
STANDIN_ON_BOARD = "/opt/edgepareto-standin/benchmark_model"

PLAN = """
name = "emulated"
[[study]]
name = "emulated"
kind = "latency-only"
alphas = [0.25]
resolutions = [32]
precisions = ["fp32", "int8"]
calibration_samples = 4
[study.options.protocol]
warmup = 1
min_runs = 3
max_runs = 5
time_limit_s = 2.0
"""


@dataclass
class Emulated:
    root: Path
    stamp: dict
    env: dict[str, str]
    sshd: armboard.ChrootSshd
    known_hosts: Path


@pytest.fixture(scope="session")
def qemu():
    why = armboard.unavailable(("arm64", "armhf"))
    if why:
        pytest.skip(why)
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(armboard.binfmt(("arm64", "armhf")))  # unregistered again at the session's end
        except (OSError, subprocess.CalledProcessError, RuntimeError) as exc:
            pytest.skip(f"cannot register qemu-user in {armboard.BINFMT} ({exc}); emulated ARM boards cannot run here")
        yield


def _system(arch: str, user_key: Path, tmp: Path):
    root, stamp = armboard.ensure_rootfs(arch)  # minutes the first time, then cached
    env = armboard.install_fake_soc(root)
    sshd = armboard.ChrootSshd(root, Path(f"{user_key}.pub")).start()
    known = tmp / "known_hosts"
    known.write_text(sshd.known_hosts_line())
    try:
        yield Emulated(root, stamp, env, sshd, known)
    finally:
        sshd.stop()


@pytest.fixture(scope="session")
def arm64(qemu, user_key, tmp_path_factory):
    yield from _system("arm64", user_key, tmp_path_factory.mktemp("arm64"))


@pytest.fixture(scope="session")
def armhf(qemu, user_key, tmp_path_factory):
    yield from _system("armhf", user_key, tmp_path_factory.mktemp("armhf"))


def _inventory(tmp: Path, user_key: Path, board: Emulated, names: dict[str, str]) -> Path:
    """``names``: board name -> extra TOML lines. The same lines a real board would have, plus the fake tree."""
    env = ", ".join(f'{k} = "{v}"' for k, v in sorted(board.env.items()))
    text = (
        f'[defaults]\nhost = "127.0.0.1"\nport = {board.sshd.port}\nuser = "root"\nkey = "{user_key}"\n'
        f'known_hosts = "{board.known_hosts}"\npython = "/usr/bin/python3"\nproject = "tests"\n'
        f"connect_timeout = 60\nenv = {{ {env} }}\n\n"
    )
    for name, extra in names.items():
        text += f"[boards.{name}]\n{extra}\n"
    path = tmp / "boards.toml"
    path.write_text(text)
    return path


def _cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "COLUMNS": "400"}
    return subprocess.run(
        [sys.executable, "-m", "edgepareto", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


def _sweep(tmp: Path, inventory: Path, devices: str, *extra: str) -> subprocess.Popen:
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
        devices,
        "--inventory",
        str(inventory),
        "--retries",
        "1",
        "--no-live",
        "--json",
        "--no-report",
        *extra,
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _stored(tmp: Path):
    with Store(tmp / "r" / "results.sqlite") as s:
        devices = {d.name: d for d in s.devices() if d.kind == "board"}
        records = s.measurements(metric="latency_ms", source="measured", include_failed=True)
    return devices, records


EXYNOS = [("LITTLE", "Cortex-A7", "0-3"), ("big", "Cortex-A15", "4-7")]


def test_arm64_board_boards_and_a_sweep_killed_mid_run_then_resumed(arm64, user_key, tmp_path, fixtures_dir):
    versions = arm64.stamp["versions"]  # read inside the chroot when it was built
    assert versions["machine"] == "aarch64" and versions["ai-edge-litert"].startswith("1.")
    inv = _inventory(tmp_path, user_key, arm64, {"arm64": 'clusters = ["LITTLE", "big"]'})

    out = _cli("boards", "--inventory", str(inv), "--json")
    assert out.returncode == 0, out.stderr[-2000:]
    (b,) = json.loads(out.stdout)["boards"]
    assert b["status"] == "ok", b.get("error")
    fp = b["fingerprint"]
    assert fp["machine"] == "aarch64" and b["versions"]["machine"] == "aarch64"
    assert fp["runtimes"] == {
        "python": versions["python"],
        "numpy": versions["numpy"],
        "ai-edge-litert": versions["ai-edge-litert"],
    }
    assert [(c["name"], c["core"], c["cpu_list"]) for c in fp["clusters"]] == EXYNOS
    assert fp["emulation"].startswith("qemu-user: this Python is aarch64 but /proc/cpuinfo describes")
    assert b["emulation"] == fp["emulation"]
    human = _cli("boards", "--inventory", str(inv))
    assert human.returncode == 0 and "ok, emulated" in human.stdout and "Cortex-A15" in human.stdout

    p = _sweep(tmp_path, inv, "arm64")
    deadline = time.monotonic() + 900
    while p.poll() is None and time.monotonic() < deadline:
        if _latency(tmp_path):
            arm64.sshd.kill()  # the board drops off while its next measurement runs
            break
        time.sleep(0.2)
    out_, err = p.communicate(timeout=900)
    first = json.loads(out_)
    assert first["status"] == "finished with failures", err[-3000:]
    assert any("board arm64" in f["error"] for f in first["failures"])
    kept = _latency(tmp_path)
    assert 1 <= len(kept) < 4

    arm64.sshd.start()
    r = _sweep(tmp_path, inv, "arm64")
    out_, err = r.communicate(timeout=900)
    assert r.returncode == 0, (err[-3000:], out_[-3000:])
    second = json.loads(out_)
    assert second["status"] == "finished", second["failures"]
    after = _latency(tmp_path)
    assert len(after) == 4 and all(after[k] == v for k, v in kept.items())  # nothing finished was redone or lost

    devices, records = _stored(tmp_path)
    assert set(devices) == {"arm64 Cortex-A7 (LITTLE, emulated)", "arm64 Cortex-A15 (big, emulated)"}
    for d in devices.values():
        assert d.fingerprint["machine"] == "aarch64" and d.fingerprint["emulation"].startswith("qemu-user")
        assert d.fingerprint["versions"]["runtime"] == f"ai-edge-litert {versions['ai-edge-litert']}"
    assert devices["arm64 Cortex-A15 (big, emulated)"].fingerprint["cluster"]["cpus"] == [4, 5, 6, 7]
    # qemu's timings are noisy: a latency stored `noisy` is a measured, kept record (issue 25), not a failure
    assert len(records) == 4 and all(m.status in ("ok", "noisy") and m.value > 0 for m in records)
    per = {(m.variant.precision, m.device) for m in records}
    assert len(per) == 4  # one record per variant (fp32, int8) and cluster (LITTLE, big)
    for m in records:
        assert m.engine_version == f"ai-edge-litert {versions['ai-edge-litert']}"
        assert m.tool_versions["python"] == versions["python"] and m.tool_versions["numpy"] == versions["numpy"]
        assert m.tool_versions["ai-edge-litert"] == versions["ai-edge-litert"]  # the board's, not this host's
        assert m.tool_versions["board machine"] == "aarch64"
        assert m.notes.startswith("emulated (qemu-user") and m.record["device"]["emulation"].startswith("qemu-user")
        assert any(w.startswith("emulated (qemu-user") for w in m.record["warnings"])


def test_arm64_version_drift_is_a_failed_measurement_with_the_runtimes_message(arm64, user_key, tmp_path, fixtures_dir):
    from ai_edge_litert.interpreter import Interpreter

    newer = armboard.newer_op_model(QUANT_MODEL, tmp_path / "softmax_v4.tflite")
    Interpreter(model_path=str(newer)).allocate_tensors()  # this host's newer LiteRT loads it ...
    inv = _inventory(tmp_path, user_key, arm64, {"arm64": ""})
    out = _cli("boards", "--inventory", str(inv), "--measure", str(newer), "--cluster", "big", "--json")
    assert out.returncode == 0, out.stderr[-2000:]  # ... the board's cannot: a failed measurement, the farm goes on
    doc = json.loads(out.stdout)
    (m,) = doc["measurements"]
    assert m["status"] == "failed" and doc["not_done"] == [] and doc["failed_boards"] == {}
    assert "Didn't find op for builtin opcode 'SOFTMAX' version '4'" in m["error"] and "\n" not in m["error"]
    assert m["device"]["emulation"].startswith("qemu-user")


def test_armhf_board_without_runtime_then_with_benchmark_model(armhf, user_key, tmp_path, fixtures_dir):
    versions = armhf.stamp["versions"]
    assert versions["machine"] == "armv7l" and "ai-edge-litert" not in versions
    target = armhf.root / STANDIN_ON_BOARD.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(STANDIN, target)
    target.chmod(0o755)
    inv = _inventory(tmp_path, user_key, armhf, {"armhf": "", "armhf-bm": f'benchmark_model = "{STANDIN_ON_BOARD}"'})

    out = _cli("boards", "--inventory", str(inv), "--json")
    assert out.returncode == 1, out.stderr[-2000:]  # a board with no runtime is not ready: `boards` says so
    boards = {b["name"]: b for b in json.loads(out.stdout)["boards"]}
    bare, bm = boards["armhf"], boards["armhf-bm"]
    assert bare["status"] == "runtime"
    assert bare["error"].startswith(
        f"board armhf: no TFLite runtime for /usr/bin/python3 (Python {versions['python']}, armv7l): "
        "neither ai-edge-litert nor tflite-runtime publishes a wheel for 32-bit Arm; install TFLite's C++ "
        "benchmark_model"
    )
    assert "\n" not in bare["error"]
    assert [(c["name"], c["core"]) for c in bare["fingerprint"]["clusters"]] == [c[:2] for c in EXYNOS]
    assert bm["status"] == "ok" and bm["measures_with"] == f"benchmark_model {STANDIN_ON_BOARD}"
    assert bm["fingerprint"]["emulation"].startswith("qemu-user: this Python is armv7l")
    human = _cli("boards", "--inventory", str(inv))
    assert human.returncode == 1
    lines = [ln for ln in human.stdout.splitlines() if ln.startswith("armhf:")]
    assert len(lines) == 1 and "no TFLite runtime" in lines[0]  # one line, naming what can be installed

    p = _sweep(tmp_path, inv, "armhf-bm")
    out_, err = p.communicate(timeout=900)
    assert p.returncode == 0, err[-3000:]
    assert json.loads(out_)["status"] == "finished"
    devices, records = _stored(tmp_path)
    assert set(devices) == {"armhf-bm Cortex-A7 (LITTLE, emulated)", "armhf-bm Cortex-A15 (big, emulated)"}
    assert len(records) == 4 and len({(m.variant.precision, m.device) for m in records}) == 4
    for m in records:
        runs = counted_runs(Protocol.from_json(m.record["protocol"]))  # all processes' counted runs, in one log
        assert m.status == "ok" and m.value > 0 and m.n == runs  # read back from the log
        assert m.engine == "tflite benchmark_model" and m.record["source"] == "imported"
        assert m.record["protocol"]["warmup"] == 1
        assert m.record["pinning"]["command"][0] == STANDIN_ON_BOARD  # fake /sys: not pinned, said so
        assert f"--num_runs={runs}" in m.record["pinning"]["command"]
        assert m.tool_versions["python"] == versions["python"] and "ai-edge-litert" not in m.tool_versions
        assert m.notes.startswith("emulated (qemu-user: this Python is armv7l")

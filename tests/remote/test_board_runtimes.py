"""Boards' own software (fast, on this host's sshd): emulation flags, a board without a TFLite runtime,
and TFLite's ``benchmark_model`` run over SSH with the protocol's settings and imported.

The ``benchmark_model`` here is ``tests/remote/benchmark_model_standin.py``: a STAND-IN that prints
the real tool's 2.x log format (it times reads of the model file, not inference). The same checks
on emulated arm64/armhf Debian systems are the slow tests in ``test_emulated_boards.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from edgepareto.bench.cpus import detect_emulation
from edgepareto.bench.protocol import Protocol
from edgepareto.errors import ConfigError
from edgepareto.remote import RemoteBoard, fingerprint, load_inventory, measure
from edgepareto.remote._benchmark_model import counted_runs
from edgepareto.remote.board import describe
from tests.conftest import QUANT_MODEL

STANDIN = Path(__file__).with_name("benchmark_model_standin.py")
QUICK = Protocol.fast(warmup=2, min_runs=3, max_runs=6, time_limit_s=1.0, timeout_s=60.0)

X86_CPUINFO = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu sse2 avx2\n"
ARM_CPUINFO = "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\nCPU part\t: 0xd08\n"


@pytest.mark.parametrize(
    ("cpuinfo", "machine", "needle"),
    [
        (X86_CPUINFO, "aarch64", "qemu-user: this Python is aarch64 but /proc/cpuinfo describes AMD EPYC 7B13 (x86)"),
        (X86_CPUINFO, "armv7l", "qemu-user: this Python is armv7l"),
        (ARM_CPUINFO, "x86_64", "qemu-user: this Python is x86_64 but /proc/cpuinfo describes an arm CPU"),
        (X86_CPUINFO.replace("AMD EPYC 7B13", "QEMU Virtual CPU version 2.5+"), "x86_64", "QEMU virtual CPU"),
        (ARM_CPUINFO, "aarch64", None),
        (X86_CPUINFO, "x86_64", None),
        ("", "aarch64", None),  # nothing to go by: only the inventory's emulated = true can say so
    ],
)
def test_emulation_is_detected_from_the_real_cpuinfo(cpuinfo, machine, needle):
    why = detect_emulation(cpuinfo, machine)
    assert (why is None) if needle is None else (why is not None and why.startswith(needle)), why


def test_this_host_is_not_emulated_even_behind_a_fake_tree(tmp_path, monkeypatch):
    from edgepareto.bench.cpus import discover_host
    from tests.bench.fakesys import make_exynos5422

    for k, v in make_exynos5422(tmp_path).items():
        monkeypatch.setenv(k, v)
    fp = discover_host()
    assert fp.clusters[1].core == "Cortex-A15"  # the fake tree's CPUs ...
    assert fp.emulation is None and fp.machine  # ... but the real /proc/cpuinfo matches this Python's machine
    assert fp.to_json()["emulation"] is None


def test_inventory_takes_emulated_and_benchmark_model(tmp_path):
    inv = tmp_path / "boards.toml"
    inv.write_text('[boards.a]\nhost = "h"\nemulated = true\nbenchmark_model = "/opt/tflite/benchmark_model"\n')
    (b,) = load_inventory(inv).values()
    assert b.emulated and b.benchmark_model == "/opt/tflite/benchmark_model"
    assert b.to_json()["emulated"] is True and b.to_json()["benchmark_model"] == "/opt/tflite/benchmark_model"
    for bad, needle in (
        ('emulated = "yes"', "emulated must be true or false"),
        ('benchmark_model = "bin/bm"', "benchmark_model must be an absolute path"),
    ):
        inv.write_text(f'[boards.a]\nhost = "h"\n{bad}\n')
        with pytest.raises(ConfigError, match=needle):
            load_inventory(inv)


@pytest.fixture(scope="session")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A board's Python with the standard library only: no NumPy, no TFLite runtime."""
    venv = tmp_path_factory.mktemp("bare-python") / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True)
    return str(venv / "bin" / "python")


@pytest.fixture(scope="session")
def standin(bare_python: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The stand-in as an executable run by the bare Python (its own shebang names Debian's /usr/bin/python3)."""
    path = tmp_path_factory.mktemp("standin") / "benchmark_model"
    path.write_text(f"#!{bare_python}\n" + STANDIN.read_text().split("\n", 1)[1])
    path.chmod(0o755)
    return str(path)


def test_a_board_without_runtime_is_one_line_naming_what_to_install(make_board, bare_python):
    board, _ = make_board("bare", python=bare_python)
    doc = describe(board)
    assert doc["status"] == "runtime"
    assert "\n" not in doc["error"] and doc["error"].startswith(f"board bare: NumPy is not installed for {bare_python}")
    assert doc["fingerprint"]["clusters"]  # the standard library alone describes the board


def test_no_runtime_line_names_what_exists_for_the_architecture():
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "src/edgepareto/remote/_agent.py"
    spec = importlib.util.spec_from_file_location("_agent_under_test", path)
    assert spec and spec.loader
    saved = list(sys.path)
    try:
        agent = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(agent)
    finally:
        sys.path[:] = saved  # the agent puts its own folder first (it runs flat on boards)
    v = {"executable": "/usr/bin/python3", "python": "3.11.2", "numpy": "1.24.2", "runtime": None}
    arm32 = agent.missing({**v, "machine": "armv7l"})
    assert arm32.startswith("no TFLite runtime for /usr/bin/python3 (Python 3.11.2, armv7l): neither ai-edge-litert")
    assert "benchmark_model" in arm32 and "elinux_armhf" in arm32 and "\n" not in arm32
    arm64 = agent.missing({**v, "machine": "aarch64"})
    assert "pip install ai-edge-litert" in arm64 and "(Python 3.11.2, aarch64)" in arm64


def test_benchmark_model_runs_over_ssh_with_the_protocols_settings_pinned(
    make_board, bare_python, standin, fixtures_dir
):
    board, _ = make_board("bm", python=bare_python, benchmark_model=standin)
    doc = describe(board)
    assert doc["status"] == "ok" and doc["measures_with"] == f"benchmark_model {standin}"
    assert doc["note"].startswith("NumPy is not installed")  # what is missing is still said
    with RemoteBoard(board) as rb:
        fp = rb.fingerprint()
        cluster = fp.clusters[-1]
        m = rb.measure(QUANT_MODEL, protocol=QUICK, threads=1, cluster=cluster.name)
    assert m.ok, m.error
    assert m.source == "imported" and m.engine == "tflite benchmark_model"
    assert m.model == str(QUANT_MODEL) and m.cluster == cluster.name and m.cpus == list(cluster.cpus)
    # Read back from the tool's log: all the runs the protocol asks for (one process: its processes' runs in a row).
    assert m.runs == counted_runs(QUICK) == QUICK.runs * QUICK.processes and m.protocol["warmup"] == QUICK.warmup
    assert m.median_ms and m.median_ms > 0 and m.device["id"] == fp.id
    cmd = m.pinning["command"]
    assert cmd[:3] == [cmd[0], "-c", cluster.cpu_list] and cmd[0].endswith("taskset")  # pinned to the cluster
    assert cmd[3] == standin and cmd[4].startswith("--graph=") and cmd[4].endswith(".tflite")
    for flag in (
        "--num_threads=1",
        f"--num_runs={counted_runs(QUICK)}",
        f"--warmup_runs={QUICK.warmup}",
        "--run_delay=0",
    ):
        assert flag in cmd


def test_a_model_the_tool_cannot_load_is_a_failed_measurement_with_its_message(
    make_board, bare_python, standin, tmp_path
):
    board, _ = make_board("bm", python=bare_python, benchmark_model=standin)
    bad = tmp_path / "broken.tflite"
    bad.write_bytes(b"not a flatbuffer at all" * 100)
    m = measure(board, bad, QUICK)
    assert (
        not m.ok
        and m.error == "on board bm: benchmark_model exited with status 1: The model is not a valid Flatbuffer buffer"
    )
    missing = make_board("bm2", python=bare_python, benchmark_model="/nonexistent/benchmark_model")[0]
    m = measure(missing, bad, QUICK)  # a file made here: the check needs no shared fixture
    assert not m.ok and "benchmark_model /nonexistent/benchmark_model not found" in m.error


@pytest.mark.e2e
def test_inventory_emulated_flag_marks_fingerprint_measurements_and_devices(make_board, fixtures_dir):
    from edgepareto.sweep import board_devices

    board, _ = make_board("emu", emulated=True)
    assert fingerprint(board).emulation == "emulated = true in the inventory"
    m = measure(board, QUANT_MODEL, QUICK)
    assert m.ok and m.device["emulation"] == "emulated = true in the inventory"
    assert any(w.startswith("emulated (emulated = true in the inventory)") for w in m.warnings)
    devices, _, _ = board_devices([board], {"all"})
    assert devices and all(d.name.endswith("emulated)") for d in devices)
    assert all(d.fingerprint["emulation"] == "emulated = true in the inventory" for d in devices)


def test_board_records_carry_the_boards_versions_and_the_emulation_note():
    from edgepareto.bench import Measurement
    from edgepareto.store import MeasurementRecord, Variant
    from edgepareto.sweep.boards import board_records

    rec = MeasurementRecord(
        variant=Variant("mobilenet_v1", 0.25, 128, 1000, "int8"),
        metric="latency_ms",
        value=40.0,
        source="measured",
        device="arm64 Cortex-A15 (big, emulated)",
        key="k",
    )
    device = {"runtimes": {"python": "3.11.2", "numpy": "1.24.2", "ai-edge-litert": "1.4.0"}, "machine": "aarch64",
              "emulation": "qemu-user: this Python is aarch64 but /proc/cpuinfo describes AMD EPYC (x86)"}  # fmt: skip
    m = Measurement(status="ok", model="m.tflite", engine="litert", threads=1, protocol={}, device=device)
    (out,) = board_records([rec], m)
    assert out.tool_versions["ai-edge-litert"] == "1.4.0" and out.tool_versions["numpy"] == "1.24.2"
    assert out.tool_versions["python"] == "3.11.2" and out.tool_versions["board machine"] == "aarch64"
    assert "onnxruntime" not in out.tool_versions and "edgepareto" in out.tool_versions  # the host's own tools stay
    assert out.notes.startswith("emulated (qemu-user: this Python is aarch64")
    bare = Measurement(
        status="ok", model="m.tflite", engine="litert", threads=1, protocol={}, device={"runtimes": {"python": "3.9.2"}}
    )
    (plain,) = board_records([rec], bare)
    assert plain.notes is None and plain.tool_versions["python"] == "3.9.2" and "numpy" not in plain.tool_versions

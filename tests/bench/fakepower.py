"""Fake power sensors in the kernel's own layouts, with counters that advance as a test drives them.

- :class:`FakeRapl`: ``devices/virtual/powercap/intel-rapl/intel-rapl:0[/intel-rapl:0:N]`` with the
  class links ``class/powercap/intel-rapl:*`` (powercap.rst): ``name`` (package-0, core, uncore, dram),
  ``energy_uj`` (cumulative µJ, wraps at ``max_energy_range_uj``), ``enabled``. Its files change only
  on update ticks (every ``update_s`` of the test's clock), like the hardware's ~1 ms updates.
- :func:`make_ina3221`: ``class/hwmon/hwmonN`` with ``name`` ina3221, ``in[123]_label``,
  ``in[123]_enable``, ``in[123]_input`` (mV), ``curr[123]_input`` (mA), ``update_interval`` (ms), as on a
  Jetson Orin module (VDD_IN, VDD_CPU_GPU_CV, VDD_SOC); :func:`make_ina238`: ``power1_input`` (µW).
- :class:`FakeClock`: a monotonic clock whose ``sleep`` advances it (and calls the sensors' hooks).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

#: A Skylake package's max_energy_range_uj (2^32 energy units of 61 µJ), as read on real hosts.
MAX_RANGE_UJ = 262143328850


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text.endswith("\n") else text + "\n")


def set_value(path: Path, value: int) -> None:
    """Change a sensor file at once (sysfs reads never see a half-written value)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(f"{value}\n")
    os.replace(tmp, path)


class FakeClock:
    """Seconds that pass only when the test says so; ``hooks`` see every step (sensors accumulate energy)."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.hooks: list[Callable[[float, float], None]] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds
        for hook in self.hooks:
            hook(seconds, self.t)


class FakeRapl:
    """One package (core, uncore, DRAM subzones) whose counters hold what was added up to the last update tick."""

    def __init__(
        self, root: str | Path, *, start_uj: int = 1_000_000, update_s: float = 0.001, dram: bool = True
    ) -> None:
        self.sys = Path(root) / "sys"
        self.update_s = update_s
        self.exact = {"package-0": float(start_uj), "core": float(start_uj // 2), "uncore": 0.0}
        if dram:
            self.exact["dram"] = float(start_uj // 4)
        base = self.sys / "devices/virtual/powercap/intel-rapl"
        _write(base / "enabled", "1")
        self.paths: dict[str, Path] = {}
        pkg = base / "intel-rapl:0"
        self._zone(pkg, "package-0", "intel-rapl:0")
        for i, zone in enumerate(z for z in self.exact if z != "package-0"):
            self._zone(pkg / f"intel-rapl:0:{i}", zone, f"intel-rapl:0:{i}")
        self._next_tick = 0.0
        self.flush()

    def _zone(self, d: Path, name: str, link: str) -> None:
        _write(d / "name", name)
        _write(d / "max_energy_range_uj", str(MAX_RANGE_UJ))
        _write(d / "enabled", "1")
        _write(d / "constraint_0_name", "long_term")
        self.paths[name] = d / "energy_uj"
        cls = self.sys / "class/powercap"
        cls.mkdir(parents=True, exist_ok=True)
        os.symlink(d, cls / link)

    def add(self, joules: float, zone: str = "package-0") -> None:
        self.exact[zone] += joules * 1e6

    def flush(self) -> None:
        for zone, uj in self.exact.items():
            set_value(self.paths[zone], int(uj) % MAX_RANGE_UJ)

    def clocked(self, idle_w: float, dram_w: float = 0.0) -> Callable[[float, float], None]:
        """A clock hook: idle power flows in every step; the files change on update ticks only."""

        def hook(dt: float, now: float) -> None:
            self.add(idle_w * dt)
            self.add(idle_w * 0.6 * dt, "core")
            if "dram" in self.exact:
                self.add(dram_w * dt, "dram")
            if now >= self._next_tick:
                self.flush()
                self._next_tick = now + self.update_s

        return hook


def make_ina3221(root: str | Path, *, update_ms: int = 1, mw: tuple[int, int] = (5000, 1000)) -> dict[str, Path]:
    """An Orin-style INA3221 at hwmon1: VDD_IN (the module's input) and two rails inside it; returns its files."""
    d = Path(root) / "sys/class/hwmon/hwmon1"
    _write(d / "name", "ina3221")
    _write(d / "update_interval", str(update_ms))
    for i, (label, mv, ma) in enumerate(
        [("VDD_IN", 5000, 1000), ("VDD_CPU_GPU_CV", 5000, 300), ("VDD_SOC", 5000, 400)], start=1
    ):
        _write(d / f"in{i}_label", label)
        _write(d / f"in{i}_enable", "1")
        _write(d / f"in{i}_input", str(mv))
        _write(d / f"curr{i}_input", str(ma))
        _write(d / f"shunt{i}_resistor", "10000")
    return {"mv": d / "in1_input", "ma": d / "curr1_input"}


def make_ina238(root: str | Path, *, update_ms: int | None = 1, uw: int = 2_000_000) -> Path:
    """An INA238 at hwmon2 (``power1_input`` in µW); returns that file."""
    d = Path(root) / "sys/class/hwmon/hwmon2"
    _write(d / "name", "ina238")
    _write(d / "in1_input", "5000")
    _write(d / "curr1_input", "400")
    _write(d / "power1_input", str(uw))
    if update_ms is not None:
        _write(d / "update_interval", str(update_ms))
    return d / "power1_input"


class CpuDrivenRapl:
    """Drives a :class:`FakeRapl` package counter in real time from the CPU time of measuring processes.

    A separate process (so that the test's own threads cannot starve it) updates the counter every ~1 ms:
    energy = idle W x elapsed + ``cpu_w`` x the on-CPU seconds (``/proc/PID/schedstat``) of the ``_child.py``
    processes whose command line holds ``marker`` (this test's folder, not another test's). A model run then
    costs ``cpu_w`` x its CPU time above idle, as a core drawing ``cpu_w`` more while busy would.
    """

    def __init__(self, rapl: FakeRapl, marker: str, *, idle_w: float = 2.0, cpu_w: float = 10.0) -> None:
        self.argv = [str(rapl.paths["package-0"]), marker, str(idle_w), str(cpu_w), str(rapl.exact["package-0"])]
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> CpuDrivenRapl:
        self.proc = subprocess.Popen([sys.executable, __file__, *self.argv])
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _child_pids(marker: bytes) -> list[int]:
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                cmd = Path(f"/proc/{name}/cmdline").read_bytes()
            except OSError:
                continue
            if b"_child.py" in cmd and marker in cmd:
                pids.append(int(name))
    return pids


def _drive(path: str, marker: str, idle_w: float, cpu_w: float, start_uj: float) -> None:
    """The driving loop (runs until terminated)."""
    cpu_ns: dict[int, int] = {}
    pids: list[int] = []
    t0, n = time.monotonic(), 0
    while True:
        if n % 20 == 0:
            pids = _child_pids(marker.encode())
        n += 1
        for pid in pids:
            try:
                cpu_ns[pid] = max(int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]), cpu_ns.get(pid, 0))
            except (OSError, ValueError, IndexError):
                continue
        uj = start_uj + 1e6 * (idle_w * (time.monotonic() - t0) + cpu_w * sum(cpu_ns.values()) / 1e9)
        set_value(Path(path), int(uj) % MAX_RANGE_UJ)
        time.sleep(0.001)


if __name__ == "__main__":
    _drive(sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))

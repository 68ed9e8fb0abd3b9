"""Fake sysfs/procfs trees of real boards, written in the kernel's own file formats.

``make_exynos5422(root)`` (ODROID-XU4: 4x Cortex-A7 @ 1.4 GHz + 4x Cortex-A15 @ 2.0 GHz, 32-bit kernel)
and ``make_rpi4(root)`` (Raspberry Pi 4: 4x Cortex-A72 @ 1.5 GHz, 64-bit kernel) create
``root/sys`` and ``root/proc`` and return the environment that points edgepareto at them
(``EDGEPARETO_SYSFS_ROOT`` / ``EDGEPARETO_PROC_ROOT``). Formats: cpuinfo_max_freq and
scaling_cur_freq in kHz, cpu_capacity out of 1024, ``CPU part : 0xc07``, cache sizes like
``512K``, CPU lists like ``0-7``, thermal_zone*/temp in millidegrees Celsius.
"""

from __future__ import annotations

from pathlib import Path

_ARMV7_FEATURES = "half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt"
_A72_FEATURES = "fp asimd evtstrm crc32 cpuid"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text.endswith("\n") else text + "\n")


def env_for(root: str | Path) -> dict[str, str]:
    root = Path(root)
    return {"EDGEPARETO_SYSFS_ROOT": str(root / "sys"), "EDGEPARETO_PROC_ROOT": str(root / "proc")}


def _cpu(
    sys_root: Path, cpu: int, *, max_khz: int, min_khz: int, capacity: int | None, caches: list[tuple], related: str
) -> None:
    base = sys_root / "devices/system/cpu" / f"cpu{cpu}"
    _write(base / "online", "1")
    freq = base / "cpufreq"
    _write(freq / "cpuinfo_max_freq", str(max_khz))
    _write(freq / "cpuinfo_min_freq", str(min_khz))
    _write(freq / "scaling_cur_freq", str(max_khz))
    _write(freq / "scaling_max_freq", str(max_khz))
    _write(freq / "scaling_governor", "performance")
    _write(freq / "related_cpus", " ".join(_expand(related)))
    if capacity is not None:
        _write(base / "cpu_capacity", str(capacity))
    for i, (level, kind, size, shared) in enumerate(caches):
        idx = base / "cache" / f"index{i}"
        _write(idx / "level", str(level))
        _write(idx / "type", kind)
        _write(idx / "size", size)
        _write(idx / "shared_cpu_list", shared)


def _expand(cpu_list: str) -> list[str]:
    lo, _, hi = cpu_list.partition("-")
    return [str(i) for i in range(int(lo), int(hi or lo) + 1)]


def _cpuinfo_block(
    cpu: int, *, model: str | None, bogomips: str, features: str, arch: int, variant: str, part: str, revision: int
) -> str:
    lines = [f"processor\t: {cpu}"]
    if model:
        lines.append(f"model name\t: {model}")
    lines += [
        f"BogoMIPS\t: {bogomips}",
        f"Features\t: {features}",
        "CPU implementer\t: 0x41",
        f"CPU architecture: {arch}",
        f"CPU variant\t: {variant}",
        f"CPU part\t: {part}",
        f"CPU revision\t: {revision}",
    ]
    return "\n".join(lines) + "\n"


def _thermal(sys_root: Path, zones: list[tuple[str, int]]) -> None:
    for i, (kind, milli) in enumerate(zones):
        z = sys_root / "class/thermal" / f"thermal_zone{i}"
        _write(z / "type", kind)
        _write(z / "temp", str(milli))


def make_exynos5422(root: str | Path, *, online: str = "0-7", temp_milli: int = 45000) -> dict[str, str]:
    """ODROID-XU4: CPUs 0-3 Cortex-A7 (0xc07) @ 1.4 GHz, 512K L2; CPUs 4-7 Cortex-A15 (0xc0f) @ 2.0 GHz, 2M L2."""
    root = Path(root)
    s, p = root / "sys", root / "proc"
    blocks = []
    for cpu in range(8):
        big = cpu >= 4
        shared = "4-7" if big else "0-3"
        _cpu(
            s,
            cpu,
            max_khz=2000000 if big else 1400000,
            min_khz=200000,
            capacity=1024 if big else 446,
            caches=[
                (1, "Data", "32K", str(cpu)),
                (1, "Instruction", "32K", str(cpu)),
                (2, "Unified", "2048K" if big else "512K", shared),
            ],
            related=shared,
        )
        blocks.append(
            _cpuinfo_block(
                cpu,
                model="ARMv7 Processor rev 3 (v7l)",
                bogomips="120.00" if big else "84.00",
                features=_ARMV7_FEATURES,
                arch=7,
                variant="0x2" if big else "0x0",
                part="0xc0f" if big else "0xc07",
                revision=3,
            )
        )
    _write(s / "devices/system/cpu/online", online)
    _write(s / "devices/system/cpu/present", "0-7")
    _write(s / "devices/system/cpu/possible", "0-7")
    _thermal(
        s,
        [
            ("cpu0-thermal", temp_milli),
            ("cpu1-thermal", temp_milli - 2000),
            ("cpu2-thermal", temp_milli - 1000),
            ("cpu3-thermal", temp_milli),
            ("gpu-thermal", 40000),
        ],
    )
    tail = "\nHardware\t: ODROID-XU4\nRevision\t: 0100\nSerial\t\t: 0000000000000000\n"
    _write(p / "cpuinfo", "\n".join(blocks) + tail)
    _write(p / "sys/kernel/osrelease", "4.14.180-odroidxu4")
    return env_for(root)


def make_rpi4(root: str | Path, *, online: str = "0-3", temp_milli: int = 48686) -> dict[str, str]:
    """Raspberry Pi 4 Model B: 4x Cortex-A72 (0xd08) @ 1.5 GHz, 1M shared L2, one cpu-thermal zone."""
    root = Path(root)
    s, p = root / "sys", root / "proc"
    blocks = []
    for cpu in range(4):
        _cpu(
            s,
            cpu,
            max_khz=1500000,
            min_khz=600000,
            capacity=1024,
            caches=[(1, "Data", "32K", str(cpu)), (1, "Instruction", "48K", str(cpu)), (2, "Unified", "1024K", "0-3")],
            related="0-3",
        )
        blocks.append(
            _cpuinfo_block(
                cpu,
                model=None,
                bogomips="108.00",
                features=_A72_FEATURES,
                arch=8,
                variant="0x0",
                part="0xd08",
                revision=3,
            )
        )
    _write(s / "devices/system/cpu/online", online)
    _write(s / "devices/system/cpu/present", "0-3")
    _write(s / "devices/system/cpu/possible", "0-3")
    _thermal(s, [("cpu-thermal", temp_milli)])
    _write(s / "firmware/devicetree/base/model", "Raspberry Pi 4 Model B Rev 1.4\x00")
    tail = "\nHardware\t: BCM2835\nRevision\t: d03114\nSerial\t\t: 10000000abcdef01\n"
    _write(p / "cpuinfo", "\n".join(blocks) + tail + "Model\t\t: Raspberry Pi 4 Model B Rev 1.4\n")
    _write(p / "sys/kernel/osrelease", "6.1.21-v8+")
    return env_for(root)


def set_offline(root: str | Path, cpu: int, online: str) -> None:
    """Take ``cpu`` offline as the kernel shows it: its ``online`` file reads 0, the global list shrinks."""
    root = Path(root)
    _write(root / "sys/devices/system/cpu" / f"cpu{cpu}" / "online", "0")
    _write(root / "sys/devices/system/cpu/online", online)


def set_cur_freq(root: str | Path, cpu: int, khz: int) -> None:
    _write(Path(root) / "sys/devices/system/cpu" / f"cpu{cpu}" / "cpufreq/scaling_cur_freq", str(khz))


def set_temp(root: str | Path, zone: int, milli: int) -> None:
    _write(Path(root) / "sys/class/thermal" / f"thermal_zone{zone}" / "temp", str(milli))

"""CPU topology of this host (clusters from sysfs and /proc/cpuinfo), pinning, and its verification.

A cluster is a set of online cores of one kind: same ``CPU part`` (Arm) or core type (x86 hybrid),
same maximum frequency and ``cpu_capacity``. Standard library only (shipped to boards as is); every
sysfs/procfs read goes through :mod:`._sysfs`, so a fake tree stands in for a board in tests.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import platform
import re
from dataclasses import asdict, dataclass, field
from typing import Any

try:  # package import inside edgepareto; flat import when the files sit in one folder (a board)
    from edgepareto.bench._sysfs import (
        ConfigError,
        DeviceError,
        format_cpu_list,
        is_fake,
        parse_cpu_list,
        proc_path,
        read_int,
        read_text,
        sysfs_path,
        sysfs_root,
    )
except ImportError:  # pragma: no cover - exercised by the flat-copy test and the board agent
    from _sysfs import (  # type: ignore[no-redef]
        ConfigError,
        DeviceError,
        format_cpu_list,
        is_fake,
        parse_cpu_list,
        proc_path,
        read_int,
        read_text,
        sysfs_path,
        sysfs_root,
    )

#: Arm ``CPU part`` numbers (implementer 0x41) -> core names, from the Arm TRMs / Linux cputype.h.
ARM_PARTS = {
    0xC05: "Cortex-A5", 0xC07: "Cortex-A7", 0xC08: "Cortex-A8", 0xC09: "Cortex-A9", 0xC0D: "Cortex-A12",
    0xC0E: "Cortex-A17", 0xC0F: "Cortex-A15", 0xD01: "Cortex-A32", 0xD03: "Cortex-A53", 0xD04: "Cortex-A35",
    0xD05: "Cortex-A55", 0xD06: "Cortex-A65", 0xD07: "Cortex-A57", 0xD08: "Cortex-A72", 0xD09: "Cortex-A73",
    0xD0A: "Cortex-A75", 0xD0B: "Cortex-A76", 0xD0C: "Neoverse-N1", 0xD0D: "Cortex-A77", 0xD40: "Neoverse-V1",
    0xD41: "Cortex-A78", 0xD44: "Cortex-X1", 0xD46: "Cortex-A510", 0xD47: "Cortex-A710", 0xD48: "Cortex-X2",
    0xD49: "Neoverse-N2", 0xD4D: "Cortex-A715", 0xD4E: "Cortex-X3", 0xD80: "Cortex-A520", 0xD81: "Cortex-A720",
    0xD82: "Cortex-X4",
}  # fmt: skip

#: SIMD features the inference kernels depend on: cpuinfo flag -> the name we report.
_ARM_SIMD = {"neon": "neon", "asimd": "neon", "asimddp": "dotprod", "i8mm": "i8mm", "asimdhp": "fp16",
             "sve": "sve", "sve2": "sve2", "bf16": "bf16", "sme": "sme"}  # fmt: skip
_X86_SIMD = {"sse4_2": "sse4.2", "avx": "avx", "avx2": "avx2", "fma": "fma", "f16c": "f16c", "avx512f": "avx512f",
             "avx512bw": "avx512bw", "avx512_vnni": "avx512_vnni", "avx_vnni": "avx_vnni",
             "avx512_bf16": "avx512_bf16", "amx_int8": "amx_int8"}  # fmt: skip

#: Cluster names by count, slowest first.
_NAMES = {1: ("all",), 2: ("LITTLE", "big"), 3: ("LITTLE", "middle", "big")}


@dataclass(frozen=True)
class Cluster:
    """Cores of one kind; ``name`` is what ``--cluster`` takes (``core`` and ``cpu_list`` also match)."""

    name: str
    cpus: tuple[int, ...]
    core: str
    max_freq_khz: int | None = None
    capacity: int | None = None
    caches: dict[str, str] = field(default_factory=dict)  # "L1d" -> "32K", "L2" -> "512K"
    simd: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.cpus:
            raise ConfigError(f"cluster {self.name!r}: cpus must not be empty")

    @property
    def cpu_list(self) -> str:
        return format_cpu_list(self.cpus)

    def matches(self, name: str) -> bool:
        key = name.strip().lower()
        core = self.core.lower()
        return key in (self.name.lower(), core, core.replace("cortex-", ""), self.cpu_list)

    def __str__(self) -> str:
        freq = f" @ {self.max_freq_khz / 1e6:.2f} GHz" if self.max_freq_khz else ""
        return f"{self.name}: {len(self.cpus)}x {self.core}{freq} (CPUs {self.cpu_list})"

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["cpus"] = list(self.cpus)
        d["simd"] = list(self.simd)
        d["cpu_list"] = self.cpu_list
        d["model"] = self.core  # the sweep names devices by it
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Cluster:
        return cls(
            name=d["name"],
            cpus=tuple(int(c) for c in d["cpus"]),
            core=d.get("core") or d.get("model") or "unknown",
            max_freq_khz=d.get("max_freq_khz"),
            capacity=d.get("capacity"),
            caches=dict(d.get("caches") or {}),
            simd=tuple(d.get("simd") or ()),
        )


@dataclass(frozen=True)
class Fingerprint:
    """What identifies a device: CPU model per cluster, frequencies, caches, SIMD, kernel, runtimes."""

    id: str
    arch: str
    hardware: str
    cpu_model: str
    kernel: str
    cpus_online: tuple[int, ...]
    cpus_offline: tuple[int, ...]
    clusters: tuple[Cluster, ...]
    runtimes: dict[str, str] = field(default_factory=dict)
    sysfs_root: str | None = None  # set when the tree is fake (tests, fake boards)
    machine: str | None = None  # uname -m of the Python that looked (under qemu-user: the emulated one)
    emulation: str | None = None  # why these CPUs are emulated (qemu), or None: see detect_emulation()

    def cluster(self, name: str) -> Cluster:
        """The cluster called ``name`` (or its core type, or its CPU list); one-line error naming the choices."""
        for c in self.clusters:
            if c.matches(name):
                return c
        choices = ", ".join(f"{c.name} ({c.core}, CPUs {c.cpu_list})" for c in self.clusters)
        raise DeviceError(f"cluster {name!r} does not exist on this host; choose one of: {choices}")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "arch": self.arch,
            "hardware": self.hardware,
            "cpu_model": self.cpu_model,
            "kernel": self.kernel,
            "cpus_online": list(self.cpus_online),
            "cpus_offline": list(self.cpus_offline),
            "clusters": [c.to_json() for c in self.clusters],
            "runtimes": dict(self.runtimes),
            "sysfs_root": self.sysfs_root,
            "machine": self.machine,
            "emulation": self.emulation,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Fingerprint:
        return cls(
            id=d["id"],
            arch=d.get("arch", ""),
            hardware=d.get("hardware", ""),
            cpu_model=d.get("cpu_model", ""),
            kernel=d.get("kernel", ""),
            cpus_online=tuple(d.get("cpus_online") or ()),
            cpus_offline=tuple(d.get("cpus_offline") or ()),
            clusters=tuple(Cluster.from_json(c) for c in d.get("clusters") or ()),
            runtimes=dict(d.get("runtimes") or {}),
            sysfs_root=d.get("sysfs_root"),
            machine=d.get("machine"),
            emulation=d.get("emulation"),
        )


# -- /proc/cpuinfo ---------------------------------------------------------------------------


def parse_cpuinfo(text: str) -> tuple[dict[int, dict[str, str]], dict[str, str]]:
    """Per-processor key/value blocks and the trailing global block (``Hardware``, ``Model`` on Arm)."""
    per_cpu: dict[int, dict[str, str]] = {}
    extra: dict[str, str] = {}
    for block in re.split(r"\n\s*\n", text):
        kv: dict[str, str] = {}
        for line in block.splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                kv[k.strip()] = v.strip()
        if "processor" in kv and kv["processor"].isdigit():
            per_cpu[int(kv["processor"])] = kv
        else:
            extra.update(kv)
    return per_cpu, extra


def simd_features(flags: str, arm: bool) -> tuple[str, ...]:
    table = _ARM_SIMD if arm else _X86_SIMD
    found = {table[f] for f in flags.split() if f in table}
    return tuple(sorted(found))


def _core_name(info: dict[str, str], core_type: str | None) -> str:
    part = info.get("CPU part")
    if part:
        try:
            num = int(part, 16)
        except ValueError:
            num = -1
        impl = info.get("CPU implementer", "0x41").lower()
        if impl == "0x41" and num in ARM_PARTS:
            return ARM_PARTS[num]
        return f"part {part} (implementer {impl})"
    name = info.get("model name") or info.get("Processor") or platform.processor() or "unknown"
    return f"{name} {core_type}" if core_type else name


def _caches(cpu: int) -> dict[str, str]:
    out: dict[str, str] = {}
    for index in sorted(glob.glob(sysfs_path(f"devices/system/cpu/cpu{cpu}/cache/index*"))):
        level = read_text(os.path.join(index, "level"))
        kind = read_text(os.path.join(index, "type")) or ""
        size = read_text(os.path.join(index, "size"))
        if not level or not size:
            continue
        suffix = {"Data": "d", "Instruction": "i"}.get(kind, "")
        out[f"L{level}{suffix}"] = size
    return out


def _core_types() -> dict[int, str]:
    """x86 hybrid parts (Alder Lake and later) list their P/E cores under /sys/devices/cpu_core|cpu_atom."""
    out: dict[int, str] = {}
    for pmu, label in (("cpu_core", "P-core"), ("cpu_atom", "E-core")):
        text = read_text(sysfs_path(f"devices/{pmu}/cpus"))
        if text:
            for c in parse_cpu_list(text):
                out[c] = label
    return out


def online_cpus() -> list[int]:
    text = read_text(sysfs_path("devices/system/cpu/online"))
    if text:
        return parse_cpu_list(text)
    return sorted(os.sched_getaffinity(0)) if not is_fake() else []


def _present_cpus() -> list[int]:
    text = read_text(sysfs_path("devices/system/cpu/present")) or read_text(sysfs_path("devices/system/cpu/possible"))
    if text:
        return parse_cpu_list(text)
    return sorted(int(m) for m in re.findall(r"cpu(\d+)$", " ".join(glob.glob(sysfs_path("devices/system/cpu/cpu*")))))


def _runtimes() -> dict[str, str]:
    """Installed engine versions, read from package metadata (no engine import: cheap and side-effect free)."""
    from importlib import metadata

    out = {"python": platform.python_version()}
    for dist in ("numpy", "ai-edge-litert", "tflite-runtime", "onnxruntime"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out


def discover_host() -> Fingerprint:
    """Clusters of this host (or of the fake tree the env vars point at), slowest cluster first."""
    cpuinfo_text = read_text(proc_path("cpuinfo")) or ""
    per_cpu, extra = parse_cpuinfo(cpuinfo_text)
    online = online_cpus()
    present = _present_cpus()
    offline = sorted(set(present) - set(online))
    types = _core_types()
    arm = any("CPU part" in kv for kv in per_cpu.values())
    groups: dict[tuple[Any, ...], list[int]] = {}
    facts: dict[tuple[Any, ...], tuple[str, int | None, int | None, dict[str, str], tuple[str, ...]]] = {}
    for cpu in online:
        info = per_cpu.get(cpu) or (next(iter(per_cpu.values())) if per_cpu and not arm else {})
        core = _core_name(info, types.get(cpu))
        fmax = read_int(sysfs_path(f"devices/system/cpu/cpu{cpu}/cpufreq/cpuinfo_max_freq"))
        cap = read_int(sysfs_path(f"devices/system/cpu/cpu{cpu}/cpu_capacity"))
        caches = _caches(cpu)
        simd = simd_features(info.get("Features") or info.get("flags") or "", arm)
        key = (core, fmax, cap, tuple(sorted(caches.items())), simd)
        groups.setdefault(key, []).append(cpu)
        facts[key] = (core, fmax, cap, caches, simd)
    ordered = sorted(groups, key=lambda k: (facts[k][2] or 0, facts[k][1] or 0, min(groups[k])))
    names = _NAMES.get(len(ordered)) or tuple(f"cluster{i}" for i in range(len(ordered)))
    clusters = []
    for name, key in zip(names, ordered, strict=True):
        core, fmax, cap, caches, simd = facts[key]
        clusters.append(Cluster(name, tuple(groups[key]), core, fmax, cap, caches, simd))
    if arm:
        cpu_model = " + ".join(f"{len(c.cpus)}x {c.core}" for c in reversed(clusters))
        version = next((kv.get("CPU architecture") for kv in per_cpu.values() if kv.get("CPU architecture")), "")
        arch = f"armv{version}" if version else "arm"
    else:
        first = next(iter(per_cpu.values()), {})
        cpu_model = first.get("model name") or platform.processor() or platform.machine()
        arch = platform.machine() if not is_fake() else (first.get("flags") and "x86_64") or "unknown"
    hardware = (
        extra.get("Model")
        or extra.get("Hardware")
        or read_text(sysfs_path("firmware/devicetree/base/model"))
        or read_text(sysfs_path("class/dmi/id/product_name"))
        or ""
    ).strip("\x00 ")
    kernel = read_text(proc_path("sys/kernel/osrelease")) or platform.release()
    body = {
        "arch": arch,
        "hardware": hardware,
        "cpu_model": cpu_model,
        "kernel": kernel,
        "clusters": [c.to_json() for c in clusters],
        "cpus_offline": offline,
    }
    ident = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    return Fingerprint(
        id=ident,
        arch=arch,
        hardware=hardware,
        cpu_model=cpu_model,
        kernel=kernel,
        cpus_online=tuple(online),
        cpus_offline=tuple(offline),
        clusters=tuple(clusters),
        runtimes=_runtimes(),
        sysfs_root=sysfs_root() if is_fake() else None,
        machine=platform.machine() or None,
        emulation=detect_emulation(),
    )


def _family(machine: str) -> str | None:
    m = machine.lower()
    if m in ("x86_64", "amd64", "i386", "i486", "i586", "i686", "x86"):
        return "x86"
    if m.startswith(("arm", "aarch64")):
        return "arm"
    return None


def detect_emulation(cpuinfo: str | None = None, machine: str | None = None) -> str | None:
    """Why this process runs on emulated CPUs, or None. Reads the REAL ``/proc/cpuinfo`` (never a fake tree).

    qemu-user passes the host's ``/proc/cpuinfo`` through: an aarch64 Python that sees x86 ``flags``
    (or an x86 Python that sees Arm ``CPU part`` lines) is emulated. A QEMU system guest says
    ``QEMU`` in its CPU model. Other emulators are not detected: set ``emulated = true`` for the
    board in the inventory.
    """
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
                cpuinfo = f.read()
        except OSError:
            return None
    machine = machine if machine is not None else platform.machine()
    per_cpu, _ = parse_cpuinfo(cpuinfo)
    first = next(iter(per_cpu.values()), {})
    if "vendor_id" in first or "flags" in first:
        seen = "x86"
    elif "CPU part" in first or "CPU architecture" in first:
        seen = "arm"
    else:
        seen = None
    model = first.get("model name") or first.get("Processor") or ""
    own = _family(machine)
    if own and seen and own != seen:
        what = f"{model} ({seen})" if model else f"an {seen} CPU"
        return f"qemu-user: this Python is {machine} but /proc/cpuinfo describes {what}"
    if "qemu" in model.lower():
        return f"QEMU virtual CPU: /proc/cpuinfo says {model!r}"
    return None


# -- choosing, pinning and verifying CPUs ----------------------------------------------------


def resolve_cpus(fp: Fingerprint, *, cluster: str | None = None, cpus: list[int] | str | None = None) -> list[int]:
    """The CPU list to pin to: a cluster's cores or an explicit list, checked against the online CPUs."""
    if cluster is not None and cpus is not None:
        raise ConfigError("give either a cluster or a CPU list, not both")
    if cluster is not None:
        return list(fp.cluster(cluster).cpus)
    if cpus is None:
        return []
    ids = parse_cpu_list(cpus) if isinstance(cpus, str) else sorted({int(c) for c in cpus})
    if not ids:
        raise ConfigError("the CPU list is empty; give ids like 0-3 or 4,5")
    bad = sorted(set(ids) - set(fp.cpus_online))
    if bad:
        online = format_cpu_list(fp.cpus_online)
        raise DeviceError(
            f"CPUs {format_cpu_list(bad)} are offline or absent on this host (online: {online}); "
            f"choose from {online} or bring them online (echo 1 > /sys/devices/system/cpu/cpuN/online)"
        )
    return ids

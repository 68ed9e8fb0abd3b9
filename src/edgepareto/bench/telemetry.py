"""Frequency, temperature and memory around the timed runs: throttling flags and cool-down waits.

Files are opened once and re-read with ``os.pread`` (a few microseconds, outside the timed window).
Where sysfs has no cpufreq or thermal zones (VMs, containers) telemetry says "unavailable" rather
than inventing figures. Standard library only: shipped to boards as is.
"""

from __future__ import annotations

import glob
import os
import resource
import sys
import time
from typing import Any

try:  # package import inside edgepareto; flat import when the files sit in one folder (a board)
    from edgepareto.bench._sysfs import proc_path, read_text, sysfs_path
except ImportError:  # pragma: no cover - flat copies (board agent, flat-copy test); no-redef: same names
    from _sysfs import proc_path, read_text, sysfs_path  # type: ignore[no-redef]

#: A run counts as throttled when a measured core's frequency after it is this much below the start.
THROTTLE_DROP = 0.05
_MAX_FLAGGED = 20


def _open(path: str) -> int | None:
    try:
        return os.open(path, os.O_RDONLY)
    except OSError:
        return None


def _pread_int(fd: int) -> int | None:
    try:
        return int(os.pread(fd, 64, 0).split()[0])
    except (OSError, ValueError, IndexError):
        return None


class Sampler:
    """Current frequency of the measured cores and temperature of every thermal zone, read cheaply."""

    def __init__(self, cpus: list[int]) -> None:
        self.cpus = list(cpus)
        self._freq_fds: list[int] = []
        seen: set[int] = set()
        for c in self.cpus:  # one file per frequency domain: cores in a cluster share one clock
            if c in seen:
                continue
            base = f"devices/system/cpu/cpu{c}/cpufreq/"
            related = (read_text(sysfs_path(base + "related_cpus")) or str(c)).split()
            seen.update(int(x) for x in related if x.isdigit())
            seen.add(c)
            fd = _open(sysfs_path(base + "scaling_cur_freq"))
            if fd is not None:
                self._freq_fds.append(fd)
        self.zones: list[str] = []
        self._temp_fds: list[int] = []
        for zone in sorted(glob.glob(sysfs_path("class/thermal/thermal_zone*"))):
            fd = _open(os.path.join(zone, "temp"))
            if fd is None or _pread_int(fd) is None:
                if fd is not None:
                    os.close(fd)
                continue
            self._temp_fds.append(fd)
            self.zones.append(read_text(os.path.join(zone, "type")) or os.path.basename(zone))

    @property
    def has_freq(self) -> bool:
        return bool(self._freq_fds)

    @property
    def has_temp(self) -> bool:
        return bool(self._temp_fds)

    def min_freq_khz(self) -> int | None:
        """Lowest current frequency over the measured cores (the one that throttles first)."""
        vals = [v for v in (_pread_int(fd) for fd in self._freq_fds) if v is not None]
        return min(vals) if vals else None

    def max_temp_c(self) -> float | None:
        """Hottest thermal zone, in degrees Celsius (sysfs gives millidegrees)."""
        vals = [v for v in (_pread_int(fd) for fd in self._temp_fds) if v is not None]
        return max(vals) / 1000.0 if vals else None

    def temps_c(self) -> dict[str, float]:
        out = {}
        for name, fd in zip(self.zones, self._temp_fds, strict=True):
            v = _pread_int(fd)
            if v is not None:
                out[name] = v / 1000.0
        return out

    def close(self) -> None:
        for fd in self._freq_fds + self._temp_fds:
            os.close(fd)
        self._freq_fds, self._temp_fds = [], []


class RunLog:
    """Per-run telemetry, summarised into throttling flags and warnings.

    After each run: the frequency (one read per clock domain). Before each run only when there are
    pauses (without pauses the previous run's reading is the "before"). Temperatures at most every
    ``temp_every_s``: they change slowly, and reading every zone each run would cost more than the harness.
    """

    def __init__(self, sampler: Sampler | None, temp_every_s: float = 0.1) -> None:
        self.sampler = sampler
        self.freq_before: list[int | None] = []
        self.freq_after: list[int | None] = []
        self.temps: list[float] = []
        self.start: dict[str, Any] = {}
        self._temp_every_ns = int(temp_every_s * 1e9)
        self._next_temp = 0

    @property
    def active(self) -> bool:
        return self.sampler is not None and (self.sampler.has_freq or self.sampler.has_temp)

    def begin(self) -> None:
        s = self.sampler
        if s is not None:
            self.start = {"freq_khz": s.min_freq_khz(), "temps_c": s.temps_c()}

    def before(self) -> None:
        """Only with pauses: the frequency right before the run, after the core may have clocked down."""
        self.freq_before.append(self.sampler.min_freq_khz())  # type: ignore[union-attr]  # called only when active

    def after(self, now_ns: int) -> None:
        s = self.sampler
        if s.has_freq:  # type: ignore[union-attr]  # after() is called only when active: a sampler
            self.freq_after.append(s.min_freq_khz())  # type: ignore[union-attr]  # as above
        if now_ns >= self._next_temp and s.has_temp:  # type: ignore[union-attr]  # as above
            self._next_temp = now_ns + self._temp_every_ns
            t = s.max_temp_c()  # type: ignore[union-attr]  # as above
            if t is not None:
                self.temps.append(t)

    def summary(self) -> dict[str, Any]:
        after = self.freq_after
        before = self.freq_before if len(self.freq_before) == len(after) else [self.start.get("freq_khz"), *after[:-1]]
        return summarize_telemetry(self.start, before, after, self.temps, self.sampler, _end(self.sampler))


def _end(s: Sampler | None) -> dict[str, Any]:
    return {} if s is None else {"freq_khz": s.min_freq_khz(), "temps_c": s.temps_c()}


def throttled_runs(
    start_khz: int | None, before: list[int | None], after: list[int | None], drop: float = THROTTLE_DROP
) -> list[int]:
    """Indices of runs whose frequency fell during the run, or sits ``drop`` below the starting frequency."""
    out = []
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        if a is None:
            continue
        if (b is not None and a < b * (1 - drop)) or (start_khz and a < start_khz * (1 - drop)):
            out.append(i)
    return out


def summarize_telemetry(
    start: dict[str, Any],
    before: list[int | None],
    after: list[int | None],
    temps: list[float],
    sampler: Sampler | None,
    end: dict[str, Any],
) -> dict[str, Any]:
    """Start/end readings, throttled runs and warnings; ``available`` says which readings sysfs offered."""
    has_freq = bool(sampler and sampler.has_freq)
    has_temp = bool(sampler and sampler.has_temp)
    out: dict[str, Any] = {
        "available": {"frequency": has_freq, "thermal": has_temp},
        "start": start,
        "end": end,
        "throttled_runs": 0,
        "warnings": [],
    }
    if not has_freq and not has_temp:
        out["note"] = "unavailable: this host's sysfs has no cpufreq or thermal zones"
        return out
    if has_freq:
        freqs = [f for f in after if f is not None]
        flagged = throttled_runs(start.get("freq_khz"), before, after)
        out["throttled_runs"] = len(flagged)
        out["throttled_run_indices"] = flagged[:_MAX_FLAGGED]
        if freqs:
            out["freq_khz_min"] = min(freqs)
            out["freq_khz_max"] = max(freqs)
        if flagged:
            out["warnings"].append(
                f"throttled: the measured cores' frequency dropped in {len(flagged)} of {len(after)} runs; "
                f"cool the board (--cool-down-to C) or add pauses (--pause S)"
            )
    vals = [t for t in temps if t is not None]
    if vals:
        out["temp_c_max"] = max(vals)
    return out


def cool_down(sampler: Sampler, to_c: float, timeout_s: float = 300.0, poll_s: float = 1.0) -> dict[str, Any]:
    """Wait until the hottest thermal zone is below ``to_c``; gives up after ``timeout_s`` with a warning."""
    if not sampler.has_temp:
        return {"waited_s": 0.0, "reached": None, "warning": "--cool-down-to ignored: no thermal zones in sysfs"}
    t0 = time.monotonic()
    while True:
        temp = sampler.max_temp_c()
        waited = time.monotonic() - t0
        if temp is None or temp < to_c:
            return {"waited_s": waited, "reached": True, "temp_c": temp}
        if waited >= timeout_s:
            return {
                "waited_s": waited,
                "reached": False,
                "temp_c": temp,
                "warning": f"still {temp:.1f} °C after {waited:.0f} s of cooling (wanted < {to_c:g} °C)",
            }
        time.sleep(poll_s)


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far: ``VmHWM`` of /proc/self/status.

    Not ``getrusage``: Linux carries the forking parent's peak across exec into ``ru_maxrss``, so a child
    started from a 1 GB sweep process would report 1 GB. getrusage is the fallback where procfs lacks it.
    """
    status = read_text(proc_path("self/status")) or ""
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                return int(parts[1]) * 1024  # kB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024

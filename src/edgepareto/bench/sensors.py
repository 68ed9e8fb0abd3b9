"""Power and energy sensors a Linux user space can read: one small class per source, all through :mod:`._sysfs`.

- :class:`Rapl` — the powercap class's RAPL zones (``class/powercap/intel-rapl:*``): ``name``,
  ``energy_uj`` (cumulative µJ) and ``max_energy_range_uj`` (where the counter wraps), as
  ``Documentation/power/powercap/powercap.rst`` gives them; package zones plus DRAM subzones (core and
  uncore are inside the package, so they are read as detail, never added). Since Linux 5.10
  ``energy_uj`` is readable by root only (CVE-2020-8694): :meth:`Rapl.available` says so with the fix.
- :class:`Ina3221` — hwmon rail monitors on Jetson modules (``Documentation/hwmon/ina3221.rst``):
  ``in[123]_input`` bus voltage in mV, ``curr[123]_input`` current in mA, ``in[123]_label``,
  ``in[123]_enable``, ``update_interval`` in ms. A channel labelled ``*_IN`` is the module's input
  (the others are rails inside it) and is read alone; without one the enabled channels are summed.
- :class:`Ina2xx` — INA219/226/230/231/260 and INA228/237/238 (``ina2xx.rst``, ``ina238.rst``):
  ``power1_input`` in µW, ``update_interval`` in ms where the chip has one.
- :class:`PowerLog` — an external meter: a CSV of ``unix_seconds,watts`` rows a user's meter writes
  (``EDGEPARETO_POWER_LOG``), read back over the window.

Each class has ``available()`` (None when readable, else one line saying why not) and ``read()``.
Counters (RAPL) are read at the window's two ends; instantaneous powers (hwmon) are sampled by a thread
at the sensor's update interval and integrated (trapezoids); the log is integrated after the window.
Standard library only: shipped flat to boards with the rest of the bench core.
"""

from __future__ import annotations

import csv
import glob
import itertools
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

try:  # package import inside edgepareto; flat import when the files sit in one folder (a board)
    from edgepareto.bench._sysfs import ConfigError, read_int, read_text, sysfs_path
except ImportError:  # pragma: no cover - flat copies (board agent, flat-copy test); no-redef: same names
    from _sysfs import ConfigError, read_int, read_text, sysfs_path  # type: ignore[no-redef]

#: Which source to use: auto (first available of RAPL, INA3221, INA2xx), one of SOURCES, or off.
ENV_SENSOR = "EDGEPARETO_POWER_SENSOR"
#: An external meter's CSV log (``unix_seconds,watts`` per row); used when set.
ENV_LOG = "EDGEPARETO_POWER_LOG"
SOURCES = ("rapl", "ina3221", "ina2xx", "external")
#: RAPL has no update_interval file; its energy status registers update about every millisecond
#: (Hähnel et al., "Measuring energy consumption for short code paths using RAPL", 2012).
RAPL_UPDATE_S = 0.001
INA2XX_NAMES = ("ina219", "ina220", "ina226", "ina230", "ina231", "ina260", "ina228", "ina237", "ina238")
RAPL_FIX = (
    "RAPL's energy_uj is readable by root only since Linux 5.10; run as root, or once per boot "
    "`sudo chmod a+r /sys/class/powercap/intel-rapl:*/energy_uj /sys/class/powercap/intel-rapl:*:*/energy_uj`"
)


@dataclass(frozen=True)
class Span:
    """What a sensor saw over one window: energy, duration, and how many sensor updates fell inside it."""

    energy_j: float
    seconds: float
    updates: float
    samples: int = 0

    def __post_init__(self) -> None:
        if self.seconds < 0 or self.updates < 0:
            raise ConfigError(f"a span needs seconds and updates >= 0, got {self.seconds}, {self.updates}")

    @property
    def watts(self) -> float:
        return self.energy_j / self.seconds if self.seconds > 0 else 0.0


def _readable(path: str) -> str | None:
    """None when ``path`` can be opened for reading; else why not (permission named apart)."""
    try:
        with open(path, "rb") as f:
            f.read(64)
        return None
    except PermissionError:
        return "permission"
    except OSError as exc:
        return exc.strerror or "unreadable"


def _hwmon_dirs(names: tuple[str, ...]) -> list[tuple[str, str]]:
    """(chip name, folder holding its attributes) for every hwmon device named in ``names``."""
    out = []
    for d in sorted(glob.glob(sysfs_path("class/hwmon/hwmon*"))):
        name = read_text(os.path.join(d, "name"))
        if name not in names:
            continue
        attrs = d if glob.glob(os.path.join(d, "*_input")) else os.path.join(d, "device")  # pre-3.x layout
        out.append((name, attrs))
    return out


class Rapl:
    """RAPL energy counters under powercap: package zones and their DRAM subzones, in µJ, wrap handled."""

    name = "rapl"
    kind = "counter"

    def __init__(self) -> None:
        self.zones: list[tuple[str, str, int]] = []  # (zone name, energy_uj path, max_energy_range_uj)
        self.detail: list[tuple[str, str, int]] = []  # core, uncore: inside the package, shown not added
        for d in sorted(glob.glob(sysfs_path("class/powercap/intel-rapl:*"))):
            zname = read_text(os.path.join(d, "name")) or os.path.basename(d)
            entry = (zname, os.path.join(d, "energy_uj"), read_int(os.path.join(d, "max_energy_range_uj")) or 0)
            if not os.path.exists(entry[1]):
                continue
            if zname.startswith("package") or zname == "dram":
                self.zones.append(entry)
            elif zname in ("core", "uncore"):
                self.detail.append(entry)
        self.update_interval_s: float | None = RAPL_UPDATE_S

    def available(self) -> str | None:
        if not self.zones:
            return "no RAPL package zone under class/powercap"
        why = _readable(self.zones[0][1])
        if why == "permission":
            return f"permission denied reading {self.zones[0][1]}: {RAPL_FIX}"
        return None if why is None else f"{self.zones[0][1]}: {why}"

    def read(self) -> list[int]:
        """The raw counters of the package/DRAM zones, then the detail zones, in µJ."""
        out = []
        for _, path, _ in self.zones + self.detail:
            with open(path, encoding="ascii") as f:
                out.append(int(f.read().split()[0]))
        return out

    def energy_j(self, before: list[int], after: list[int]) -> tuple[float, dict[str, float]]:
        """Joules between two reads (package + DRAM), with every zone's own share; one wrap per zone undone."""
        per: dict[str, float] = {}
        for (zname, _, top), a, b in zip(self.zones + self.detail, before, after, strict=True):
            delta = b - a
            if delta < 0:  # the counter passed max_energy_range_uj and started again from 0
                delta += top
            per[zname] = per.get(zname, 0.0) + delta / 1e6
        total = sum(per[z] for z in dict.fromkeys(n for n, _, _ in self.zones))
        return total, per

    def describe(self) -> dict[str, Any]:
        return {
            "source": self.name,
            "zones": [z[0] for z in self.zones],
            "detail": [z[0] for z in self.detail],
            "update_interval_s": self.update_interval_s,
            "update_interval_from": "nominal ~1 ms (Hähnel et al. 2012)",
        }


class _Hwmon:
    """Shared shape of the hwmon power monitors: instantaneous watts and an update interval in ms."""

    name = "hwmon"
    kind = "power"
    chips: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.devices = _hwmon_dirs(self.chips)
        self.update_interval_s: float | None = None
        if self.devices:
            ms = read_int(os.path.join(self.devices[0][1], "update_interval"))
            self.update_interval_s = ms / 1000.0 if ms and ms > 0 else None

    def files(self) -> list[str]:
        raise NotImplementedError

    def available(self) -> str | None:
        files = self.files()
        if not files:
            return f"no {self.name} power monitor under class/hwmon"
        why = _readable(files[0])
        return None if why is None else f"{files[0]}: {why}"

    def describe(self) -> dict[str, Any]:
        return {
            "source": self.name,
            "chips": [n for n, _ in self.devices],
            "update_interval_s": self.update_interval_s,
            "update_interval_from": "update_interval" if self.update_interval_s else "value changes seen",
        }


class Ina3221(_Hwmon):
    """INA3221: watts = bus mV x mA over the module-input channel (``*_IN``), or over every enabled channel."""

    name = "ina3221"
    chips = ("ina3221",)

    def __init__(self) -> None:
        super().__init__()
        self.channels: list[tuple[str, str, str]] = []  # (label, in*_input, curr*_input)
        for _, d in self.devices:
            for i in (1, 2, 3):
                volt, curr = os.path.join(d, f"in{i}_input"), os.path.join(d, f"curr{i}_input")
                if read_int(os.path.join(d, f"in{i}_enable")) == 0 or not os.path.exists(curr):
                    continue
                self.channels.append((read_text(os.path.join(d, f"in{i}_label")) or f"in{i}", volt, curr))
        inputs = [c for c in self.channels if c[0].upper().endswith("_IN")]
        self.rails = inputs[:1] or self.channels

    def files(self) -> list[str]:
        return [p for _, v, c in self.rails for p in (v, c)]

    def read(self) -> float:
        total = 0.0
        for _, volt, curr in self.rails:
            mv, ma = read_int(volt), read_int(curr)
            if mv is None or ma is None:
                raise OSError(f"{volt} or {curr} became unreadable")
            total += mv * ma / 1e6
        return total

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "rails": [r[0] for r in self.rails]}


class Ina2xx(_Hwmon):
    """INA2xx / INA238 family: ``power1_input`` in µW (the first such chip; one rail)."""

    name = "ina2xx"
    chips = INA2XX_NAMES

    def files(self) -> list[str]:
        return [os.path.join(self.devices[0][1], "power1_input")] if self.devices else []

    def read(self) -> float:
        uw = read_int(self.files()[0])
        if uw is None:
            raise OSError(f"{self.files()[0]} became unreadable")
        return uw / 1e6


class PowerLog:
    """An external meter's log: CSV rows ``unix_seconds,watts`` (a header line is skipped), integrated over a window."""

    name = "external"
    kind = "log"

    def __init__(self, path: str | None = None) -> None:
        self.path = path if path is not None else os.environ.get(ENV_LOG, "")
        self.update_interval_s: float | None = None

    def available(self) -> str | None:
        if not self.path:
            return f"no external meter log ({ENV_LOG} unset)"
        why = _readable(self.path)
        if why is None:
            self.read()  # learns the meter's update interval (the median gap between rows)
        return None if why is None else f"{self.path}: {why}"

    def read(self) -> list[tuple[float, float]]:
        """Every (time, watts) row, sorted by time; rows that do not parse are skipped."""
        rows = []
        with open(self.path, encoding="utf-8", newline="") as f:
            for rec in csv.reader(f):
                try:
                    rows.append((float(rec[0]), float(rec[1])))
                except (ValueError, IndexError):
                    continue
        rows.sort()
        if len(rows) > 1:
            gaps = sorted(b[0] - a[0] for a, b in itertools.pairwise(rows) if b[0] > a[0])
            self.update_interval_s = gaps[len(gaps) // 2] if gaps else None
        return rows

    def describe(self) -> dict[str, Any]:
        return {
            "source": self.name,
            "log": self.path,
            "update_interval_s": self.update_interval_s,
            "update_interval_from": "median gap between log rows",
        }


def integrate(rows: list[tuple[float, float]], t0: float, t1: float) -> Span:
    """Trapezoids over (time, watts) rows between ``t0`` and ``t1``, the ends interpolated (held past the rows)."""
    if t1 <= t0 or not rows:
        return Span(0.0, max(0.0, t1 - t0), 0.0, 0)

    def at(t: float) -> float:
        if t <= rows[0][0]:
            return rows[0][1]
        for (ta, wa), (tb, wb) in itertools.pairwise(rows):
            if ta <= t <= tb:
                return wa if tb == ta else wa + (wb - wa) * (t - ta) / (tb - ta)
        return rows[-1][1]

    inside = [(t, w) for t, w in rows if t0 < t < t1]
    pts = [(t0, at(t0)), *inside, (t1, at(t1))]
    energy = sum((tb - ta) * (wa + wb) / 2.0 for (ta, wa), (tb, wb) in itertools.pairwise(pts))
    return Span(energy, t1 - t0, float(len(inside)), len(inside))


class PowerSampler:
    """A thread that reads an instantaneous-power sensor every update interval while a window is open."""

    def __init__(self, sensor: Any, clock: Callable[[], float] = time.monotonic, period_s: float | None = None) -> None:
        self.sensor = sensor
        self.clock = clock
        self.period_s = period_s or sensor.update_interval_s or 0.001
        self.rows: list[tuple[float, float]] = []
        self.missed = 0
        self.measured: set[int] = set()
        self.cpus: list[int] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        self._move_off(self.measured)
        while not self._stop.is_set():
            try:
                self.rows.append((self.clock(), self.sensor.read()))
            except OSError:  # one unreadable sample (a driver mid-update): integrate over its neighbours
                self.missed += 1
            self._stop.wait(self.period_s)

    def _move_off(self, measured: set[int]) -> None:
        """This thread onto CPUs the model does not run on, where any exist (its wake-ups then never preempt
        a timed run); otherwise it shares them, and ``sampler_cpus`` says so."""
        others = [c for c in range(os.cpu_count() or 1) if c not in measured]
        try:
            if others and measured:
                os.sched_setaffinity(0, others)  # Linux: pid 0 is the calling thread only
            self.cpus = sorted(os.sched_getaffinity(0))
        except (OSError, AttributeError):
            self.cpus = sorted(measured)

    def start(self) -> float:
        self.measured = set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else set()
        t0 = self.clock()
        self.rows = [(t0, self.sensor.read())]
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="edgepareto-power", daemon=True)
        self._thread.start()
        return t0

    def halt(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def stop(self, t0: float) -> Span:
        self.halt()
        t1 = self.clock()
        self.rows.append((t1, self.sensor.read()))
        span = integrate(self.rows, t0, t1)
        interval = self.sensor.update_interval_s
        changes = sum(1 for a, b in itertools.pairwise(self.rows) if a[1] != b[1])
        updates = (t1 - t0) / interval if interval else float(changes)
        return Span(span.energy_j, span.seconds, updates, len(self.rows))

    def describe(self) -> dict[str, Any]:
        shared = bool(set(self.cpus) & self.measured)
        return {"sampler_cpus": self.cpus, "sampler_shares_measured_cpus": shared, "missed_samples": self.missed}


def discover(choice: str | None = None, log: str | None = None) -> tuple[Any | None, list[str]]:
    """The sensor to use (``choice`` or ``EDGEPARETO_POWER_SENSOR``; auto: log, RAPL, INA3221, INA2xx) and
    why each source tried is not usable. A RAPL permission error is reported even when nothing else works."""
    choice = (choice or os.environ.get(ENV_SENSOR) or "auto").lower()
    if choice == "off":
        return None, ["energy off (EDGEPARETO_POWER_SENSOR=off)"]
    log = log if log is not None else os.environ.get(ENV_LOG, "")
    makers: dict[str, Callable[[], Any]] = {
        "external": lambda: PowerLog(log),
        "rapl": Rapl,
        "ina3221": Ina3221,
        "ina2xx": Ina2xx,
    }
    if choice != "auto" and choice not in makers:
        return None, [f"unknown power sensor {choice!r} in {ENV_SENSOR}: use auto, off or one of {', '.join(SOURCES)}"]
    order = (
        [choice]
        if choice != "auto"
        else [s for s in ("external", "rapl", "ina3221", "ina2xx") if s != "external" or log]
    )
    reasons: list[str] = []
    for name in order:
        sensor = makers[name]()
        why = sensor.available()
        if why is None:
            return sensor, reasons
        reasons.append(why)
    return None, reasons

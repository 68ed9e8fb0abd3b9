"""Advice about this host before timing (pyperf-style checks): governor, visible frequency, thermal zones.

Each check is collected, never printed from here; ``edgepareto devices`` shows them.
"""

from __future__ import annotations

import glob
from typing import Any

from edgepareto.bench._sysfs import read_text, sysfs_path
from edgepareto.bench.cpus import Fingerprint


def system_checks(fp: Fingerprint) -> list[dict[str, Any]]:
    """One entry per concern: ``{"check", "status": ok|advice|unavailable, "detail"}``."""
    out: list[dict[str, Any]] = []
    for c in fp.clusters:
        gov = read_text(sysfs_path(f"devices/system/cpu/cpu{c.cpus[0]}/cpufreq/scaling_governor"))
        if gov is None:
            out.append(
                {
                    "check": f"governor ({c.name})",
                    "status": "unavailable",
                    "detail": "no cpufreq in sysfs (VM or container): frequency cannot be read or fixed",
                }
            )
        elif gov != "performance":
            out.append(
                {
                    "check": f"governor ({c.name})",
                    "status": "advice",
                    "detail": f"governor is {gov!r}: for stable figures set 'performance' "
                    f"(cpupower -c {c.cpu_list} frequency-set -g performance)",
                }
            )
        else:
            out.append({"check": f"governor ({c.name})", "status": "ok", "detail": "performance"})
    zones = glob.glob(sysfs_path("class/thermal/thermal_zone*/temp"))
    out.append(
        {
            "check": "thermal zones",
            "status": "ok" if zones else "unavailable",
            "detail": f"{len(zones)} zone(s): throttling is flagged and --cool-down-to works"
            if zones
            else "none in sysfs: throttling cannot be detected here",
        }
    )
    isolated = read_text(sysfs_path("devices/system/cpu/isolated"))
    if isolated:
        out.append({"check": "isolated CPUs", "status": "ok", "detail": f"{isolated} (pin measurements there)"})
    return out

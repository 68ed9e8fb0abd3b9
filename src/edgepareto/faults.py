"""Test hook for fault injection: ``EDGEPARETO_FAULT=POINT[:N]`` kills this process at a named point.

The N-th time (default the first) the sweep passes ``fault_point(POINT)``, the process sends itself
SIGKILL, exactly what ``kill -9`` does there, e.g. between the artifact row's commit and the next
one. Points: ``artifact-file`` (file in the artifact folder, nothing committed), ``artifact-row``
(artifact and size committed), ``home-cache`` (half of the home cache written), ``measured``
(latency measured, not committed), ``latency-row`` (latency committed). Unset: no effect.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "EDGEPARETO_FAULT"
_passed: Counter[str] = Counter()


def fault_point(name: str) -> None:
    """Die here if ``$EDGEPARETO_FAULT`` names this point and this is its N-th pass."""
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _passed[name] += 1
    if _passed[name] == (int(nth) if nth.isdigit() else 1):
        os.kill(os.getpid(), signal.SIGKILL)

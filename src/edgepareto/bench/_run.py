"""Host side of a measurement: validate, start the measuring child, watch it, turn any failure into a record.

The child (:mod:`._child`) does the measuring; here a crash, a hang (timeout) or garbage output becomes
a failed :class:`Measurement` with one line of error, so a sweep records it and goes on.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edgepareto import validation
from edgepareto.bench._child import PROGRESS
from edgepareto.bench._guard import guarded_child, kill_group
from edgepareto.bench.cpulock import cpus_locked
from edgepareto.bench.cpus import discover_host, resolve_cpus
from edgepareto.bench.protocol import Measurement, Protocol

CHILD = Path(__file__).with_name("_child.py")

#: progress(phase, n, of): phase "warmup" or "runs"; ``of`` is None for the adaptive protocol.
ProgressFn = Callable[[str, int, "int | None"], None]


def child_request(
    path: str | os.PathLike[str],
    *,
    engine: str = "litert",
    threads: int = 1,
    cpus: list[int] | None = None,
    cluster: str | None = None,
    protocol: Protocol | None = None,
    progress: bool = False,
    keep_times: bool = True,
    require_full_delegation: bool = False,
    end_to_end: dict[str, Any] | None = None,
    **engine_options: Any,
) -> dict[str, Any]:
    """The JSON request ``_child.py`` reads (also what the remote agent ships to a board)."""
    extra = {"end_to_end": end_to_end} if end_to_end else {}
    return {
        **extra,
        "model": str(path),
        "engine": engine,
        "threads": threads,
        "cpus": list(cpus) if cpus is not None else None,
        "cluster": cluster,
        "protocol": (protocol or Protocol.fast()).to_json(),
        "options": engine_options,
        "progress": progress,
        "keep_times": keep_times,
        "require_full_delegation": require_full_delegation,
    }


def _check_engine(engine: str) -> None:
    from edgepareto.engines import check_engine

    check_engine(engine)


def measure(
    path: str | os.PathLike[str],
    *,
    engine: str = "litert",
    threads: int = 1,
    cpus: list[int] | str | None = None,
    cluster: str | None = None,
    protocol: Protocol | None = None,
    progress: ProgressFn | None = None,
    keep_times: bool = True,
    python: str | None = None,
    require_full_delegation: bool = False,
    end_to_end: dict[str, Any] | None = None,
    **engine_options: Any,
) -> Measurement:
    """Measure one model file in a child process pinned to ``cpus`` or ``cluster``; never raises for the model.

    Raises (one line, naming the fix) only for settings that are wrong before any model is touched:
    threads < 1, an unknown or missing engine, a cluster that does not exist, offline CPUs. A missing,
    corrupt or dynamic-shape model, an engine crash or a hang past ``protocol.timeout_s`` gives a
    failed Measurement instead. ``end_to_end`` (``{"images": [paths], "preset": NAME or None}``) also times
    image file -> top-k in the same process (:mod:`.endtoend`), in ``Measurement.end_to_end``.
    """
    protocol = protocol or Protocol.fast()
    validation.threads(threads)  # 1..usable CPUs: 100,000 threads would exhaust the machine
    _check_engine(engine)
    fp = discover_host()
    pinned = resolve_cpus(fp, cluster=cluster, cpus=cpus)  # raises DeviceError for a bad cluster / CPU list
    if pinned:
        validation.threads(threads, f"threads on CPUs {pinned}", cpus=len(pinned))
    ctx = {"model": str(path), "engine": engine, "threads": threads, "protocol": protocol.to_json(),
           "cluster": cluster, "cpus": pinned or None, "device_id": fp.id}  # fmt: skip
    if not Path(path).is_file():
        return Measurement.failed(f"{path}: model file not found; export it first (edgepareto export)", "model", **ctx)
    explicit = pinned if cluster is None and cpus is not None else None  # the child resolves a cluster itself
    request = child_request(
        path,
        engine=engine,
        threads=threads,
        cpus=explicit,
        cluster=cluster,
        protocol=protocol,
        progress=progress is not None,
        keep_times=keep_times,
        require_full_delegation=require_full_delegation,
        end_to_end=end_to_end,
        **engine_options,
    )
    with cpus_locked(pinned or None):  # another sweep or bench on these CPUs: wait for it, never time side by side
        return run_child(request, timeout_s=protocol.timeout_s, progress=progress, python=python, context=ctx)


def run_child(
    request: dict[str, Any],
    *,
    timeout_s: float,
    progress: ProgressFn | None = None,
    python: str | None = None,
    context: dict[str, Any] | None = None,
) -> Measurement:
    """Run ``_child.py`` on ``request``; a crash, hang or unreadable reply becomes a failed Measurement."""
    ctx = context or {k: request.get(k) for k in ("model", "engine", "threads", "cluster", "cpus")}
    tail: deque[str] = deque(maxlen=20)
    chunks: list[str] = []
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    cmd = [python or sys.executable, str(CHILD), "-"]  # the request on stdin: no file left behind by a kill
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    with guarded_child(cmd, env=env, text=True, **pipes) as proc:  # killed on Ctrl-C, dies with this process
        _send(proc, request)
        readers = [
            threading.Thread(target=_read_stderr, args=(proc.stderr, tail, progress), daemon=True),
            threading.Thread(target=lambda: chunks.append(proc.stdout.read()), daemon=True),  # type: ignore[union-attr]  # a PIPE
        ]
        for r in readers:
            r.start()
        timed_out = _wait(proc, timeout_s)
        for r in readers:  # not on Ctrl-C: the with block kills the child first, and the exception goes on
            r.join(timeout=5)
    if timed_out:
        return Measurement.failed(
            f"measurement did not finish within {timeout_s:g} s (engine hung?); raise --timeout for slow "
            f"devices or check the model",
            "timeout",
            **ctx,
        )
    out = "".join(chunks)
    lines = [ln for ln in out.splitlines() if ln.strip()]
    if lines:
        try:
            return Measurement.from_json(json.loads(lines[-1]))
        except (ValueError, TypeError):
            pass
    rc = proc.returncode
    how = f"signal {-rc} ({signal.Signals(-rc).name})" if rc < 0 else f"exit status {rc}"
    last = next((ln for ln in reversed(tail) if ln.strip()), "no output")
    return Measurement.failed(f"the engine crashed while measuring ({how}): {last}", "crash", **ctx)


def _read_stderr(stream: Any, tail: deque[str], progress: ProgressFn | None) -> None:
    for line in stream:
        if line.startswith(PROGRESS):
            if progress is not None:
                try:
                    d = json.loads(line[len(PROGRESS) :])
                    progress(d["phase"], d["n"], d["of"])
                except (ValueError, KeyError):
                    pass
            continue
        tail.append(line.rstrip())


def _wait(proc: subprocess.Popen[str], timeout_s: float) -> bool:
    """Wait for the child; True (and the child killed) when it ran past ``timeout_s``."""
    try:
        proc.wait(timeout=timeout_s)
        return False
    except subprocess.TimeoutExpired:
        kill_group(proc)
        proc.wait()
        return True


def _send(proc: subprocess.Popen[str], request: dict[str, Any]) -> None:
    """Write the request and close stdin; a child that died at once is reported by its exit status."""
    with contextlib.suppress(OSError):  # BrokenPipeError included
        proc.stdin.write(json.dumps(request))  # type: ignore[union-attr]  # stdin is a PIPE (asked for)
    with contextlib.suppress(OSError):
        proc.stdin.close()  # type: ignore[union-attr]  # stdin is a PIPE

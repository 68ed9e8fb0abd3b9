"""Several model files measured in the same processes, interleaved, so that they share the host's states.

A host that moves between speed states (``benchmarks/host_states.py``: two states ~30% apart, ~1 s
each) gives two files measured one after the other medians from different mixes of states; their
ratio is then the host's, not the files'. Here every measuring process loads all the files, warms
each up, then visits them ``rounds`` times in a new shuffled order each round: one uncounted run
after the switch, then ``per_visit`` counted runs. Each file's runs are spread over the whole
process, so every file sees the same mix, and the ratios hold still ("compare configurations in one
run, as ratios"). Processes as in :mod:`.processes`: a file's median is the median of its process
medians, with the exact CI over them. A file that cannot be opened is a failed record; the rest
are measured. Peak memory is the process's, holding every file: it is not recorded per file.

Child: ``python -m edgepareto.bench.interleaved -`` (the request on stdin), one JSON list as its last line.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from edgepareto import validation
from edgepareto.bench._guard import die_with_parent, guarded_child
from edgepareto.bench.cpus import discover_host, resolve_cpus
from edgepareto.bench.pinning import pin, verify_pinning
from edgepareto.bench.processes import combine
from edgepareto.bench.protocol import Measurement, Protocol
from edgepareto.bench.stats import summarize
from edgepareto.errors import ConfigError, first_line


@dataclass(frozen=True)
class Interleave:
    """How the files take turns: ``rounds`` visits each per process, ``per_visit`` counted runs per visit."""

    rounds: int = 40
    per_visit: int = 3

    def __post_init__(self) -> None:
        for name, top in (("rounds", 10_000), ("per_visit", 1_000)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
                raise ConfigError(f"interleave {name} must be an integer in 1..{top}, got {value!r}")

    def to_json(self) -> dict[str, int]:
        return {"rounds": self.rounds, "per_visit": self.per_visit}


def measure_interleaved(
    paths: Sequence[str | os.PathLike[str]],
    *,
    engine: str | None = None,
    threads: int = 1,
    cpus: list[int] | str | None = None,
    cluster: str | None = None,
    protocol: Protocol | None = None,
    interleave: Interleave | None = None,
    **engine_options: Any,
) -> list[Measurement]:
    """One Measurement per file, in the order given, all measured in the same pinned child processes.

    ``engine`` None picks each file's engine from its suffix (an unknown suffix fails that file alone).
    The protocol's ``processes``, ``process_gap_s``, ``warmup`` (per file, per process), ``seed`` and
    ``timeout_s`` (per process) apply; its run counts do not (``interleave`` sets them). Raises only
    for settings wrong before any model is touched (threads, CPUs, fewer than two distinct files).
    """
    protocol, interleave = protocol or Protocol.fast(), interleave or Interleave()
    files = [str(p) for p in paths]
    if len(set(files)) < 2 or len(set(files)) != len(files):
        raise ConfigError("interleaving compares two or more distinct files; give each file once")
    validation.threads(threads)
    fp = discover_host()
    pinned = resolve_cpus(fp, cluster=cluster, cpus=cpus)
    if pinned:
        validation.threads(threads, f"threads on CPUs {pinned}", cpus=len(pinned))
    request = {
        "models": files,
        "engines": [engine] * len(files),
        "threads": threads,
        "cpus": pinned,
        "protocol": protocol.to_json(),
        "interleave": interleave.to_json(),
        "options": engine_options,
    }
    start = time.monotonic()
    per_file: list[list[Measurement]] = [[] for _ in files]
    for k in range(protocol.processes):
        if k:
            time.sleep(protocol.process_gap_s)
        got = _spawn({**request, "process": k}, protocol.timeout_s, files)
        for i, m in enumerate(got):
            per_file[i].append(m)
        if not any(m.ok for m in got):  # a crash, a hang or no file that opens: more processes would repeat it
            break
    return [_combined(ms, protocol, interleave, len(files), time.monotonic() - start) for ms in per_file]


def ratios(measurements: Sequence[Measurement]) -> list[dict[str, Any]]:
    """Each file's latency over the first file's, process by process: the host's state cancels in each ratio.

    The ratio is the median of the per-process ratios, with the exact CI over the processes; None
    for a file (or a first file) that failed.
    """
    from edgepareto.bench.stats import median_ci_exact

    ref = measurements[0]
    out: list[dict[str, Any]] = []
    for m in measurements:
        if not (m.ok and ref.ok and m.processes and ref.processes):
            out.append({"model": m.model, "ratio": None, "ci95": None})
            continue
        per = [a["median_ms"] / b["median_ms"] for a, b in zip(m.processes, ref.processes, strict=True)]
        lo, hi, level = median_ci_exact(per)
        out.append({"model": m.model, "ratio": float(np.median(per)), "ci95": [lo, hi], "ci_level": level,
                    "per_process": per})  # fmt: skip
    return out


def _combined(ms: list[Measurement], protocol: Protocol, il: Interleave, n: int, elapsed: float) -> Measurement:
    """A file's processes as one record (the first failure if any), its protocol naming the interleaving."""
    failed = next((m for m in ms if not m.ok), None)
    if failed is not None:
        return failed
    m = combine(protocol, ms, [], f"processes ({len(ms)}) x rounds ({il.rounds})", elapsed)
    doc = {**protocol.to_json(), "interleaved": {**il.to_json(), "files": n}}
    return replace(m, protocol=doc, peak_rss_bytes=None)


def _spawn(request: dict[str, Any], timeout_s: float, files: list[str]) -> list[Measurement]:
    """One measuring process over every file; a crash or hang fails every file of it, in one line each."""
    ctx = {"engine": "", "threads": request["threads"], "cpus": request["cpus"] or None}
    cmd = [sys.executable, "-m", "edgepareto.bench.interleaved", "-"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    with guarded_child(
        cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            out, err = proc.communicate(json.dumps(request), timeout=max(1.0, timeout_s))
        except subprocess.TimeoutExpired:
            why = f"an interleaved measuring process did not finish within {timeout_s:.0f} s; raise --timeout"
            return [Measurement.failed(why, "timeout", model=f, **ctx) for f in files]
    try:
        docs = json.loads([ln for ln in out.splitlines() if ln.strip()][-1])
        return [Measurement.from_json(d) for d in docs]
    except (IndexError, ValueError, TypeError):
        rc = proc.returncode
        last = next((ln for ln in reversed(err.splitlines()) if ln.strip()), "no output")
        why = f"the engine crashed in an interleaved measuring process (exit status {rc}): {last}"
        return [Measurement.failed(why, "crash", model=f, **ctx) for f in files]


def measure_here(request: dict[str, Any]) -> list[Measurement]:
    """The child: pin, open every file, warm each up, then the shuffled rounds; one record per file."""
    protocol, il = Protocol.from_json(request["protocol"]), Interleave(**request["interleave"])
    cpus, threads = list(request.get("cpus") or []), int(request["threads"])
    pin(cpus)
    runners, failed = _open_all(request["models"], request["engines"], threads, protocol.seed, request.get("options"))
    warm = {f: [_timed(r) for _ in range(protocol.warmup)] for f, r in runners.items()}
    times: dict[str, list[float]] = {f: [] for f in runners}
    order, rng = list(runners), random.Random(protocol.seed * 1_000_003 + int(request.get("process", 0)))
    t0 = time.perf_counter()
    for _ in range(il.rounds):
        rng.shuffle(order)
        for f in order:
            runners[f].invoke()  # the run right after a switch is not counted
            times[f] += [_timed(runners[f]) for _ in range(il.per_visit)]
    wall, pinning = time.perf_counter() - t0, verify_pinning(cpus)
    out = []
    for f, engine in zip(request["models"], request["engines"], strict=True):
        name = runners[f].info.engine if f in runners else engine or ""
        ctx = {"model": f, "engine": name, "threads": threads, "protocol": protocol.to_json(), "cpus": cpus or None}
        if f in failed:
            out.append(Measurement.failed(failed[f], "model", **ctx))
            continue
        stats = summarize(times[f], seed=protocol.seed)
        info = runners[f].info
        out.append(
            Measurement(
                status="ok",
                engine_version=info.version,
                kernel_path=info.kernel_path,
                pinning=pinning,
                stopped_by=f"rounds ({il.rounds})",
                wall_s=wall,
                warmup_ms=warm[f],
                times_ms=times[f],
                warnings=list(stats.pop("warnings")),
                created=time.time(),
                **ctx,
                **stats,
            )
        )
    return out


def _open_all(
    files: list[str], engines: list[str], threads: int, seed: int, options: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Every file opened with inputs set; a file that will not open is a one-line failure, not the end."""
    from edgepareto.engines import engine_for, open_runner

    runners, failed = {}, {}
    for f, engine in zip(files, engines, strict=True):
        try:
            r = open_runner(f, engine or engine_for(f), threads, **(options or {}))
            dynamic = [s.name for s in r.inputs if s.dynamic_beyond_batch]
            if dynamic:
                raise ConfigError(f"input {dynamic[0]!r} has a dynamic shape; export it with a fixed input shape")
            r.set_inputs([s.random(np.random.default_rng(seed)) for s in r.inputs])
            runners[f] = r
        except Exception as exc:
            failed[f] = first_line(exc, 1000)
    return runners, failed


def _timed(runner: Any) -> float:
    t = time.perf_counter_ns()
    runner.invoke()
    return (time.perf_counter_ns() - t) / 1e6


def main(argv: list[str]) -> int:
    if argv[1:] != ["-"]:
        print("usage: python -m edgepareto.bench.interleaved -   (the request on stdin)", file=sys.stderr)
        return 2
    die_with_parent()
    out = measure_here(json.loads(sys.stdin.read()))
    sys.stdout.write("\n" + json.dumps([m.to_json() for m in out]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""The measuring child: ``python3 _child.py REQUEST.json`` (or ``-``: the request on stdin) prints one
Measurement JSON as its LAST stdout line; started by :func:`._guard.guarded_child`, it dies with its parent.

It runs in its own process so that an engine that crashes or hangs takes only this process down,
and so that its peak resident memory is the engine's and the model's, not the caller's. Order:
pin (engine threads inherit the affinity), load the model, random inputs of its dtype and shape,
the first ``invoke()`` (timed before any harness work: what an application's first inference costs),
warm up, timed runs with telemetry, verify the pinning, statistics. Progress goes to stderr as
``@@progress {"phase": ..., "n": ..., "of": ...}`` lines.

Request (JSON object): ``model`` (path), ``engine`` ("litert"), ``threads`` (1), ``cpus`` (list or
null), ``cluster`` (name or null), ``protocol`` (:meth:`Protocol.to_json`, defaults: fast),
``options`` (engine options, e.g. ``{"xnnpack": false}``), ``progress`` (bool), ``keep_times`` (bool),
``require_full_delegation`` (bool: a partly delegated graph fails before any timing).

A multi-process protocol (``processes`` > 1, ``max_processes`` or ``retry_if_noisy``) makes this process
the coordinator: it starts one ``_child.py`` per measuring process and combines them (:mod:`.processes`).

Standard library + NumPy + the engine only; runs from a flat folder on a board.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import time
from typing import Any

if __package__ in (None, ""):  # run as a script: the core modules sit beside this file
    _here = os.path.dirname(os.path.abspath(__file__))
    if _here not in sys.path:
        sys.path.insert(0, _here)

import numpy as np

try:  # package import inside edgepareto; flat import when the files sit in one folder (a board)
    from edgepareto.bench._guard import die_with_parent
    from edgepareto.bench.cpus import Fingerprint, discover_host, resolve_cpus
    from edgepareto.bench.energy import energy_window
    from edgepareto.bench.interference import assess, involuntary_switches, probe
    from edgepareto.bench.pinning import pin, verify_pinning
    from edgepareto.bench.protocol import Measurement, Protocol, timed_loop
    from edgepareto.bench.stats import summarize
    from edgepareto.bench.telemetry import RunLog, Sampler, peak_rss_bytes
    from edgepareto.errors import first_line
except ImportError:  # pragma: no cover - flat copies (board agent, flat-copy test); no-redef: same names
    from _guard import die_with_parent  # type: ignore[no-redef]
    from cpus import Fingerprint, discover_host, resolve_cpus  # type: ignore[no-redef]
    from energy import energy_window  # type: ignore[no-redef]
    from errors import first_line  # type: ignore[no-redef]
    from interference import assess, involuntary_switches, probe  # type: ignore[no-redef]
    from pinning import pin, verify_pinning  # type: ignore[no-redef]
    from protocol import Measurement, Protocol, timed_loop  # type: ignore[no-redef]
    from stats import summarize  # type: ignore[no-redef]
    from telemetry import RunLog, Sampler, peak_rss_bytes  # type: ignore[no-redef]

PROGRESS = "@@progress "


class _Fail(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _open_runner(engine: str, path: str, threads: int, options: dict[str, Any]) -> Any:
    """Through edgepareto's registry when installed, else the flat engine files beside this one."""
    try:
        from edgepareto.engines import open_runner
    except ImportError:
        pass  # a board: the flat files below
    else:
        try:
            return open_runner(path, engine, threads, **options)
        except Exception as exc:
            msg = first_line(exc, 1000)
            kind = "engine" if ("unknown engine" in msg or "not installed" in msg) else "model"
            raise _Fail(kind, msg) from exc
    import _base

    with contextlib.suppress(ImportError):  # an engine file absent here: reported as unknown below
        importlib.import_module(engine)
    entries = _base.engines()
    if engine not in entries:
        raise _Fail("engine", f"unknown engine {engine!r} on this device; choose from {', '.join(sorted(entries))}")
    fix = entries[engine].available()
    if fix is not None:
        raise _Fail("engine", f"engine {engine} is not installed: {fix}")
    if not os.path.isfile(path):
        raise _Fail("model", f"{path}: model file not found")
    try:
        return entries[engine].open(path, threads=threads, **options)
    except Exception as exc:
        raise _Fail("model", first_line(exc, 1000)) from exc


def _inputs(runner: Any, seed: int) -> tuple[list[np.ndarray], list[dict[str, Any]]]:
    """Random inputs of each input's dtype and shape; a dynamic (non-batch) dimension is an error."""
    rng = np.random.default_rng(seed)
    arrays, specs = [], []
    for spec in runner.inputs:
        if spec.dynamic_beyond_batch:
            raise _Fail(
                "model",
                f"input {spec.name!r} has a dynamic shape {list(spec.shape)}; export the model with a fixed "
                f"input shape (batch 1, fixed resolution) to benchmark it",
            )
        arrays.append(spec.random(rng))
        specs.append({"name": spec.name, "shape": list(spec.shape), "dtype": spec.dtype})
    return arrays, specs


def delegation_warning(kernel: dict[str, Any]) -> str | None:
    """One line when part of the graph ran off the accelerated path (None when it all ran there)."""
    if kernel.get("full", True):
        return None
    parts = kernel.get("partitions") or 0
    where = f" in {parts} partitions" if parts > 1 else ""
    left = ", ".join(f"{n} {op}" for op, n in sorted(kernel["leftover"].items(), key=lambda kv: (-kv[1], kv[0])))
    if kernel.get("engine") == "onnxruntime":
        return (
            f"partly delegated: {kernel['path']} ran {kernel['taken']} of {kernel['nodes']} compute nodes as "
            f"integer kernels; on {kernel['leftover_on']}: {left}"
        )
    return (
        f"partly delegated: {kernel['path']} took {kernel['taken']} of {kernel['nodes']} nodes{where}; "
        f"on {kernel['leftover_on']}: {left} (the latency is not {kernel['path']}'s alone)"
    )


def _delegation(runner: Any, model: str, required: bool) -> dict[str, Any] | None:
    """The runner's kernel path as JSON; raises when full delegation is required and not reached."""
    kernel = getattr(runner.info, "kernel", None)
    doc = kernel.to_json() if kernel is not None else None
    if not required:
        return doc
    if doc is None:
        raise _Fail(
            "engine", f"{model}: this engine cannot tell how the graph was delegated; drop --require-full-delegation"
        )
    warning = delegation_warning(doc)
    if warning is not None:
        raise _Fail("engine", f"{model}: {warning.split(' (the latency')[0]}; --require-full-delegation refuses it")
    return doc


def _progress(phase: str, n: int, of: int | None) -> None:
    sys.stderr.write(PROGRESS + json.dumps({"phase": phase, "n": n, "of": of}) + "\n")
    sys.stderr.flush()


def measure_here(request: dict[str, Any]) -> Measurement:
    """Run the whole measurement in this process (the child); never raises for a bad model or device."""
    model = str(request.get("model") or "")
    engine = str(request.get("engine") or "litert")
    threads = int(request.get("threads") or 1)
    options = dict(request.get("options") or {})
    ctx: dict[str, Any] = {"model": model, "engine": engine, "threads": threads, "cluster": request.get("cluster")}
    try:
        protocol = Protocol.from_json(request.get("protocol") or {})
    except Exception as exc:
        return Measurement.failed(first_line(exc, 1000), "config", **ctx)
    ctx["protocol"] = protocol.to_json()
    fp: Fingerprint | None = None
    try:
        fp = discover_host()
        ctx["device_id"] = fp.id
        ctx["device"] = fp.to_json()
        cpus = resolve_cpus(fp, cluster=request.get("cluster"), cpus=request.get("cpus"))
        ctx["cpus"] = cpus or sorted(os.sched_getaffinity(0))
        pin_status = pin(cpus)
        rss0 = peak_rss_bytes()
        t_load = time.perf_counter_ns()
        runner = _open_runner(engine, model, threads, options)
        ctx["delegation"] = _delegation(runner, model, bool(request.get("require_full_delegation")))
        arrays, specs = _inputs(runner, protocol.seed)
        runner.set_inputs(arrays)
        load_ms = (time.perf_counter_ns() - t_load) / 1e6  # open, delegate, allocate, set inputs
        first_ns = first_invoke(runner.invoke) if protocol.warmup or protocol.stable_window else None
        sampler = Sampler(ctx["cpus"])
        runlog = RunLog(sampler)
        progress = _progress if request.get("progress") else None
        before = probe(ctx["cpus"])
        loop, energy = _timed(runner, protocol, runlog, progress, first_ns)
        after = probe(ctx["cpus"], after=True)
        e2e = _end_to_end(request, runner, model, len(loop.times_ns))
        inter = assess(before, after, after.t - before.t, len(loop.preempted), len(loop.times_ns))
        inter["preempted_indices"] = loop.preempted
        pinning = verify_pinning(cpus)
        pinning["requested"] = pin_status
        tele = {**runlog.summary(), "energy": energy}
        sampler.close()
        peak = peak_rss_bytes()
        info = runner.info
    except _Fail as exc:
        return Measurement.failed(str(exc), exc.kind, **ctx)
    except MemoryError:
        return Measurement.failed(
            "out of memory while measuring; close other programs or use a smaller model", "crash", **ctx
        )
    except Exception as exc:
        kind = "device" if type(exc).__name__ in ("DeviceError", "ConfigError") else "engine"
        return Measurement.failed(first_line(exc, 1000), kind, **ctx)
    if not loop.times_ns:
        return Measurement.failed("no counted run finished; raise the time limit (--time-limit)", "config", **ctx)
    times_ms = [t / 1e6 for t in loop.times_ns]
    stats = summarize(times_ms, seed=protocol.seed)
    tele["warmup_stopped_by"] = loop.warmup_stopped_by
    warnings = _warnings(list(stats.pop("warnings")), tele, inter, ctx, pinning, protocol, loop)
    return Measurement(
        status="ok",
        engine_version=info.version,
        kernel_path=info.kernel_path,
        pinning=pinning,
        stopped_by=loop.stopped_by,
        wall_s=loop.wall_s,
        warmup_ms=[t / 1e6 for t in loop.warmup_ns],
        load_ms=load_ms,
        end_to_end=e2e,
        first_inference_ms=(loop.warmup_ns or loop.times_ns)[0] / 1e6,
        times_ms=times_ms if request.get("keep_times", True) else None,
        peak_rss_bytes=peak,
        rss_before_load_bytes=rss0,
        inputs=specs,
        telemetry=tele,
        interference=inter,
        noisy=inter["noisy"],
        warnings=warnings,
        created=time.time(),
        **ctx,
        **stats,
    )


def first_invoke(invoke: Any, clock: Any = time.perf_counter_ns) -> int:
    """The first ``invoke()`` after loading (ns), timed before any harness work, as an application runs it.

    Called right after the inputs are set: the sampler, the interference probes (a calibration loop and a
    walk over /proc) and the energy sensors' discovery would otherwise run in between and evict the caches
    that loading left warm; timed after them, the first inference of the 0.25/128 float file was 1.10x a
    bare loop's first ``invoke()`` (``benchmarks/steady_state.py``, issue 25).
    """
    t0 = clock()
    invoke()
    return int(clock() - t0)


def _timed(
    runner: Any, protocol: Protocol, runlog: RunLog, progress: Any, first_ns: int | None
) -> tuple[Any, dict[str, Any] | None]:
    """Warm-up and timed runs inside the energy window (idle power sampled first, nothing inside the timed runs);
    ``first_ns``, the first run timed before the window opened, is the first warm-up run."""
    with energy_window(runner.invoke) as energy:
        loop = timed_loop(
            runner.invoke, protocol, runlog=runlog, progress=progress, switches=involuntary_switches, first_ns=first_ns
        )
        energy.runs = len(loop.warmup_ns) + len(loop.times_ns) - (first_ns is not None)
    return loop, energy.result


def _end_to_end(request: dict[str, Any], runner: Any, model: str, runs: int) -> dict[str, Any] | None:
    """With ``end_to_end`` in the request: image file -> top-k timed in this pinned process (:mod:`.endtoend`)."""
    if not request.get("end_to_end"):
        return None
    try:
        from edgepareto.bench.endtoend import end_to_end_runs
    except ImportError:  # pragma: no cover - a flat copy: the board has no preprocessing package
        raise _Fail("config", "--end-to-end needs edgepareto's preprocessing on this device") from None
    try:
        return end_to_end_runs(runner, model, request["end_to_end"], max(runs, 10))
    except Exception as exc:
        raise _Fail("config", f"end-to-end run: {first_line(exc, 500)}") from exc


def _warnings(
    warnings: list[str],
    tele: dict[str, Any],
    inter: dict[str, Any],
    ctx: dict[str, Any],
    pinning: dict[str, Any],
    protocol: Protocol,
    loop: Any,
) -> list[str]:
    """Everything that makes a figure less than clean, one line each (and the cool-down into telemetry)."""
    warnings += list(tele.get("warnings") or [])
    if inter["noisy"]:
        warnings.append(f"noisy: the CPU was shared while timing ({'; '.join(inter['reasons'])})")
    partial = delegation_warning(ctx["delegation"] or {})
    if partial is not None:
        warnings.append(partial)
    if pinning["status"].startswith("violated"):
        warnings.append(f"pinning {pinning['status']}")
    if protocol.adaptive and not loop.stopped_by.startswith("95%"):
        warnings.append(f"stopped by the {loop.stopped_by} before the 95% CI reached ±{protocol.target_ci:.0%}")
    if loop.cool_down and loop.cool_down.get("warning"):
        warnings.append(loop.cool_down["warning"])
    if loop.cool_down:
        tele["cool_down"] = loop.cool_down
    return warnings


def _coordinates(request: dict[str, Any]) -> bool:
    """A multi-process protocol (several processes, or retries of a noisy one) and not one of its processes."""
    if request.get("single_process"):
        return False
    try:
        return Protocol.from_json(request.get("protocol") or {}).multi_process
    except Exception:  # a bad protocol is reported by measure_here
        return False


def coordinate(request: dict[str, Any]) -> Measurement:
    """Start one measuring process per protocol process (:mod:`.processes`) and combine them."""
    try:
        from edgepareto.bench.processes import measure_in_processes
    except ImportError:  # pragma: no cover - flat copies (board agent, flat-copy test); no-redef: same names
        from processes import measure_in_processes  # type: ignore[no-redef]

    protocol = Protocol.from_json(request.get("protocol") or {})
    try:
        return measure_in_processes(request, protocol, progress=_progress if request.get("progress") else None)
    except Exception as exc:  # a bug combining the processes: still one failed record, never a traceback
        ctx = {k: request.get(k) for k in ("model", "engine", "threads", "cluster", "cpus")}
        return Measurement.failed(f"combining the measuring processes failed: {first_line(exc, 1000)}", "engine", **ctx)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python3 _child.py REQUEST.json|-", file=sys.stderr)
        return 2
    die_with_parent()
    try:
        request = _read_request(argv[1])
        m = coordinate(request) if _coordinates(request) else measure_here(request)
    except (OSError, ValueError) as exc:
        m = Measurement.failed(f"cannot read the request {argv[1]}: {first_line(exc, 1000)}", "config")
    sys.stdout.flush()
    sys.stdout.write("\n" + json.dumps(m.to_json()) + "\n")
    sys.stdout.flush()
    return 0 if m.ok else 1


def _read_request(where: str) -> Any:
    """The request from a file, or from stdin for ``-`` (no request file is left behind by a kill)."""
    if where == "-":
        return json.loads(sys.stdin.read())
    with open(where, encoding="utf-8") as f:
        return json.load(f)


if __name__ == "__main__":
    sys.exit(main(sys.argv))

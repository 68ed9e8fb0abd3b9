"""edgepareto's on-board agent: a flat script the host uploads beside the bench core and runs over SSH.

Needs only the Python standard library to start; NumPy and a TFLite runtime (ai-edge-litert or
tflite-runtime) are checked first and reported as one line naming the fix. Every reply is ONE
JSON object on the last stdout line: ``{"ok": true, "result": ...}`` or
``{"ok": false, "kind": "runtime"|"usage"|"measure", "error": "..."}``.

    python3 edgepareto_agent.py check                 # versions; never fails
    python3 edgepareto_agent.py fingerprint           # the board's Fingerprint (clusters, caches, kernel)
    python3 edgepareto_agent.py measure < REQUEST     # runs _child.py in a child with a timeout
    python3 edgepareto_agent.py benchmark < REQUEST   # runs TFLite's benchmark_model (pinned with taskset)

``check``, ``fingerprint`` and ``benchmark`` need the standard library only: a board without NumPy or a
TFLite runtime is still fingerprinted, and can measure with its own ``benchmark_model`` binary.

sysfs/procfs roots come from EDGEPARETO_SYSFS_ROOT / EDGEPARETO_PROC_ROOT (tests point them at fake trees).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)  # the bench core sits beside this file (flat imports)


def versions() -> dict:
    """What the board's Python offers, found without importing it (the measuring child imports it once)."""
    import importlib.util
    from importlib import metadata

    def found(module: str, dist: str) -> str | None:
        try:
            if importlib.util.find_spec(module) is None:
                return None
        except (ImportError, ValueError):
            return None
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "unknown version"

    out = {
        "python": platform.python_version(),
        "executable": sys.executable,
        "machine": platform.machine(),
        "numpy": found("numpy", "numpy"),
        "runtime": None,
    }
    for dist, module in (("ai-edge-litert", "ai_edge_litert"), ("tflite-runtime", "tflite_runtime")):
        version = found(module, dist)
        if version is not None:
            out["runtime"] = f"{dist} {version}"
            break
    return out


#: 32-bit Arm as uname -m says it: neither ai-edge-litert nor tflite-runtime publishes wheels for it.
ARM32 = ("armv6l", "armv7l", "armv8l", "arm")


def missing(v: dict) -> str | None:
    """The one-line fix for a board that cannot measure with its Python, or None."""
    exe = v["executable"]
    if v["numpy"] is None:
        return f"NumPy is not installed for {exe}; install it on the board with `{exe} -m pip install numpy`"
    if v["runtime"] is None:
        return no_runtime(v)
    return None


def no_runtime(v: dict) -> str:
    """``no TFLite runtime ...``: which runtime is missing and what can be installed for this architecture."""
    exe, machine = v["executable"], v.get("machine") or "unknown"
    where = f"{exe} (Python {v.get('python')}, {machine})"
    if machine in ARM32:
        return (
            f"no TFLite runtime for {where}: neither ai-edge-litert nor tflite-runtime publishes a wheel for 32-bit "
            f"Arm; install TFLite's C++ benchmark_model on the board (bazel build -c opt --config=elinux_armhf "
            f'//tensorflow/lite/tools/benchmark:benchmark_model) and set benchmark_model = "/path/to/it" for this '
            f"board in the inventory"
        )
    return (
        f"no TFLite runtime for {where}; install one on the board with `{exe} -m pip install ai-edge-litert` "
        f'(or tflite-runtime), or set benchmark_model = "/path/to/benchmark_model" for this board in the inventory'
    )


def reply(doc: dict) -> int:
    sys.stdout.write("\n" + json.dumps(doc) + "\n")
    sys.stdout.flush()
    return 0 if doc.get("ok") else 3


def fingerprint() -> dict:
    from cpus import discover_host

    fp = discover_host()
    return fp.to_json() if hasattr(fp, "to_json") else fp


def measure(request: dict, timeout: float) -> dict:
    """Run the bench core's child on the request; a crash or hang becomes an error reply, never a hang.

    An exclusive lock on the project folder's ``measure.lock`` is held meanwhile, so two hosts or
    two sweeps measuring on this board take turns instead of slowing each other down.
    """
    tmp = os.environ.get("EDGEPARETO_AGENT_TMP")
    lock = open(os.path.join(os.path.dirname(tmp) if tmp else HERE, "measure.lock"), "a")  # noqa: SIM115
    try:
        import fcntl

        fcntl.flock(lock, fcntl.LOCK_EX)
        return _measure_locked(request, timeout)
    finally:
        lock.close()


def benchmark(request: dict) -> dict:
    """Run TFLite's ``benchmark_model`` (``request["argv"]``, built by the host) pinned to ``request["cpus"]``.

    Pinned with ``taskset -c`` when the board has it (else the child's affinity is set before exec);
    a fake sysfs tree cannot be pinned to (its CPUs are not this machine's), as in the bench core.
    Returns the tool's whole output (stdout then stderr) for the host's importer.
    """
    from _sysfs import format_cpu_list, is_fake

    argv = [str(a) for a in request["argv"]]
    if not argv or not os.path.isabs(argv[0]):
        return {"ok": False, "kind": "usage", "error": "benchmark: argv[0] must be the tool's absolute path"}
    if not os.path.isfile(argv[0]) or not os.access(argv[0], os.X_OK):
        return {
            "ok": False,
            "kind": "measure",
            "error": f"benchmark_model {argv[0]} not found or not executable on the board; fix "
            f"benchmark_model in the inventory",
        }
    cpus = [int(c) for c in request.get("cpus") or []]
    timeout = float(request.get("timeout_s", 3600))
    preexec = None
    if not cpus:
        pinning = "not pinned"
    elif is_fake():
        pinning = "not pinned: fake sysfs (its CPUs are not this host's)"
    else:
        import shutil

        taskset = shutil.which("taskset")
        if taskset:
            argv = [taskset, "-c", format_cpu_list(cpus), *argv]
            pinning = f"taskset -c {format_cpu_list(cpus)}"
        else:

            def preexec() -> None:
                os.sched_setaffinity(0, cpus)

            pinning = f"sched_setaffinity {format_cpu_list(cpus)} (no taskset on the board)"
    tmp = os.environ.get("EDGEPARETO_AGENT_TMP")
    lock = open(os.path.join(os.path.dirname(tmp) if tmp else HERE, "measure.lock"), "a")  # noqa: SIM115
    try:
        import fcntl

        fcntl.flock(lock, fcntl.LOCK_EX)
        from _guard import guarded_child

        pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
        try:  # like the bench core's child: dies with this agent, killed with its group on a timeout
            with guarded_child(argv, text=True, errors="replace", preexec_fn=preexec, **pipes) as proc:
                try:
                    out, err = proc.communicate(timeout=timeout)
                except subprocess.TimeoutExpired:
                    return {
                        "ok": False,
                        "kind": "measure",
                        "error": f"benchmark_model did not finish within {timeout:.0f} s",
                    }
        except OSError as exc:
            return {"ok": False, "kind": "measure", "error": f"cannot run {argv[0]}: {exc.strerror}"}
    finally:
        lock.close()
    log = out + ("\n" + err if err else "")
    return {
        "ok": True,
        "result": {"log": log[-200000:], "returncode": proc.returncode, "argv": argv, "pinning": pinning, "cpus": cpus},
    }


def _measure_locked(request: dict, timeout: float) -> dict:
    """The child gets the request on stdin (no request file to leave behind) and dies with this agent."""
    from _guard import guarded_child

    cmd = [sys.executable, os.path.join(HERE, "_child.py"), "-"]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    with guarded_child(cmd, text=True, **pipes) as proc:
        try:
            stdout, stderr = proc.communicate(json.dumps(request), timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"ok": False, "kind": "measure", "error": f"measurement did not finish within {timeout:.0f} s"}
    done = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
    lines = [ln for ln in done.stdout.splitlines() if ln.strip()]
    if lines:
        try:
            return {"ok": True, "result": json.loads(lines[-1]), "returncode": done.returncode}
        except ValueError:
            pass
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    how = f"signal {-done.returncode}" if done.returncode < 0 else f"status {done.returncode}"
    return {"ok": False, "kind": "measure", "error": f"measuring child exited with {how}: {tail}"}


def main(argv: list[str]) -> int:
    commands = ("check", "fingerprint", "measure", "benchmark")
    if len(argv) < 2 or argv[1] not in commands:
        return reply({"ok": False, "kind": "usage", "error": f"usage: edgepareto_agent.py {'|'.join(commands)}"})
    v = versions()
    if argv[1] == "check":  # "missing": the one-line fix when the board's Python cannot measure, else None
        return reply({"ok": True, "result": {**v, "missing": missing(v)}})
    try:
        if argv[1] == "fingerprint":  # the standard library is enough: a board without a runtime is described too
            return reply({"ok": True, "result": fingerprint(), "versions": v})
        if argv[1] == "benchmark":
            return reply({**benchmark(json.loads(sys.stdin.read())), "versions": v})
    except Exception as exc:  # the host needs one line, not a traceback it cannot parse
        return reply({"ok": False, "kind": "agent", "error": f"{type(exc).__name__}: {exc}"})
    fix = missing(v)
    if fix:
        return reply({"ok": False, "kind": "runtime", "error": fix, "versions": v})
    try:
        request = json.loads(sys.stdin.read())
        timeout = float(request.pop("agent_timeout_s", 3600))
        return reply({**measure(request, timeout), "versions": v})
    except Exception as exc:  # the host needs one line, not a traceback it cannot parse
        return reply({"ok": False, "kind": "agent", "error": f"{type(exc).__name__}: {exc}"})


if __name__ == "__main__":
    sys.exit(main(sys.argv))

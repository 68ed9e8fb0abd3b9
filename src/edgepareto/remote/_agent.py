"""edgepareto's on-board agent: a flat script the host uploads beside the bench core and runs over SSH.

Needs only the Python standard library to start; NumPy and a TFLite runtime (ai-edge-litert or
tflite-runtime) are checked first and reported as one line naming the fix. Every reply is ONE
JSON object on the last stdout line: ``{"ok": true, "result": ...}`` or
``{"ok": false, "kind": "runtime"|"usage"|"measure", "error": "..."}``.

    python3 edgepareto_agent.py check                 # versions; never fails
    python3 edgepareto_agent.py fingerprint           # the board's Fingerprint (clusters, caches, kernel)
    python3 edgepareto_agent.py measure < REQUEST     # runs _child.py in a child with a timeout

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


def missing(v: dict) -> str | None:
    """The one-line fix for a board that cannot measure, or None."""
    exe = v["executable"]
    if v["numpy"] is None:
        return f"NumPy is not installed for {exe}; install it on the board with `{exe} -m pip install numpy`"
    if v["runtime"] is None:
        return (
            f"no TFLite runtime for {exe}; install one on the board with `{exe} -m pip install ai-edge-litert` "
            f"(or tflite-runtime)"
        )
    return None


def reply(doc: dict) -> int:
    sys.stdout.write("\n" + json.dumps(doc) + "\n")
    sys.stdout.flush()
    return 0 if doc.get("ok") else 3


def fingerprint() -> dict:
    from cpus import discover_host  # type: ignore[import-not-found]

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


def _measure_locked(request: dict, timeout: float) -> dict:
    """The child gets the request on stdin (no request file to leave behind) and dies with this agent."""
    from _guard import guarded_child  # type: ignore[import-not-found]

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
    if len(argv) < 2 or argv[1] not in ("check", "fingerprint", "measure"):
        return reply({"ok": False, "kind": "usage", "error": "usage: edgepareto_agent.py check|fingerprint|measure"})
    v = versions()
    if argv[1] == "check":
        return reply({"ok": True, "result": v})
    fix = missing(v)
    if fix:
        return reply({"ok": False, "kind": "runtime", "error": fix, "versions": v})
    try:
        if argv[1] == "fingerprint":
            return reply({"ok": True, "result": fingerprint(), "versions": v})
        request = json.loads(sys.stdin.read())
        timeout = float(request.pop("agent_timeout_s", 3600))
        return reply({**measure(request, timeout), "versions": v})
    except Exception as exc:  # the host needs one line, not a traceback it cannot parse
        return reply({"ok": False, "kind": "agent", "error": f"{type(exc).__name__}: {exc}"})


if __name__ == "__main__":
    sys.exit(main(sys.argv))

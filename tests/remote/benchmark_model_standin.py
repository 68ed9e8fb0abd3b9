#!/usr/bin/python3
"""A STAND-IN for TFLite's C++ ``benchmark_model`` (tests only): same flags, same log format, no TFLite.

It prints what TFLite 2.x's ``benchmark_model`` prints (``INFO:`` lines, the parameter block,
``count=... avg=... std=...`` for the warm-up and the counted runs, the timing and memory
summary), honouring ``--graph``, ``--num_threads``, ``--num_runs``, ``--warmup_runs``,
``--run_delay`` and ``--max_secs``. The "inference" it times is a read of the model file: the
numbers are real wall-clock times of that, not of a network. Like the real tool it fails with
``ERROR: ...`` and exit status 1 when the graph is missing or is not a TFLite flatbuffer, and it
reports the CPUs it was allowed to run on (``taskset`` pinning) in an extra line the importer
ignores. Standard library only, so it runs on any board's Python 3.
"""

import os
import statistics
import sys
import time


def flags(argv):
    out = {}
    for a in argv:
        if a.startswith("--") and "=" in a:
            k, v = a[2:].split("=", 1)
            out[k] = v
    return out


def stats_line(times_us):
    avg = statistics.fmean(times_us)
    std = statistics.pstdev(times_us) if len(times_us) > 1 else 0.0
    s = sorted(times_us)
    line = (
        f"count={len(s)} first={int(times_us[0])} curr={int(times_us[-1])} min={int(s[0])} max={int(s[-1])} "
        f"avg={avg:g} std={int(std)}"
    )
    if len(s) > 1:
        pick = lambda q: int(s[min(len(s) - 1, int(q * len(s)))])  # noqa: E731
        line += f" p5={pick(0.05)} median={int(statistics.median(s))} p95={pick(0.95)}"
    return line, avg


def main(argv):
    f = flags(argv[1:])
    graph = f.get("graph", "")
    threads = int(f.get("num_threads", "-1"))
    runs = int(f.get("num_runs", "50"))
    warmup = int(f.get("warmup_runs", "1"))
    delay = float(f.get("run_delay", "-1"))
    max_secs = float(f.get("max_secs", "150"))
    print("INFO: STARTING!")
    print("INFO: Log parameter values verbosely: [0]")
    print(f"INFO: Min num runs: [{runs}]")
    print(f"INFO: Min runs duration (seconds): [{f.get('min_secs', '1')}]")
    print(f"INFO: Max runs duration (seconds): [{max_secs:g}]")
    print(f"INFO: Inter-run delay (seconds): [{delay:g}]")
    print(f"INFO: Num threads: [{threads}]")
    print(f"INFO: Min warmup runs: [{warmup}]")
    print(f"INFO: Min warmup runs duration (seconds): [{f.get('warmup_min_secs', '0.5')}]")
    print(f"INFO: Graph: [{graph}]")
    print(f"INFO: #threads used for CPU inference: [{threads}]")
    print(f"INFO: (stand-in) allowed CPUs: [{','.join(str(c) for c in sorted(os.sched_getaffinity(0)))}]")
    sys.stdout.flush()
    try:
        with open(graph, "rb") as fh:
            data = fh.read()
    except OSError:
        print(f"ERROR: Could not open '{graph}'.", file=sys.stderr)
        print("ERROR: Failed to initialize the interpreter", file=sys.stderr)
        return 1
    if data[4:8] != b"TFL3":
        print("ERROR: The model is not a valid Flatbuffer buffer", file=sys.stderr)
        print(f"ERROR: Could not load model from '{graph}'.", file=sys.stderr)
        return 1
    print(f"INFO: Loaded model {graph}")
    print(f"INFO: The input model file size (MB): {len(data) / 1e6:g}")
    t0 = time.perf_counter()
    sum(data[::4096])
    print(f"INFO: Initialized session in {(time.perf_counter() - t0) * 1000:.3f}ms.")

    def run(n):
        times = []
        for _ in range(n):
            t = time.perf_counter()
            with open(graph, "rb") as fh:
                sum(fh.read()[::64])
            times.append((time.perf_counter() - t) * 1e6)
            if delay > 0:
                time.sleep(delay)
        return times

    warm_line, warm_avg = stats_line(run(max(1, warmup)))
    print(
        f"INFO: Running benchmark for at least {warmup} iterations and at least "
        f"{f.get('warmup_min_secs', '0.5')} seconds but terminate if exceeding {max_secs:g} seconds."
    )
    print(f"INFO: {warm_line}")
    print(
        f"INFO: Running benchmark for at least {runs} iterations and at least {f.get('min_secs', '1')} seconds "
        f"but terminate if exceeding {max_secs:g} seconds."
    )
    times = run(runs)
    line, avg = stats_line(times)
    print(f"INFO: {line}")
    print(
        f"INFO: Inference timings in us: Init: 1000, First inference: {int(times[0])}, "
        f"Warmup (avg): {warm_avg:g}, Inference (avg): {avg:g}"
    )
    print("INFO: Memory footprint delta from the start of the tool (MB): init=0.5 overall=1.25")
    print("INFO: Overall peak memory footprint (MB) via periodic monitoring: 9.5")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

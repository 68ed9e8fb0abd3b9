"""What the SSH path costs and whether it changes the figure: a loopback "board" against the host.

A real sshd on 127.0.0.1 (throw-away keys, as in tests/remote) runs the on-board agent with a
board-like Python (NumPy + ai-edge-litert only, no edgepareto). For each model, host and board
measurements are interleaved (host, board, host, board, ...) with the same protocol, threads and
CPU, so their medians can be compared as ratios on this shared, noisy machine. Also recorded:
wall time of one measure() call each way (the remote one includes connect, agent start and the
JSON round trip), and bytes uploaded by a first session and by a rerun (content addressing).

    .venv/bin/python benchmarks/remote_overhead.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import write_results  # noqa: E402

from edgepareto.bench import Protocol, measure  # noqa: E402
from edgepareto.remote import Board, RemoteBoard  # noqa: E402
from tests.conftest import FLOAT_MODEL, QUANT_MODEL  # noqa: E402
from tests.remote.sshd import Sshd, keygen  # noqa: E402


def board_python(folder: Path) -> str:
    """Same construction as the test fixture: a venv with only NumPy and ai-edge-litert linked in."""
    import subprocess
    import sysconfig

    site = Path(sysconfig.get_paths()["purelib"])
    venv = folder / "venv"
    subprocess.run(
        [getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip", str(venv)], check=True
    )
    target = next((venv / "lib").glob("python3*/site-packages"))
    for pattern in ("numpy", "numpy.libs", "ai_edge_litert", "numpy-*.dist-info", "ai_edge_litert-*.dist-info"):
        for src in site.glob(pattern):
            (target / src.name).symlink_to(src)
    return str(venv / "bin" / "python")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5, help="interleaved host/board pairs per model")
    ap.add_argument("--cpu", type=int, default=0, help="CPU both sides pin to")
    args = ap.parse_args()
    protocol = Protocol.fast()
    with tempfile.TemporaryDirectory(prefix="edgepareto-remote-bench-") as tmp:
        tmp_path = Path(tmp)
        key = keygen(tmp_path / "id_ed25519")
        server = Sshd(tmp_path / "sshd", Path(f"{key}.pub")).start()
        try:
            kh = tmp_path / "known_hosts"
            kh.write_text(server.known_hosts_line())
            board = Board(
                name="loopback",
                host="127.0.0.1",
                port=server.port,
                user=server.user,
                key_file=key,
                known_hosts=kh,
                python=board_python(tmp_path),
                remote_dir=str(tmp_path / "remote"),
            )
            uploads = []
            for session in ("first session", "rerun"):
                with RemoteBoard(board) as rb:
                    rb.ensure_agent()
                    for model in (QUANT_MODEL, FLOAT_MODEL):
                        rb.upload_artifact(model)
                    uploads.append(
                        {"session": session, "files": rb.conn.uploaded_files, "bytes": rb.conn.uploaded_bytes}
                    )
            rows = []
            with RemoteBoard(board) as rb:
                for model in (QUANT_MODEL, FLOAT_MODEL):
                    measure(model, cpus=[args.cpu], protocol=protocol)  # untimed first runs of each path
                    rb.measure(model, cpus=[args.cpu], protocol=protocol)
                    host_med, board_med, host_wall, board_wall = [], [], [], []
                    for _ in range(args.rounds):
                        t0 = time.perf_counter()
                        h = measure(model, cpus=[args.cpu], protocol=protocol)
                        t1 = time.perf_counter()
                        b = rb.measure(model, cpus=[args.cpu], protocol=protocol)
                        t2 = time.perf_counter()
                        assert h.ok and b.ok, (h.error, b.error)
                        host_med.append(h.median_ms)
                        board_med.append(b.median_ms)
                        host_wall.append(t1 - t0)
                        board_wall.append(t2 - t1)
                    rows.append(
                        {
                            "model": model.name,
                            "host_median_ms": statistics.median(host_med),
                            "board_median_ms": statistics.median(board_med),
                            "ratio_board_over_host": statistics.median(board_med) / statistics.median(host_med),
                            "host_call_s": statistics.median(host_wall),
                            "board_call_s": statistics.median(board_wall),
                            "ssh_overhead_s": statistics.median(board_wall) - statistics.median(host_wall),
                            "host_medians_ms": host_med,
                            "board_medians_ms": board_med,
                            "engine_version": b.engine_version,
                            "kernel_path": b.kernel_path,
                            "board_pinning": b.pinning,
                        }
                    )
        finally:
            server.stop()
    proto = {
        "protocol": protocol.to_json(),
        "threads": 1,
        "cpus": [args.cpu],
        "rounds": args.rounds,
        "order": "interleaved host, board; first call of each path untimed",
    }
    md = [
        "# Remote (SSH loopback board) vs host: same figure, overhead per call, uploads",
        "",
        f"Protocol: {protocol} · 1 thread pinned to CPU {args.cpu} on both sides · {args.rounds} interleaved "
        f"pairs per model · engine {rows[0]['engine_version']} ({rows[0]['kernel_path']}). Shared, noisy "
        f"machine: compare the ratio, not the absolute figures.",
        "",
        "| model | host median ms | board median ms | board/host | host call s | board call s | SSH overhead s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        md.append(
            f"| {r['model']} | {r['host_median_ms']:.3f} | {r['board_median_ms']:.3f} | "
            f"{r['ratio_board_over_host']:.3f} | {r['host_call_s']:.2f} | {r['board_call_s']:.2f} | "
            f"{r['ssh_overhead_s']:+.2f} |"
        )
    md += ["", "| uploads | files | bytes |", "|---|---:|---:|"]
    md += [f"| {u['session']} | {u['files']} | {u['bytes']:,} |" for u in uploads]
    jpath, mpath = write_results(
        "remote_overhead", {"protocol": proto, "rows": rows, "uploads": uploads}, "\n".join(md)
    )
    print("\n".join(md))
    print(f"\nwrote {jpath} and {mpath}")


if __name__ == "__main__":
    main()

"""The Ray executor on a real Ray cluster on loopback: a head (no CPUs: it schedules, runs nothing) and two
worker nodes of one CPU each, each its own `ray start`.

The worker nodes run in a private mount namespace where the driver's folder (images, ground truth,
stores, artifacts) is an empty tmpfs, and in another working directory: whatever they convert and
evaluate reached them through Ray's object store. They run with the other tests once the ray extra is installed
(`make setup-ray`, which `.ci/run` does) and skip without it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from edgepareto.errors import ConfigError, EdgeParetoError
from edgepareto.store import Store
from edgepareto.sweep import load_plan, run_sweep
from tests.conftest import IMAGENET

NO_RAY = "Ray is not installed: pip install 'edgepareto[ray]' to run the Ray tests"

PLAN = """
name = "ray-small"
[[study]]
name = "measured-small"
kind = "measured"
alphas = [0.25]
resolutions = [{resolution}]
precisions = ["fp32", "int8"]
calibration_samples = 8
calibration_dir = "{images}"
dataset = "imagenet"
data_dir = "{images}"
ground_truth = "{truth}"
"""


COMPARED = ("size_bytes", "top1", "top5")


def _can_hide() -> bool:
    return os.geteuid() == 0 and shutil.which("unshare") is not None


@pytest.fixture(scope="module")
def driver_only(tmp_path_factory) -> Path:
    """The driver's folder: fixture images copied 8 times (192 files), their ground truth, the stores."""
    if not IMAGENET.is_dir():
        pytest.skip(f"shared fixtures not found at {IMAGENET}; put ../shared beside the repository")
    root = tmp_path_factory.mktemp("driver-only")
    images = root / "images"
    images.mkdir()
    rows = IMAGENET.joinpath("ground_truth.csv").read_text().splitlines()
    out = ["file,synset"]
    for copy in range(8):
        for row in rows[1:]:
            name, synset = row.split(",")[0], row.split(",")[2]
            new = name.replace("ILSVRC2012_val_", f"ILSVRC2012_val_{copy}")
            shutil.copy(IMAGENET / "images" / name, images / new)
            out.append(f"{new},{synset}")
    (root / "truth.csv").write_text("\n".join(out) + "\n")
    return root


@pytest.fixture(scope="module")
def cluster(driver_only, tmp_path_factory):
    pytest.importorskip("ray", reason=NO_RAY)
    from edgepareto.compute.loopback import LoopbackCluster

    with LoopbackCluster(head_cpus=0, object_store_mb=200) as c:
        hidden = (driver_only,) if _can_hide() else ()
        for _ in range(2):
            c.add_node(cpus=1, hidden=hidden, cwd=tmp_path_factory.mktemp("worker-cwd"))
        yield c
    assert c.leftovers() == []  # every process this cluster started has ended


def _plan(root: Path, name: str, resolution: int = 128) -> Path:
    path = root / f"{name}.toml"
    path.write_text(PLAN.format(images=root / "images", truth=root / "truth.csv", resolution=resolution))
    return path


def _records(store_path: Path) -> dict[str, tuple]:
    with Store(store_path) as s:
        recs = [m for m in s.measurements(source="measured", include_noisy=True)]  # a loaded host may store noisy ones
    keys = [m.key for m in recs]
    assert len(keys) == len(set(keys)), "a key recorded twice"
    # sizes and accuracies by value; what a latency task measures (latency, memory) is re-measured: only present
    seen = lambda m: (m.value, m.n) if m.metric in COMPARED else (None, None)  # noqa: E731
    return {m.key: (m.metric, m.variant.name, *seen(m)) for m in recs}


def _sweep(root: Path, plan: Path, name: str, monkeypatch, **kw):
    monkeypatch.setenv("EDGEPARETO_HOME", str(root / f"home-{name}"))
    return run_sweep(plan, root / name / "results.sqlite", live=False, **kw)


def _on_node(c, node, fn):
    """Run ``fn`` on ``node`` (by node id) from a fresh driver connection."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    ray.init(address=c.address, log_to_driver=False, logging_level="ERROR")
    try:
        ids = [n["NodeID"] for n in ray.nodes() if n["Alive"] and n["NodeManagerPort"] == node.node_manager_port]
        strategy = NodeAffinitySchedulingStrategy(ids[0], soft=False)
        return ray.get(ray.remote(fn).options(scheduling_strategy=strategy, num_cpus=0).remote())
    finally:
        ray.shutdown()


@pytest.mark.ray
def test_ray_store_equals_local_and_the_worker_never_sees_the_data(cluster, driver_only, monkeypatch):
    plan = _plan(driver_only, "plan")
    local = _sweep(driver_only, plan, "local", monkeypatch)
    remote = _sweep(driver_only, plan, "ray", monkeypatch, executor="ray", ray_address=cluster.address)
    assert local.failed == remote.failed == 0, (local.failures, remote.failures)
    a, b = _records(driver_only / "local" / "results.sqlite"), _records(driver_only / "ray" / "results.sqlite")
    assert a.keys() == b.keys()
    accuracy = {k: v for k, v in a.items() if v[0] in ("top1", "top5")}
    assert len(accuracy) == 4 and all(v[3] == 192 for v in accuracy.values())  # 2 artifacts x top-1/top-5
    assert {k: b[k] for k in accuracy} == accuracy  # same accuracies, same n
    assert b == a  # sizes (the same bytes converted on a Ray node) and accuracies equal; latencies present
    assert any(v[0] == "latency_ms" for v in b.values())  # latency measured (here), only its presence compared
    workers = cluster.nodes[1:]  # the head has no CPUs: every task ran on these
    shipped = [p for w in workers for p in (w.folder / "blobs").rglob("*") if p.is_file()]
    assert {".tflite", ".JPEG"} <= {p.suffix for p in shipped}  # artifacts and images arrived as bytes
    if _can_hide():  # the driver's folder reads as empty on the worker nodes
        images = str(driver_only / "images")
        assert [_on_node(cluster, w, lambda: os.path.exists(images)) for w in workers] == [False, False]


@pytest.mark.ray
def test_driver_killed_mid_sweep_then_rerun_resumes(cluster, driver_only):
    """`edgepareto sweep --executor ray` killed (SIGKILL) after its first accuracy: the rerun does only the rest."""
    store = driver_only / "resumed" / "results.sqlite"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "EDGEPARETO_HOME": str(driver_only / "home-ray")}
    cmd = [sys.executable, "-m", "edgepareto", "sweep", str(_plan(driver_only, "plan")), "--store", str(store),
           "--no-report", "--no-live", "--json", "--executor", "ray", "--ray-address", cluster.address]  # fmt: skip
    in_tmp = set(Path(tempfile.gettempdir()).glob("edgepareto-ray-driver-*"))
    first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 300
    while first.poll() is None and time.monotonic() < deadline and not _accuracies(store):
        time.sleep(0.05)
    first.kill()
    first.wait(timeout=30)
    before, full = _records(store), _records(driver_only / "ray" / "results.sqlite")
    # nothing of the killed driver in /tmp: its temp files are in the sweep's private folder beside the store
    assert set(Path(tempfile.gettempdir()).glob("edgepareto-ray-driver-*")) <= in_tmp
    stale = list((store.parent / ".tmp").glob(f"*-{first.pid}-*"))
    assert stale, "the killed sweep's private temp folder is not beside its store"
    # the two workers may file both accuracies in one instant: what matters is that some, not all, was done
    assert _accuracies(store) and before.keys() < full.keys(), "the driver was not killed mid-sweep"
    rerun = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    doc = json.loads(rerun.stdout)
    assert doc["skipped"] >= 1 and doc["failed"] == 0
    after = _records(store)  # every key once
    assert after.keys() == full.keys()
    assert {k: after[k] for k in before} == before  # what finished before the kill was kept, not redone
    assert not any(p.exists() for p in stale)  # the next sweep removed the killed one's folder


def _accuracies(store: Path) -> list:
    if not store.exists():
        return []
    with Store(store) as s:
        return s.measurements(metric="top1", source="measured")


@pytest.mark.ray
def test_shared_paths_read_in_place(cluster, driver_only, tmp_path, monkeypatch):
    """``shared_paths = true``: nodes open the driver's paths themselves; the fixture folder every node sees works,
    and nothing is shipped (no new blobs on the nodes)."""
    monkeypatch.setenv("EDGEPARETO_HOME", str(driver_only / "home-ray"))  # conversions cached by the first test
    text = _plan(driver_only, "plan").read_text()  # the same recipes (calibration included): converted already
    text = text.replace(f'data_dir = "{driver_only / "images"}"', f'data_dir = "{IMAGENET / "images"}"')
    truth = IMAGENET / "ground_truth.csv"
    text = text.replace(f'ground_truth = "{driver_only / "truth.csv"}"', f'ground_truth = "{truth}"')
    plan = tmp_path / "plan.toml"
    plan.write_text("shared_paths = true\n" + text)
    blobs = lambda: {p for w in cluster.nodes[1:] for p in (w.folder / "blobs").rglob("*.JPEG")}  # noqa: E731
    before = blobs()
    out = run_sweep(plan, tmp_path / "r" / "results.sqlite", live=False, executor="ray", ray_address=cluster.address)
    assert out.failed == 0, out.failures
    recs = _records(tmp_path / "r" / "results.sqlite")
    assert sorted(v[3] for v in recs.values() if v[0] == "top1") == [24, 24]
    assert blobs() == before


@pytest.mark.ray
def test_a_board_that_is_a_ray_node_measures_its_own_latency(cluster, tmp_path, monkeypatch):
    """A node that joined with the resource device:loopboard is a device: fingerprinted and measured there."""
    board = cluster.add_node(cpus=1, resources={"device:loopboard": 1})
    monkeypatch.setenv("EDGEPARETO_HOME", str(tmp_path / "home"))
    plan = tmp_path / "plan.toml"
    plan.write_text(
        'ray_devices = ["loopboard"]\n[[study]]\nname = "b"\nkind = "latency-only"\nalphas = [0.25]\n'
        'resolutions = [32]\nprecisions = ["fp32"]\n'
    )
    out = run_sweep(
        plan, tmp_path / "r" / "results.sqlite", live=False, host=False, executor="ray", ray_address=cluster.address
    )
    assert out.failed == 0, out.failures
    assert out.devices and all(d.startswith("loopboard ") for d in out.devices)
    with Store(tmp_path / "r" / "results.sqlite") as s:
        lat = s.measurements(metric="latency_ms", source="measured")
        boards = [d for d in s.devices() if d.name in out.devices]
    assert {m.device for m in lat} == set(out.devices)
    assert all(d.kind == "board" and d.fingerprint["ray_device"] == "loopboard" for d in boards)
    assert list((board.folder / "blobs").rglob("*.tflite"))  # the artifact was shipped to the board and run there


@pytest.mark.ray
def test_raylet_killed_mid_evaluation_completes_every_record_once(cluster, driver_only, monkeypatch):
    monkeypatch.setenv("EDGEPARETO_HOME", str(driver_only / "home-ray"))  # conversions cached by the test above
    plan = load_plan(_plan(driver_only, "plan"))
    raylets = {w.raylet_pid(): w for w in cluster.nodes[1:]}
    killed: list[float] = []

    def kill_when_evaluating() -> None:  # the first worker node seen running an evaluation chunk loses its raylet
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and not killed:
            for pid, node in raylets.items():
                if any(_task_title(child) == b"ray::eval_chunk" for child in _children(pid)):
                    cluster.kill_raylet(node)
                    killed.append(time.monotonic())
                    break
            time.sleep(0.05)

    watcher = threading.Thread(target=kill_when_evaluating, daemon=True)
    watcher.start()
    store = driver_only / "killed" / "results.sqlite"
    out = run_sweep(plan, store, live=False, executor="ray", ray_address=cluster.address)
    finished = time.monotonic()
    killed.append(0.0) if not killed else None
    watcher.join(timeout=5)
    assert killed[0] and killed[0] < finished, "the worker's raylet was not killed during the evaluation"
    assert out.failed == 0, out.failures
    recs = _records(store)  # asserts every key once
    want = _records(driver_only / "ray" / "results.sqlite")
    assert recs.keys() == want.keys()
    assert {k: v for k, v in recs.items() if v[0] in ("top1", "top5")} == {
        k: v for k, v in want.items() if v[0] in ("top1", "top5")
    }


def _children(ppid: int | None) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit() and int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == ppid:
                out.append(int(d.name))
        except (OSError, ValueError, IndexError):
            continue
    return out


def _task_title(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].strip()
    except OSError:
        return b""


def test_an_unreachable_cluster_is_one_line_naming_the_address_and_the_fix(tmp_path):
    pytest.importorskip("ray", reason=NO_RAY)
    from edgepareto.compute import ExecutorChoice, make_executor
    from edgepareto.compute.loopback import free_port

    address = f"127.0.0.1:{free_port()}"
    with pytest.raises(EdgeParetoError) as info:
        make_executor(ExecutorChoice("ray", address))
    msg = str(info.value)
    assert "\n" not in msg and address in msg and "ray start --head" in msg


def test_without_ray_the_executor_says_how_to_install_it():
    code = (
        "import sys; sys.modules['ray'] = None\n"
        "from edgepareto.compute import ExecutorChoice, make_executor\n"
        "make_executor(ExecutorChoice('ray'))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert "pip install 'edgepareto[ray]'" in r.stderr.strip().splitlines()[-1]
    with pytest.raises(ConfigError, match="executor must be one of local, ray"):
        from edgepareto.compute import ExecutorChoice

        ExecutorChoice("dask")

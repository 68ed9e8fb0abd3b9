"""The ``ray`` executor: conversion, training and evaluation chunks as Ray tasks; the driver writes the store.

What a task needs travels through Ray's object store unless the plan says every node sees the
driver's paths (``shared_paths``): an artifact's bytes are put once (by sha256) and fetched once
per node; a chunk's image bytes (or decoded arrays) are put once per content hash and reused by
every model evaluated on them. A task on a node that dies is retried elsewhere by Ray
(``max_retries``); its result reaches the driver once, so nothing is recorded twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from edgepareto.artifacts import Artifact
from edgepareto.compute import ray_worker
from edgepareto.compute.jobs import ConvertSpec, with_artifact
from edgepareto.compute.ray_local import LocalHead, auth_env
from edgepareto.errors import ConfigError, EdgeParetoError
from edgepareto.validation import host_port

log = logging.getLogger(__name__)

RAY_VERSION = "2.60.0"  # the pinned extra: pip install 'edgepareto[ray]'
RETRIES = 5  # per task, on a worker or node that dies
# Images per evaluation task at most (the local pool's chunks hold 64): each task costs the raylets
# and the driver a dispatch, so fewer, larger tasks leave more of a small node's CPU to the work
# (benchmarks/ray_scaling.py); the chunks still shrink towards the end, so no node idles long.
TASK_IMAGES, TASK_IMAGES_MIN = 256, 16


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError(
            f"--executor ray needs Ray, which is not installed; install it with pip install 'edgepareto[ray]' "
            f"(Ray {RAY_VERSION}) or use --executor local"
        ) from None
    return ray


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """One line naming the address and the fix when nothing listens there (ray.init would wait a long time)."""
    host, port = host_port(address.removeprefix("ray://"), "--ray-address", "the head's address")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise EdgeParetoError(
            f"Ray cluster at {address} is not reachable ({exc.strerror or exc}); start its head there with "
            f"`ray start --head --port {port}`, or pass --ray-address of a running head"
        ) from None


def regrouped(bounds: list[tuple[int, int]], workers: int, largest: int, smallest: int) -> list[tuple[int, int]]:
    """The same contiguous span in chunks of ``smallest`` .. ``largest`` items, shrinking at the end (guided)."""
    from edgepareto.eval import chunk_bounds

    contiguous = all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    if not bounds or not contiguous:
        return bounds
    first = bounds[0][0]
    return [(first + a, first + b) for a, b in chunk_bounds(bounds[-1][1] - first, workers, largest, smallest)]


class RayExecutor:
    """Compute on a Ray cluster; see the module docstring."""

    name = "ray"

    def __init__(self, ray: Any, shared_paths: bool = False) -> None:
        self._ray, self.shared_paths = ray, shared_paths
        opts = {"max_retries": RETRIES, "num_cpus": 1}
        self._eval = ray.remote(**opts)(ray_worker.eval_chunk)
        self._convert = ray.remote(**opts)(ray_worker.convert)
        self._train = ray.remote(**opts)(ray_worker.train)
        self._puts: dict[str, Any] = {}  # content hash -> object ref
        self._sha: dict[str, str] = {}  # path|size|mtime -> sha256 of the file
        self._converts: dict[str, Any] = {}  # ConvertSpec.key -> result ref
        self._tmp_dir: Path | None = None  # made at first use: see _tmp
        self._head: LocalHead | None = None  # the local head this driver started (no --ray-address)

    @classmethod
    def connect(cls, address: str | None, *, shared_paths: bool = False) -> RayExecutor:
        if address is None:  # before Ray is imported: it reads the mode and token once per process
            os.environ.update(auth_env())  # this driver's own token for the head it starts
        ray = import_ray()
        if address and address != "auto":
            check_reachable(address)
        head = LocalHead.start() if address is None else None  # dies with this process (ray_local.py)
        try:
            ray.init(
                address=head.address if head else address,
                logging_level=logging.WARNING,
                log_to_driver=False,
                ignore_reinit_error=True,
            )
        except BaseException as exc:  # Ctrl-C included: the head started here ends here
            if head is not None:
                head.stop()
            if not isinstance(exc, (ConnectionError, RuntimeError)):
                raise
            where = address or "a new local Ray instance"
            raise EdgeParetoError(
                f"cannot connect to the Ray cluster at {where} ({exc}); check --ray-address"
            ) from None
        executor = cls(ray, shared_paths)
        executor._head = head
        return executor

    @property
    def _tmp(self) -> Path:
        """Trained artifacts fetched from the nodes. Made at first use, so inside the sweep's private temp folder
        (``sweep/_tmp.py``), which the next sweep removes if this driver is killed before ``close()``."""
        if self._tmp_dir is None:
            self._tmp_dir = Path(tempfile.mkdtemp(prefix="edgepareto-ray-driver-"))
        return self._tmp_dir

    @property
    def workers(self) -> int:
        """How many chunks run at once: the cluster's CPUs."""
        return max(1, int(self._ray.cluster_resources().get("CPU", 1)))

    @property
    def chunks(self) -> Any:
        return self._chunks

    # -- shipping ---------------------------------------------------------------------------
    def _put(self, key: str, make: Any) -> Any:
        if key not in self._puts:
            self._puts[key] = self._ray.put(make())
        return self._puts[key]

    def _file_sha(self, path: str) -> str:
        st = Path(path).stat()
        ident = f"{path}|{st.st_size}|{st.st_mtime_ns}"
        if ident not in self._sha:
            self._sha[ident] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        return self._sha[ident]

    def _files(self, paths: Sequence[str]) -> tuple[Any, ...]:
        """("paths", ...) read in place, or ("blobs", [(sha, name)], [ref of their bytes]) shipped by content."""
        if self.shared_paths:
            return ("paths", list(paths))
        blobs = [(self._file_sha(p), Path(p).name) for p in paths]
        key = hashlib.sha256(repr(blobs).encode()).hexdigest()
        return ("blobs", blobs, [self._put(key, lambda: [Path(p).read_bytes() for p in paths])])

    def _model(self, path: str) -> tuple[Any, ...]:
        if self.shared_paths:
            return ("path", path)
        sha = self._file_sha(path)
        return ("blob", sha, Path(path).name, [self._put(sha, lambda: [Path(path).read_bytes()])])

    def _chunk(self, dataset: Any, start: int, stop: int) -> tuple[Any, ...]:
        images = getattr(dataset, "images", None)
        if images is None:
            return self._files(dataset.files[start:stop])
        part = np.ascontiguousarray(images[start:stop])
        key = hashlib.sha256(part.tobytes()).hexdigest() + str(part.shape)
        return ("arrays", [self._put(key, lambda: part)])

    # -- evaluation ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def _chunks(self, args: tuple[Any, ...], bounds: list[tuple[int, int]], workers: int) -> Iterator[Iterator[Any]]:
        model, engine, spec, dataset, root, companions = args
        shipped = self._model(model)
        classes = tuple(dataset.class_names)
        root = root if self.shared_paths or root is None else "node"  # "node": each node's own cache folder
        run = self._eval.remote
        bounds = regrouped(bounds, workers, TASK_IMAGES, TASK_IMAGES_MIN)
        refs = [
            run(
                shipped,
                engine,
                spec,
                self._chunk(dataset, a, b),
                a,
                list(dataset.files[a:b]),
                classes,
                root,
                companions,
            )
            for a, b in bounds
        ]
        left = list(refs)
        try:
            yield self._as_done(left)
        finally:
            for r in left:
                self._ray.cancel(r)

    def _as_done(self, left: list[Any]) -> Iterator[Any]:
        while left:
            done, rest = self._ray.wait(left, num_returns=1)
            left[:] = rest
            yield self._ray.get(done[0])

    # -- conversion and training ----------------------------------------------------------------
    def _submit_convert(self, spec: ConvertSpec) -> Any:
        calibration = None
        if spec.calibration_dir and not self.shared_paths and any(str(p) == "int8" for p, _ in spec.wanted):
            from edgepareto.data.preprocessing import list_images

            files = [str(p) for p in list_images(spec.calibration_dir)[: spec.calibration_samples]]
            shipped = self._files(files)
            calibration = (shipped[1], shipped[2])
        weights = self._model(spec.weights) if spec.weights else None  # the driver's .h5, shipped unless shared
        return self._convert.remote(spec, calibration, weights)

    def prepare(self, specs: Sequence[ConvertSpec]) -> None:
        """Submit every conversion now, so they run in parallel while the driver commits them in order."""
        for spec in specs:
            if spec.key not in self._converts:
                self._converts[spec.key] = self._submit_convert(spec)

    def convert(self, spec: ConvertSpec, out_dir: Path) -> list[Artifact]:
        ref = self._converts.pop(spec.key, None) or self._submit_convert(spec)
        out = []
        for name, data, variant, scheme in self._ray.get(ref):
            (out_dir / name).write_bytes(data)
            out.append(Artifact.from_file(out_dir / name, variant, scheme, sha256=hashlib.sha256(data).hexdigest()))
        return out

    def train(self, alpha: float, progress: Any = None) -> list[Any]:
        if progress:
            progress(f"training alpha={alpha:g} on the Ray cluster")
        out = []
        for rec, data in self._ray.get(self._train.remote(alpha)):
            path = self._tmp / rec.sha256[:16] / Path(rec.artifact).name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            out.append(with_artifact(rec, str(path)))
        return out

    # -- boards that are Ray nodes (custom resource device:<name>) -----------------------------------
    def _on(self, device: str, fn: Any) -> Any:
        """``fn`` as a task that only a node offering ``device:<device>`` runs, one at a time there."""
        resource = f"device:{device}"
        if resource not in self._ray.cluster_resources():
            raise EdgeParetoError(
                f"no Ray node offers {resource}; start the board's node with `ray start --address HEAD:PORT "
                f"--resources '{{\"{resource}\": 1}}'` or drop {device!r} from ray_devices"
            )
        return self._ray.remote(fn).options(resources={resource: 1}, num_cpus=0, max_retries=RETRIES)

    def fingerprint(self, device: str) -> dict[str, Any]:
        return dict(self._ray.get(self._on(device, ray_worker.fingerprint).remote()))

    def measure_on(self, device: str, path: str, engine: str, threads: int, cluster: str | None, protocol: Any) -> Any:
        task = self._on(device, ray_worker.measure_latency)
        return self._ray.get(task.remote(self._model(path), engine, threads, cluster, protocol))

    def close(self) -> None:
        for ref in self._converts.values():
            self._ray.cancel(ref)
        self._converts.clear()
        self._puts.clear()
        if self._tmp_dir is not None:
            shutil.rmtree(self._tmp_dir, ignore_errors=True)
        self._ray.shutdown()
        if self._head is not None:
            self._head.stop()
            self._head = None
            for name, value in auth_env().items():  # the token was for that head only
                if os.environ.get(name) == value:
                    del os.environ[name]

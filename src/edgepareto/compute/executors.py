"""Where a sweep's compute runs: ``local`` (this process and its evaluation pool) or ``ray`` (a cluster).

An executor converts (:class:`ConvertSpec` -> files in a folder of the driver), trains (an alpha ->
study records whose artifacts are on the driver) and says how evaluation runs its chunks (an
``eval.ChunkMap``; None is the local pool). Latency never goes through it: it is measured on its
device. The driver alone writes the store, with the same keys whatever executor ran the work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from edgepareto import validation
from edgepareto.compute.jobs import ConvertSpec, convert_into, train_alpha
from edgepareto.errors import ConfigError

if TYPE_CHECKING:
    from edgepareto.artifacts import Artifact
    from edgepareto.eval import ChunkMap
    from edgepareto.train import StudyRecord

EXECUTORS = ("local", "ray")
Progress = Callable[[str], None]


class Executor(Protocol):
    name: str

    @property
    def workers(self) -> int | None: ...  # how many evaluation chunks run at once (None: the local default)

    @property
    def chunks(self) -> ChunkMap | None: ...

    def prepare(self, specs: Sequence[ConvertSpec]) -> None: ...

    def convert(self, spec: ConvertSpec, out_dir: Path) -> list[Artifact]: ...

    def train(self, alpha: float, progress: Progress | None = None) -> list[StudyRecord]: ...

    def fingerprint(self, device: str) -> dict[str, Any]: ...  # a board that is a Ray node

    def measure_on(
        self, device: str, path: str, engine: str, threads: int, cluster: str | None, protocol: Any
    ) -> Any: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class ExecutorChoice:
    """What the plan, the CLI or the API asked for: ``local`` or ``ray`` (with an address, or a new local Ray)."""

    name: str = "local"
    address: str | None = None
    shared_paths: bool = False  # every node sees the driver's paths: read data and artifacts in place
    devices: tuple[str, ...] = ()  # boards that are Ray nodes (resource device:<name>): latency measured there

    def __post_init__(self) -> None:
        if self.name not in EXECUTORS:
            raise ConfigError(f"executor must be one of {', '.join(EXECUTORS)}, got {self.name!r}")
        if self.address is not None and self.address != "auto":
            validation.host_port(self.address.removeprefix("ray://"), "--ray-address", "the head's address")


class LocalExecutor:
    """Everything in this process; evaluation on the local process pool."""

    name = "local"
    chunks = None
    workers = None

    def prepare(self, specs: Sequence[ConvertSpec]) -> None:
        return None

    def convert(self, spec: ConvertSpec, out_dir: Path) -> list[Artifact]:
        return convert_into(spec, out_dir)

    def train(self, alpha: float, progress: Progress | None = None) -> list[StudyRecord]:
        return train_alpha(alpha, progress)

    def fingerprint(self, device: str) -> dict[str, Any]:
        raise ConfigError(f"ray_devices ({device}) need the Ray executor; pass --executor ray or drop ray_devices")

    def measure_on(self, device: str, path: str, engine: str, threads: int, cluster: str | None, protocol: Any) -> Any:
        return self.fingerprint(device)

    def close(self) -> None:
        return None


def make_executor(choice: ExecutorChoice) -> Executor:
    """The executor for ``choice``; ``ray`` connects now (one line naming the address and the fix if it cannot)."""
    if choice.name == "local":
        return LocalExecutor()
    from edgepareto.compute.ray_executor import RayExecutor

    return RayExecutor.connect(choice.address, shared_paths=choice.shared_paths)

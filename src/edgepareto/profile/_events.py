"""ONNX Runtime's profile file read in one pass: the few events a profile needs, grouped by run in linear time.

The profiler writes one JSON event per line (``[``, then ``{...},`` lines, then ``]``). Parsing
the whole document and matching every node event against every run was quadratic and held
everything: 5,000 runs of a 0.3 ms model took 121 s and 1.18 GB. Here each line is parsed and
reduced at once to an :class:`Event` (runs, executor starts and kernel times; everything else is
dropped), the kept events are sorted by time, and one sweep hands each run its kernels: the work
grows with the number of events, not with events times runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

_KERNEL = "_kernel_time"
_WANTED = ("model_run", "SequentialExecutor::Execute", _KERNEL)


@dataclass(frozen=True, slots=True)
class Event:
    """One kept event: ``kind`` is ``run`` (a model_run), ``exec`` (the executor's start) or ``node`` (a kernel)."""

    kind: str
    ts: float
    dur: float
    name: str = ""  # a node's name, without the ``_kernel_time`` suffix
    op: str = "?"  # a node's operator type
    shape: tuple[int, ...] | None = None  # a node's first output shape, as the profiler states it


class Timed(Protocol):
    """What grouping reads of an event (tests count the reads)."""

    @property
    def kind(self) -> str: ...
    @property
    def ts(self) -> float: ...
    @property
    def dur(self) -> float: ...


def _shape(args: dict[str, Any]) -> tuple[int, ...] | None:
    try:
        (dims,) = args["output_type_shape"][0].values()
        return tuple(int(d) for d in dims)
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def keep(e: dict[str, Any]) -> Event | None:
    """The event reduced to what a profile uses, or None when it is not a run, an executor start or a kernel."""
    cat, name = e.get("cat"), str(e.get("name", ""))
    try:
        ts, dur = float(e["ts"]), float(e.get("dur", 0.0))
    except (KeyError, TypeError, ValueError):
        return None
    if cat == "Session" and name in ("model_run", "SequentialExecutor::Execute"):
        return Event("run" if name == "model_run" else "exec", ts, dur)
    if cat == "Node" and name.endswith(_KERNEL):
        args = e.get("args") or {}
        return Event("node", ts, dur, name[: -len(_KERNEL)], str(args.get("op_name", "?")), _shape(args))
    return None


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not any(word in line for word in _WANTED):  # fences and the rest: skipped unparsed
                continue
            text = line.strip().rstrip(",")
            if text and text not in ("[", "]"):
                event = json.loads(text)
                if not isinstance(event, dict):
                    raise ValueError("not one event per line")
                yield event


def read_events(path: str | Path) -> list[Event]:
    """The kept events of a profile file, parsed line by line (the whole document only if it is not one per line)."""
    path = Path(path)
    try:
        return [k for e in _lines(path) if (k := keep(e)) is not None]
    except ValueError:  # not one event per line: an older or reformatted file
        doc = json.loads(path.read_text(encoding="utf-8"))
        return [k for e in doc if isinstance(e, dict) and (k := keep(e)) is not None]


T = TypeVar("T", bound=Timed)  # what goes in comes out: an Event list gives Event groups


def group_runs(events: Iterable[T]) -> list[tuple[float, list[T]]]:
    """(executor start, kernel events in time order) per run, in one sweep over the time-sorted events."""
    ordered = sorted(events, key=lambda e: e.ts)
    runs = [e for e in ordered if e.kind == "run"]
    execs = [e.ts for e in ordered if e.kind == "exec"]
    nodes = [(e.ts, e) for e in ordered if e.kind == "node"]
    grouped: list[tuple[float, list[T]]] = []
    x = n = 0
    for r in runs:  # runs do not overlap: each pointer only moves forward
        begin = r.ts
        end = begin + r.dur
        while x < len(execs) and execs[x] < begin:
            x += 1
        start = execs[x] if x < len(execs) and execs[x] <= end else begin
        while n < len(nodes) and nodes[n][0] < begin:
            n += 1
        first = n
        while n < len(nodes) and nodes[n][0] <= end:
            n += 1
        grouped.append((start, [e for _, e in nodes[first:n]]))
    return grouped


__all__ = ["Event", "group_runs", "keep", "read_events"]

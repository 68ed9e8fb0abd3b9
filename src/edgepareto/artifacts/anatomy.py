"""Parse a ``.tflite`` flatbuffer with the schema LiteRT ships; never run the model.

Answers "where do the bytes go?": weight buffers versus graph, metadata and quantization
parameters, which is why an int8 file is less than 4x smaller than its float twin.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from edgepareto.errors import ModelFileError

T = TypeVar("T")

_IDENTIFIER = b"TFL3"


@dataclass(frozen=True)
class TensorInfo:
    """An input or output tensor with its quantization (scale/zero point; lists if per-channel)."""

    name: str
    shape: list[int]
    shape_signature: list[int]
    dtype: str
    scale: float | list[float] | None = None
    zero_point: int | list[int] | None = None

    @property
    def dynamic(self) -> bool:
        return any(d < 0 for d in self.shape_signature)


@dataclass(frozen=True)
class Anatomy:
    path: str
    bytes: int
    sha256: str
    schema_version: int
    description: str
    subgraphs: int
    tensors: int
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    operators: dict[str, int]
    weight_bytes: int
    metadata_bytes: int
    quantization_param_bytes: int
    other_bytes: int
    metadata_names: list[str] = field(default_factory=list)
    weight_dtypes: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["weight_fraction"] = self.weight_bytes / self.bytes
        return doc


def _enum_names(cls: type) -> dict[int, str]:
    return {v: k for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, int)}


def inspect_tflite(path: str | Path) -> Anatomy:
    """Read ``path`` and describe it; a one-line :class:`ModelFileError` if it is not a sound TFLite file."""
    return read_tflite(Path(path), _parse)


def read_tflite(path: Path, parse: Callable[[Path, bytes], T]) -> T:
    """``parse(path, bytes)`` of a TFLite file: a file that is not one, or a truncated or corrupt one, is a
    one-line :class:`ModelFileError` (every reader of the flatbuffer goes through here)."""
    data = read_tflite_bytes(path)
    try:
        return parse(path, data)
    except ModelFileError:
        raise
    except Exception as exc:  # flatbuffers reads past the end raise struct.error/IndexError/...
        raise ModelFileError(
            f"{path}: truncated or corrupt TFLite file ({type(exc).__name__}: {exc}); re-export or re-download it"
        ) from exc


def read_tflite_bytes(path: Path) -> bytes:
    """The whole file, once its 'TFL3' identifier says it is a TFLite flatbuffer (a one-line error if not)."""
    if path.is_dir():
        raise ModelFileError(f"{path}: is a folder, not a model file; pass the path of a .tflite file inside it")
    if not path.is_file():
        raise ModelFileError(f"{path}: file not found; pass the path of a .tflite model")
    with path.open("rb") as f:
        head = f.read(8)  # the identifier first: a 3 GB file of something else is not read whole
        if len(head) == 0:
            raise ModelFileError(f"{path}: file is empty (0 bytes); re-export or re-download the model")
        if len(head) < 8 or head[4:8] != _IDENTIFIER:
            raise ModelFileError(
                f"{path}: not a TFLite model (no 'TFL3' flatbuffer identifier at byte 4); "
                "pass a .tflite file, e.g. one written by `edgepareto export`"
            )
        return head + f.read()


def _parse(path: Path, data: bytes) -> Anatomy:
    from ai_edge_litert import schema_py_generated as schema

    size = len(data)
    model = schema.Model.GetRootAs(data, 0)

    def check(cond: bool, what: str) -> None:
        if not cond:
            raise ModelFileError(f"{path}: truncated or corrupt TFLite file ({what})")

    buffer_bytes = _buffer_sizes(model, size, check)
    metadata_names, metadata_buffers = _metadata(model, len(buffer_bytes), check)
    check(model.SubgraphsLength() >= 1, "no subgraph")
    g = _Graph(buffer_bytes, metadata_buffers, _enum_names(schema.TensorType), _opcodes(model, schema))
    for s in range(model.SubgraphsLength()):
        g.read(model.Subgraphs(s), first=s == 0, check=check)
    weight_bytes = sum(buffer_bytes[b] for b in g.weight_buffers)
    metadata_bytes = sum(buffer_bytes[b] for b in metadata_buffers)
    check(weight_bytes + metadata_bytes + g.quant_bytes <= size, "declared contents exceed the file size")
    return Anatomy(
        path=str(path),
        bytes=size,
        sha256=hashlib.sha256(data).hexdigest(),
        schema_version=int(model.Version()),
        description=(model.Description() or b"").decode("utf-8", "replace"),
        subgraphs=model.SubgraphsLength(),
        tensors=g.tensors,
        inputs=g.inputs,
        outputs=g.outputs,
        operators=dict(g.operators.most_common()),
        weight_bytes=weight_bytes,
        metadata_bytes=metadata_bytes,
        quantization_param_bytes=g.quant_bytes,
        other_bytes=size - weight_bytes - metadata_bytes - g.quant_bytes,
        metadata_names=metadata_names,
        weight_dtypes=dict(g.weight_dtypes),
    )


Check = Callable[[bool, str], None]


def _buffer_sizes(model: Any, size: int, check: Check) -> list[int]:
    """Buffers: inline data vectors, or (offset, size) ranges appended after the flatbuffer."""
    out: list[int] = []
    for i in range(model.BuffersLength()):
        buf = model.Buffers(i)
        check(buf is not None, f"buffer {i} unreadable")
        if buf.Offset() > 1:
            check(buf.Offset() + buf.Size() <= size, f"buffer {i} extends past the end of the file")
            out.append(int(buf.Size()))
            continue
        n = buf.DataLength()
        if n:
            check(buf.DataAsNumpy().size == n, f"buffer {i} shorter than declared")
        out.append(int(n))
    return out


def _metadata(model: Any, n_buffers: int, check: Check) -> tuple[list[str], set[int]]:
    names, buffers = [], set()
    for i in range(model.MetadataLength()):
        md = model.Metadata(i)
        names.append((md.Name() or b"").decode("utf-8", "replace"))
        check(0 <= md.Buffer() < n_buffers, f"metadata {i} points at a missing buffer")
        buffers.add(md.Buffer())
    return names, buffers


def _opcodes(model: Any, schema: Any) -> list[str]:
    op_names = _enum_names(schema.BuiltinOperator)
    out = []
    for i in range(model.OperatorCodesLength()):
        oc = model.OperatorCodes(i)
        code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        if code == schema.BuiltinOperator.CUSTOM:
            out.append("CUSTOM:" + (oc.CustomCode() or b"").decode("utf-8", "replace"))
        else:
            out.append(op_names.get(code, f"UNKNOWN_{code}"))
    return out


@dataclass
class _Graph:
    """Tensors, operators and quantization parameters, accumulated over the subgraphs."""

    buffer_bytes: list[int]
    metadata_buffers: set[int]
    type_names: dict[int, str]
    opcodes: list[str]
    operators: Counter[str] = field(default_factory=Counter)
    weight_buffers: set[int] = field(default_factory=set)
    weight_dtypes: Counter[str] = field(default_factory=Counter)
    quant_bytes: int = 0
    tensors: int = 0
    inputs: list[TensorInfo] = field(default_factory=list)
    outputs: list[TensorInfo] = field(default_factory=list)

    def read(self, sg: Any, *, first: bool, check: Check) -> None:
        n_buffers = len(self.buffer_bytes)
        self.tensors += sg.TensorsLength()
        for t in range(sg.TensorsLength()):
            tensor = sg.Tensors(t)
            b = tensor.Buffer()
            check(0 <= b < n_buffers, f"tensor {t} points at buffer {b} of {n_buffers}")
            if b and self.buffer_bytes[b] and b not in self.metadata_buffers and b not in self.weight_buffers:
                self.weight_buffers.add(b)
                self.weight_dtypes[self.type_names.get(tensor.Type(), str(tensor.Type()))] += self.buffer_bytes[b]
            q = tensor.Quantization()
            if q is not None:
                self.quant_bytes += 4 * (q.ScaleLength() + q.MinLength() + q.MaxLength()) + 8 * q.ZeroPointLength()
        for o in range(sg.OperatorsLength()):
            idx = sg.Operators(o).OpcodeIndex()
            check(idx < len(self.opcodes), f"operator {o} uses opcode {idx} of {len(self.opcodes)}")
            self.operators[self.opcodes[idx]] += 1
        if first:
            ins = sg.InputsAsNumpy() if sg.InputsLength() else []
            outs = sg.OutputsAsNumpy() if sg.OutputsLength() else []
            self.inputs = [_tensor_info(sg.Tensors(i), self.type_names) for i in ins]
            self.outputs = [_tensor_info(sg.Tensors(i), self.type_names) for i in outs]


def _tensor_info(tensor: Any, type_names: dict[int, str]) -> TensorInfo:
    q = tensor.Quantization()
    scale: float | list[float] | None = None
    zero: int | list[int] | None = None
    if q is not None and q.ScaleLength():
        scales = [float(x) for x in q.ScaleAsNumpy()]
        zeros = [int(x) for x in q.ZeroPointAsNumpy()] if q.ZeroPointLength() else [0] * len(scales)
        scale, zero = (scales[0], zeros[0]) if len(scales) == 1 else (scales, zeros)
    shape = [int(x) for x in tensor.ShapeAsNumpy()] if tensor.ShapeLength() else []
    sig = [int(x) for x in tensor.ShapeSignatureAsNumpy()] if tensor.ShapeSignatureLength() else list(shape)
    return TensorInfo(
        name=(tensor.Name() or b"").decode("utf-8", "replace"),
        shape=shape,
        shape_signature=sig,
        dtype=type_names.get(tensor.Type(), str(tensor.Type())).lower(),
        scale=scale,
        zero_point=zero,
    )

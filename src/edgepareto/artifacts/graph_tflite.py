"""The cost of a ``.tflite`` graph, read from its flatbuffer with the schema LiteRT ships (never run).

Each operator of the main subgraph, in execution order, is priced by ``models.graph`` from its
tensors' shapes: CONV_2D (filter ``[O, kh, kw, I]``), DEPTHWISE_CONV_2D (``[1, kh, kw, O]``),
FULLY_CONNECTED (``[O, I]``), and every other operator by its input and output elements. The
filter's shape is read whether it is a constant or the output of a DEQUANTIZE (fp16 files),
so every precision of one architecture has the same multiply-adds and parameters; an operator
whose inputs are all constants (that DEQUANTIZE) prepares weights once, so its output counts as
a constant and it moves no activations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgepareto.artifacts.anatomy import _buffer_sizes, _enum_names, _opcodes, read_tflite
from edgepareto.errors import ModelFileError
from edgepareto.models.graph import Conv, GraphCost, GraphOp, conv_op, dense_op, elements, other_op

DTYPE_BYTES: dict[str, int] = {
    "FLOAT32": 4, "FLOAT16": 2, "FLOAT64": 8, "INT32": 4, "UINT32": 4, "INT64": 8, "UINT64": 8, "INT16": 2,
    "UINT16": 2, "INT8": 1, "UINT8": 1, "BOOL": 1, "INT4": 1,
}  # fmt: skip


def tflite_graph_cost(path: str | Path) -> GraphCost:
    """Every operator of ``path`` with its multiply-adds, parameters and activation bytes."""
    return read_tflite(Path(path), _read)


def _read(path: Path, data: bytes) -> GraphCost:
    from ai_edge_litert import schema_py_generated as schema

    model = schema.Model.GetRootAs(data, 0)

    def check(cond: bool, what: str) -> None:
        if not cond:
            raise ModelFileError(f"{path}: truncated or corrupt TFLite file ({what})")

    check(model.SubgraphsLength() >= 1, "no subgraph")
    tensors = _Tensors(model.Subgraphs(0), _buffer_sizes(model, len(data), check), _enum_names(schema.TensorType))
    opcodes = _opcodes(model, schema)
    sg = model.Subgraphs(0)
    ops: list[GraphOp] = []
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        check(op.OpcodeIndex() < len(opcodes), f"operator {i} uses opcode {op.OpcodeIndex()} of {len(opcodes)}")
        ins = [int(t) for t in op.InputsAsNumpy()] if op.InputsLength() else []
        outs = [int(t) for t in op.OutputsAsNumpy()] if op.OutputsLength() else []
        check(bool(outs) and all(-1 <= t < tensors.count for t in ins + outs), f"operator {i} names a missing tensor")
        if ins and all(t >= 0 and tensors.constant[t] for t in ins):  # fp16 weights' DEQUANTIZE: runs once
            for t in outs:
                tensors.constant[t] = True
        ops.append(_op(len(ops), opcodes[op.OpcodeIndex()], ins, outs, tensors, _stride(op, schema)))
    return GraphCost(path.name, "tflite", tuple(ops))


class _Tensors:
    """Shapes, dtypes and constness of one subgraph's tensors."""

    def __init__(self, sg: Any, buffer_bytes: list[int], type_names: dict[int, str]) -> None:
        self.count = sg.TensorsLength()
        self.shapes: list[tuple[int, ...]] = []
        self.names: list[str] = []
        self.bytes_per: list[int] = []
        self.constant: list[bool] = []
        for t in range(self.count):
            tensor = sg.Tensors(t)
            self.shapes.append(tuple(int(x) for x in tensor.ShapeAsNumpy()) if tensor.ShapeLength() else ())
            self.names.append((tensor.Name() or b"").decode("utf-8", "replace"))
            self.bytes_per.append(DTYPE_BYTES.get(type_names.get(tensor.Type(), ""), 4))
            b = tensor.Buffer()
            self.constant.append(0 < b < len(buffer_bytes) and buffer_bytes[b] > 0)

    def nbytes(self, t: int) -> int:
        return elements(self.shapes[t]) * self.bytes_per[t]


def _stride(op: Any, schema: Any) -> int:
    """A convolution's stride from its options (0 where the operator has none)."""
    kind = op.BuiltinOptionsType()
    options = {
        schema.BuiltinOptions.Conv2DOptions: schema.Conv2DOptions,
        schema.BuiltinOptions.DepthwiseConv2DOptions: schema.DepthwiseConv2DOptions,
    }.get(kind)
    table = op.BuiltinOptions()
    if options is None or table is None:
        return 0
    parsed = options()
    parsed.Init(table.Bytes, table.Pos)
    return int(parsed.StrideH())


def _op(index: int, op_type: str, ins: list[int], outs: list[int], t: _Tensors, stride: int) -> GraphOp:
    out = outs[0]
    shape, name = t.shapes[out], t.names[out]
    present = [i for i in ins if i >= 0]
    weights = present[1:] if op_type in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED") else []
    act = sum(t.nbytes(i) for i in present if i not in weights and not t.constant[i])
    act += sum(t.nbytes(o) for o in outs if not t.constant[o])
    if op_type in ("CONV_2D", "DEPTHWISE_CONV_2D") and len(shape) == 4 and len(t.shapes[ins[0]]) == 4:
        (_, in_h, in_w, in_c), (_, kh, kw, fi) = t.shapes[ins[0]], t.shapes[ins[1]]
        groups = in_c if op_type == "DEPTHWISE_CONV_2D" else in_c // max(fi, 1)
        conv = Conv(shape[1], shape[2], shape[3], kh, kw, in_c, groups, in_h, in_w, stride=stride)
        return conv_op(index, op_type, name, conv, activation_bytes=act, out_shape=shape)
    if op_type == "FULLY_CONNECTED" and len(t.shapes[ins[1]]) == 2:
        n_out, n_in = t.shapes[ins[1]]
        return dense_op(
            index,
            op_type,
            name,
            rows=elements(shape) // max(n_out, 1),
            in_features=n_in,
            out_features=n_out,
            activation_bytes=act,
            out_shape=shape,
        )
    inputs = [i for i in present if not t.constant[i]]
    return other_op(
        index,
        op_type,
        name,
        in_elements=sum(elements(t.shapes[i]) for i in inputs),
        out_elements=elements(shape),
        activation_bytes=act,
        out_shape=shape,
    )

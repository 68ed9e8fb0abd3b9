"""The cost of an ``.onnx`` graph: ONNX's own shape inference gives every tensor's shape (never run).

Each node is priced by ``models.graph`` from its shapes: ``Conv`` (weights ``[O, C/group, kh,
kw]``, NCHW maps; ``QLinearConv`` and ``ConvInteger`` alike), ``Gemm``/``MatMul`` (and their
quantized forms) as fully connected layers, every other node by its input and output
elements. Nodes whose inputs are all constants (the ``DequantizeLinear`` of a QDQ file's
weights, a ``Transpose`` of a constant) prepare weights rather than compute on the input: they
cost nothing and their outputs count as constants.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgepareto.errors import ModelFileError, first_line
from edgepareto.models.graph import Conv, GraphCost, GraphOp, conv_op, dense_op, elements, other_op

# node type -> (index of the data input, index of the weight input)
_CONVS: dict[str, tuple[int, int]] = {"Conv": (0, 1), "ConvInteger": (0, 1), "QLinearConv": (0, 3)}
_DENSE: dict[str, tuple[int, int]] = {
    "Gemm": (0, 1), "MatMul": (0, 1), "MatMulInteger": (0, 1), "QGemm": (0, 3), "QLinearMatMul": (0, 3),
}  # fmt: skip


def onnx_graph_cost(path: str | Path) -> GraphCost:
    """Every node of ``path``'s main graph with its multiply-adds, parameters and activation bytes."""
    import onnx

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: file not found; pass the path of an .onnx model")
    try:
        model = onnx.shape_inference.infer_shapes(onnx.load(str(path)))
    except Exception as exc:  # DecodeError, InferenceError, ... from protobuf and the checker
        raise ModelFileError(
            f"{path}: not a readable ONNX model ({first_line(exc, 200)}); re-export it or pass a .onnx file"
        ) from exc
    try:
        return GraphCost(path.name, "onnx", tuple(_ops(model.graph)))
    except (KeyError, IndexError, ValueError) as exc:
        raise ModelFileError(
            f"{path}: ONNX graph without static shapes ({first_line(exc, 200)}); export it with a fixed input size"
        ) from exc


class _Tensors:
    """Every tensor's shape and element size, and which ones are constants."""

    def __init__(self, graph: Any) -> None:
        from onnx import helper

        self.shapes: dict[str, tuple[int, ...]] = {}
        self.itemsize: dict[str, int] = {}
        self.constant: set[str] = set()
        for init in graph.initializer:
            self.shapes[init.name] = tuple(int(d) for d in init.dims)
            self.itemsize[init.name] = helper.tensor_dtype_to_np_dtype(init.data_type).itemsize
            self.constant.add(init.name)
        for vi in [*graph.input, *graph.value_info, *graph.output]:
            t = vi.type.tensor_type
            if vi.name in self.constant or not t.HasField("shape"):
                continue
            self.shapes[vi.name] = tuple(d.dim_value if d.HasField("dim_value") else -1 for d in t.shape.dim)
            self.itemsize[vi.name] = helper.tensor_dtype_to_np_dtype(t.elem_type).itemsize if t.elem_type else 4

    def nbytes(self, name: str) -> int:
        return elements(self.shapes.get(name, ())) * self.itemsize.get(name, 4)


def _ops(graph: Any) -> list[GraphOp]:
    t = _Tensors(graph)
    out: list[GraphOp] = []
    for node in graph.node:
        ins = [i for i in node.input if i]
        if node.op_type == "Constant" or (ins and all(i in t.constant for i in ins)):
            t.constant.update(node.output)  # weight preparation: runs once, not per inference
            continue
        out.append(_op(len(out), node, ins, t))
    return out


def _op(index: int, node: Any, ins: list[str], t: _Tensors) -> GraphOp:
    name, op_type = node.output[0], node.op_type
    shape = t.shapes[name]
    weights = {node.input[i] for i in (*_CONVS.get(op_type, ()), *_DENSE.get(op_type, ()))[1::2] if i < len(node.input)}
    act = sum(t.nbytes(i) for i in ins if i not in t.constant and i not in weights)
    act += sum(t.nbytes(o) for o in node.output if o)
    if op_type in _CONVS and len(shape) == 4:
        x, w = (node.input[i] for i in _CONVS[op_type])
        (_, in_c, in_h, in_w), (_, _, kh, kw) = t.shapes[x], t.shapes[w]
        group = next((a.i for a in node.attribute if a.name == "group"), 1)
        strides = next((list(a.ints) for a in node.attribute if a.name == "strides"), [1])
        conv = Conv(shape[2], shape[3], shape[1], kh, kw, in_c, max(group, 1), in_h, in_w, stride=strides[0])
        return conv_op(index, op_type, name, conv, activation_bytes=act, out_shape=shape)
    if op_type in _DENSE:
        x, w = (node.input[i] for i in _DENSE[op_type])
        k, n = t.shapes[w][-2:]
        if any(a.name == "transB" and a.i for a in node.attribute):
            k, n = n, k
        return dense_op(
            index,
            op_type,
            name,
            rows=elements(t.shapes[x]) // max(k, 1),
            in_features=k,
            out_features=n,
            activation_bytes=act,
            out_shape=shape,
        )
    inputs = [i for i in ins if i not in t.constant]
    return other_op(
        index,
        op_type,
        name,
        in_elements=sum(elements(t.shapes.get(i, ())) for i in inputs),
        out_elements=elements(shape),
        activation_bytes=act,
        out_shape=shape,
    )

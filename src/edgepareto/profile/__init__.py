"""Where the time goes: per-operator times mapped onto the cost model's layers.

- :func:`profile_file` — one file profiled (ONNX Runtime's session profiler, or LiteRT's
  operator list with a ``benchmark_model --enable_op_profiling`` log's times) beside ``bench``'s
  whole-model latency;
- :func:`map_ops` — operators in execution order onto the layers, with MACs, parameters,
  activation bytes and GMAC/s per layer, and ms per layer kind (:class:`LayerProfile`);
- :func:`profile_onnx`, :func:`litert_ops`, :func:`log_ops` — the engine sides.
"""

from __future__ import annotations

from edgepareto.profile.layers import BAR_KINDS, LayerProfile, LayerTime, OpTime, map_ops
from edgepareto.profile.litert import litert_ops, log_ops
from edgepareto.profile.onnxruntime import NodeProfile, profile_onnx
from edgepareto.profile.run import ENGINES, profile_file

__all__ = [
    "BAR_KINDS",
    "ENGINES",
    "LayerProfile",
    "LayerTime",
    "NodeProfile",
    "OpTime",
    "litert_ops",
    "log_ops",
    "map_ops",
    "profile_file",
    "profile_onnx",
]

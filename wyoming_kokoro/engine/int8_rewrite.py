"""Make the int8 Kokoro model's convolutions take onnxruntime's fast integer path.

The int8 export stores its 1-D convolution weights as uint8, and onnxruntime runs
``ConvInteger`` with uint8 weights on a slow generic kernel: about 60 % of all inference time.
``MatMulInteger`` with uint8 activations and int8 weights runs on the VNNI/AMX GEMM instead.
Each stride-1 ``ConvInteger`` is rewritten as::

    Transpose -> Pad -> Gather (im2col) -> MatMulInteger (u8 x s8) -> Transpose

with weights re-centred on their zero point (they fit int8 exactly). The integer result is
bit-identical; first-audio latency roughly halves (bench/bench.py). Only for CPUs with VNNI:
without it, x86's u8 x s8 GEMM may saturate 16-bit intermediates.
"""

from __future__ import annotations

import logging
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import helper, numpy_helper

_LOGGER = logging.getLogger(__name__)

_PREFIX = "__kl_c2m"


def cpu_has_vnni(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """True where the u8 x s8 GEMM is exact and fast: x86 with VNNI or AMX, or aarch64."""
    if platform.machine().lower() in ("aarch64", "arm64"):
        return True
    try:
        flags = set(cpuinfo.read_text(encoding="ascii", errors="replace").split())
    except OSError:
        return False
    return bool(flags & {"avx512_vnni", "avx_vnni", "amx_int8"})


@dataclass
class _Rewriter:
    """Builds the replacement nodes, sharing constants and im2col indices between them."""

    initializers: dict[str, onnx.TensorProto]
    nodes: list[onnx.NodeProto] = field(default_factory=list)
    new_initializers: list[onnx.TensorProto] = field(default_factory=list)
    replaced: set[str] = field(default_factory=set)
    count: int = 0
    _constants: dict[tuple[int, ...] | int, str] = field(default_factory=dict)
    _indices: set[str] = field(default_factory=set)

    def constant(self, value: list[int] | int) -> str:
        """An int64 initializer (a 1-D list, or a scalar), created once."""
        key = tuple(value) if isinstance(value, list) else value
        if key not in self._constants:
            name = f"{_PREFIX}_const_{len(self._constants)}"
            self.new_initializers.append(
                numpy_helper.from_array(np.array(value, dtype=np.int64), name)
            )
            self._constants[key] = name
        return self._constants[key]

    def rewrite(self, node: onnx.NodeProto) -> bool:
        """Append the MatMulInteger form of ``node``; False (nothing appended) if it cannot."""
        if node.op_type != "ConvInteger" or node.domain not in ("", "ai.onnx"):
            return False
        if len(node.input) < 4:
            return False
        x, w_name, x_zero, w_zero_name = node.input[:4]
        weight, w_zero = self.initializers.get(w_name), self.initializers.get(w_zero_name)
        if weight is None or w_zero is None or weight.data_type != onnx.TensorProto.UINT8:
            return False
        w = numpy_helper.to_array(weight).astype(np.int16)
        zero = numpy_helper.to_array(w_zero).astype(np.int16)
        if w.ndim != 3 or zero.size != 1:
            return False
        attrs: dict[str, Any] = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        _, c_in, k = w.shape
        dilation = int(next(iter(attrs.get("dilations", [1]))))
        pads = list(attrs.get("pads", [0, 0]))
        if (
            attrs.get("group", 1) != 1
            or list(attrs.get("strides", [1])) != [1]
            or attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET")
            or pads[0] != pads[1]
            or 2 * pads[0] != dilation * (k - 1)
        ):
            return False

        centered: NDArray[np.int16] = w - zero.reshape(())
        name = f"{_PREFIX}_{self.count}"
        self.count += 1
        self.replaced.update((w_name, w_zero_name))
        matmul_inputs = [f"{name}_cols", f"{name}_w", x_zero]
        if centered.min() >= -128 and centered.max() <= 127:
            w_int8 = centered.astype(np.int8)
        else:
            w_int8 = (w - 128).astype(np.int8)
            w_int8_zero = np.array(int(zero.reshape(())) - 128, dtype=np.int8)
            self.new_initializers.append(numpy_helper.from_array(w_int8_zero, f"{name}_wzp"))
            matmul_inputs.append(f"{name}_wzp")
        # Row j * c_in + c of the matrix holds tap j of input channel c.
        matrix = np.ascontiguousarray(w_int8.transpose(2, 1, 0).reshape(k * c_in, -1))
        self.new_initializers.append(numpy_helper.from_array(matrix, f"{name}_w"))

        make = helper.make_node
        self.nodes.append(make("Transpose", [x], [f"{name}_xt"], perm=[0, 2, 1]))
        source = f"{name}_xt"
        if pads[0] > 0:
            pad = self.constant([0, pads[0], 0, 0, pads[0], 0])
            self.nodes.append(make("Pad", [source, pad, x_zero], [f"{name}_xp"]))
            source = f"{name}_xp"
        if k > 1:
            index = self._im2col_index(x, k, dilation)
            self.nodes.append(make("Gather", [source, index], [f"{name}_g"], axis=1))
            shape = self.constant([1, -1, k * c_in])
            self.nodes.append(make("Reshape", [f"{name}_g", shape], [f"{name}_cols"]))
        else:
            matmul_inputs[0] = source
        self.nodes.append(make("MatMulInteger", matmul_inputs, [f"{name}_yt"]))
        self.nodes.append(make("Transpose", [f"{name}_yt"], [node.output[0]], perm=[0, 2, 1]))
        return True

    def _im2col_index(self, x: str, k: int, dilation: int) -> str:
        """A [T, k] tensor of ``t + j * dilation``: which padded frames each output frame reads."""
        index = f"{_PREFIX}_idx_{k}_{dilation}_{x}"
        if index not in self._indices:
            self._indices.add(index)
            make = helper.make_node
            self.nodes += [
                make("Shape", [x], [f"{index}_T"], start=2, end=3),
                make("Squeeze", [f"{index}_T"], [f"{index}_Ts"]),
                make("Range", [self.constant(0), f"{index}_Ts", self.constant(1)], [f"{index}_r"]),
                make("Unsqueeze", [f"{index}_r", self.constant([1])], [f"{index}_rc"]),
                make(
                    "Add", [f"{index}_rc", self.constant([j * dilation for j in range(k)])], [index]
                ),
            ]
        return index


def rewrite_in_place(model: onnx.ModelProto) -> int:
    """Turn the model's uint8-weight ConvInteger nodes into MatMulInteger; how many changed.

    In place, so that loading holds one copy of the weights, not three.
    """
    graph = model.graph
    rewriter = _Rewriter({tensor.name: tensor for tensor in graph.initializer})
    for node in graph.node:
        if not rewriter.rewrite(node):
            rewriter.nodes.append(node)
    if not rewriter.count:
        return 0
    del graph.node[:]
    graph.node.extend(rewriter.nodes)
    graph.initializer.extend(rewriter.new_initializers)
    used = {name for node in graph.node for name in node.input}
    for index in reversed(range(len(graph.initializer))):
        name = graph.initializer[index].name
        if name in rewriter.replaced and name not in used:
            del graph.initializer[index]
    return rewriter.count


def rewrite_conv_integer(model_bytes: bytes) -> tuple[bytes, int]:
    """The model with its uint8-weight ConvInteger nodes as MatMulInteger; and how many changed."""
    model = onnx.load_from_string(model_bytes)
    count = rewrite_in_place(model)
    return (model.SerializeToString(), count) if count else (model_bytes, 0)


def load_model(path: Path, enabled: bool = True) -> onnx.ModelProto:
    """The model, rewritten when that is exact and faster on this CPU."""
    model = onnx.load(str(path))
    if enabled:
        _rewrite_for_this_cpu(model)
    return model


def load_model_bytes(path: Path, enabled: bool = True) -> bytes:
    """The model file's bytes, rewritten when that is exact and faster on this CPU."""
    data = path.read_bytes()
    if not enabled or b"ConvInteger" not in data:
        return data
    model = onnx.load_from_string(data)
    return model.SerializeToString() if _rewrite_for_this_cpu(model) else data


def _rewrite_for_this_cpu(model: onnx.ModelProto) -> int:
    """:func:`rewrite_in_place` where the CPU has VNNI (elsewhere it is not faster)."""
    if not any(node.op_type == "ConvInteger" for node in model.graph.node):
        return 0
    if not cpu_has_vnni():
        _LOGGER.info("CPU without VNNI: keeping the model's ConvInteger nodes as they are")
        return 0
    count = rewrite_in_place(model)
    if count:
        _LOGGER.info("Rewrote %d ConvInteger nodes to MatMulInteger (faster int8 path)", count)
    return count

"""Split the Kokoro graph where the vocoder starts, so silence is never decoded.

The model predicts per-token durations, aligns the text features to frames (600 samples each),
predicts F0 and energy (N) per half frame, then runs the vocoder over every frame: the leading
pad token and the trailing pause included, which trimming throws away afterwards. Split in two
(done once at load, after the int8 rewrite), the front part gives the durations and the vocoder's
inputs; :func:`crop_window` picks the frames worth decoding; the vocoder runs on those alone.

The split is exact: front then vocoder on all frames gives the single graph's audio bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import onnx
from numpy.typing import NDArray
from onnx import helper

#: Samples of audio per aligned frame (24 kHz; the vocoder upsamples each frame 600 times).
SAMPLES_PER_FRAME = 600

#: Graph inputs the front part takes.
FRONT_INPUTS = ("tokens", "input_ids", "style", "speed")


@dataclass(frozen=True)
class Cut:
    """Tensor names where the graph is cut (the kokoro-onnx v1.0 export's names)."""

    durations: str = "/encoder/Cast_output_0"  # int64 [1, tokens]: frames per token
    features: str = "/encoder/MatMul_1_output_0"  # float [1, 512, frames]: aligned text
    f0: str = "/encoder/Reshape_output_0"  # float [1, 2 * frames]
    noise: str = "/encoder/Reshape_1_output_0"  # float [1, 2 * frames]: energy, log-like
    style: str = "style"  # float [1, 256]: the vocoder reads its first half
    audio: str = "audio"

    @property
    def front_outputs(self) -> tuple[str, str, str, str]:
        return (self.durations, self.features, self.f0, self.noise)

    @property
    def vocoder_inputs(self) -> tuple[str, str, str, str]:
        return (self.features, self.f0, self.noise, self.style)


CUT = Cut()


@dataclass(frozen=True)
class SplitModel:
    """The two halves, serialized, ready for ``onnxruntime.InferenceSession``."""

    front: bytes
    vocoder: bytes
    cut: Cut = CUT


class SplitError(ValueError):
    """The graph is not a Kokoro export this module knows how to cut."""


def _producers(graph: onnx.GraphProto) -> dict[str, onnx.NodeProto]:
    return {output: node for node in graph.node for output in output_names(node)}


def output_names(node: onnx.NodeProto) -> Iterable[str]:
    return (name for name in node.output if name)


def _needed(
    graph: onnx.GraphProto, outputs: Iterable[str], stops: Iterable[str]
) -> list[onnx.NodeProto]:
    """The nodes that compute ``outputs``, walking back no further than ``stops``, in order."""
    producers = _producers(graph)
    stop = set(stops)
    keep: set[int] = set()
    seen: set[str] = set()
    stack = list(outputs)
    while stack:
        name = stack.pop()
        if name in seen or name in stop or name not in producers:
            continue
        seen.add(name)
        node = producers[name]
        if id(node) not in keep:
            keep.add(id(node))
            stack.extend(name for name in node.input if name)
    return [node for node in graph.node if id(node) in keep]


def _subgraph(
    model: onnx.ModelProto,
    nodes: list[onnx.NodeProto],
    inputs: list[onnx.ValueInfoProto],
    outputs: list[onnx.ValueInfoProto],
) -> bytes:
    used = {name for node in nodes for name in node.input}
    initializers = [tensor for tensor in model.graph.initializer if tensor.name in used]
    graph = helper.make_graph(nodes, model.graph.name, inputs, outputs, initializers)
    part = helper.make_model(graph, opset_imports=model.opset_import, ir_version=model.ir_version)
    part.metadata_props.extend(model.metadata_props)  # the embedded vocabulary, if any
    return bytes(part.SerializeToString())


def split_model(model: bytes | onnx.ModelProto, cut: Cut = CUT) -> SplitModel:
    """Cut the model into front part and vocoder; raises SplitError on an unknown graph."""
    if isinstance(model, bytes):
        model = onnx.load_from_string(model)
    graph = model.graph
    producers = _producers(graph)
    missing = [name for name in cut.front_outputs if name not in producers]
    if missing or cut.audio not in {output.name for output in graph.output}:
        raise SplitError(f"no tensor {missing or [cut.audio]} in this graph")
    declared = {value.name: value for value in [*graph.input, *graph.output]}
    if cut.style not in declared:
        raise SplitError(f"no graph input {cut.style!r}")

    front_nodes = _needed(graph, cut.front_outputs, ())
    vocoder_nodes = _needed(graph, [cut.audio], cut.vocoder_inputs)
    reads = {name for node in vocoder_nodes for name in node.input}
    leaks = reads & ({value.name for value in graph.input} - {cut.style})
    if leaks:
        raise SplitError(f"the vocoder would read {sorted(leaks)}: cut in the wrong place")

    def value(name: str, elem_type: int) -> onnx.ValueInfoProto:
        return declared.get(name) or helper.make_tensor_value_info(name, elem_type, None)

    front_inputs = [value.name for value in graph.input if value.name in FRONT_INPUTS]
    float_type = onnx.TensorProto.FLOAT
    front = _subgraph(
        model,
        front_nodes,
        [declared[name] for name in front_inputs],
        [
            value(cut.durations, onnx.TensorProto.INT64),
            value(cut.features, float_type),
            value(cut.f0, float_type),
            value(cut.noise, float_type),
        ],
    )
    vocoder = _subgraph(
        model,
        vocoder_nodes,
        [value(name, float_type) for name in cut.vocoder_inputs],
        [declared[cut.audio]],
    )
    return SplitModel(front, vocoder, cut)


#: Energy (N) above this is sound; the silence the model predicts sits near -9.
SILENCE_NOISE = -8.0


@dataclass(frozen=True)
class CropWindow:
    """Frames ``start:end`` of the aligned sequence go to the vocoder."""

    start: int
    end: int

    @property
    def frames(self) -> int:
        return self.end - self.start


def crop_window(
    durations: NDArray[np.int64],
    noise: NDArray[np.float32],
    lead_margin: int,
    tail_margin: int,
    silence: float = SILENCE_NOISE,
) -> CropWindow:
    """The frames worth decoding: not the leading pad, not the pause and silence at the end.

    ``durations`` are frames per token (a pad token first and last), ``noise`` the predicted
    energy per half frame. Decoding starts where the leading pad token ends or sound starts,
    whichever is first (speech may begin a few frames inside the pad), and stops after the last
    sounding frame: the trailing punctuation and pad, and the fade-out inside the last phoneme
    that trimming would drop anyway. The margins keep the vocoder's context: its convolutions
    reach about ten frames, so speech nearer the cut than that would be decoded differently.
    """
    flat = np.asarray(durations).reshape(-1)
    frames = int(np.sum(flat))
    if frames <= 0:
        return CropWindow(0, 0)
    energy = np.asarray(noise, dtype=np.float32).reshape(-1)
    if len(energy) != 2 * frames:
        return CropWindow(0, frames)
    sounding = np.flatnonzero(energy.reshape(-1, 2).max(axis=1) > silence)
    if len(sounding) == 0:
        return CropWindow(0, frames)
    lead = int(flat[0]) if len(flat) > 1 else 0
    start = max(0, min(lead, int(sounding[0])) - lead_margin)
    end = min(frames, int(sounding[-1]) + 1 + tail_margin)
    return CropWindow(start, max(start, end))

"""The ConvInteger -> MatMulInteger rewrite is exact, on small graphs and on the real model."""

from __future__ import annotations

import platform
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from wyoming_kokoro.config import Settings
from wyoming_kokoro.engine.int8_rewrite import cpu_has_vnni, load_model_bytes, rewrite_conv_integer
from wyoming_kokoro.modelfiles import resolve_model_files


def conv_integer_model(k: int, dilation: int, weight_zero: int, stride: int = 1) -> bytes:
    """One ConvInteger with uint8 weights, as the int8 Kokoro export has them."""
    rng = np.random.default_rng(k * 10 + dilation)
    weight = rng.integers(0, 256, size=(6, 4, k), dtype=np.uint8)
    pad = dilation * (k - 1) // 2
    node = helper.make_node(
        "ConvInteger",
        ["x", "w", "x_zero", "w_zero"],
        ["y"],
        kernel_shape=[k],
        dilations=[dilation],
        pads=[pad, pad],
        strides=[stride],
        group=1,
    )
    graph = helper.make_graph(
        [node],
        "conv",
        [
            helper.make_tensor_value_info("x", TensorProto.UINT8, [1, 4, None]),
            helper.make_tensor_value_info("x_zero", TensorProto.UINT8, []),
        ],
        [helper.make_tensor_value_info("y", TensorProto.INT32, None)],
        [
            numpy_helper.from_array(weight, "w"),
            numpy_helper.from_array(np.array(weight_zero, dtype=np.uint8), "w_zero"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return model.SerializeToString()


def run(model: bytes, x: np.ndarray, x_zero: int) -> np.ndarray:
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    result = session.run(None, {"x": x, "x_zero": np.array(x_zero, dtype=np.uint8)})[0]
    return np.asarray(result)


@pytest.mark.parametrize(
    ("k", "dilation", "weight_zero"),
    [(1, 1, 128), (3, 1, 128), (5, 1, 100), (7, 3, 128), (11, 1, 128), (3, 5, 200)],
)
def test_rewrite_gives_the_same_integers(k: int, dilation: int, weight_zero: int) -> None:
    original = conv_integer_model(k, dilation, weight_zero)
    rewritten, count = rewrite_conv_integer(original)
    assert count == 1
    ops = [node.op_type for node in onnx.load_from_string(rewritten).graph.node]
    assert "ConvInteger" not in ops
    assert "MatMulInteger" in ops
    x = np.random.default_rng(1).integers(0, 256, size=(1, 4, 37), dtype=np.uint8)
    np.testing.assert_array_equal(run(rewritten, x, 131), run(original, x, 131))


def test_strided_convolutions_are_left_alone() -> None:
    original = conv_integer_model(3, 1, 128, stride=2)
    rewritten, count = rewrite_conv_integer(original)
    assert count == 0
    assert rewritten == original


@pytest.mark.skipif(platform.machine() != "x86_64", reason="cpuinfo flags are read on x86 only")
def test_cpu_flags_decide(tmp_path: Path) -> None:
    with_vnni = tmp_path / "vnni"
    with_vnni.write_text("flags : fpu sse2 avx2 avx512f avx512_vnni\n")
    without = tmp_path / "plain"
    without.write_text("flags : fpu sse2 avx2\n")
    assert cpu_has_vnni(with_vnni)
    assert not cpu_has_vnni(without)
    assert not cpu_has_vnni(tmp_path / "missing")


@pytest.mark.skipif(not cpu_has_vnni(), reason="the rewrite only runs on CPUs with VNNI")
def test_real_model_audio_is_bit_identical_after_the_rewrite() -> None:
    files = resolve_model_files(Settings())
    original = files.model.read_bytes()
    rewritten = load_model_bytes(files.model)
    assert rewritten != original
    assert load_model_bytes(files.model, enabled=False) == original
    style = np.load(files.voices)["jf_alpha"]
    tokens = np.array([[0, 50, 83, 156, 43, 102, 16, 0]], dtype=np.int64)
    inputs = {"tokens": tokens, "style": style[5], "speed": np.array([1.0], dtype=np.float32)}
    outputs = [
        ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, inputs)[0]
        for model in (original, rewritten)
    ]
    assert len(outputs[0]) > 0
    np.testing.assert_array_equal(outputs[0], outputs[1])

"""The graph split where the vocoder starts: exact on the real model, crops only silence."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from wyoming_kokoro.config import Settings
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.int8_rewrite import load_model_bytes
from wyoming_kokoro.engine.scheduler import JobCancelledError
from wyoming_kokoro.engine.vocoder_split import (
    CUT,
    SAMPLES_PER_FRAME,
    CropWindow,
    SplitError,
    crop_window,
    split_model,
)
from wyoming_kokoro.modelfiles import resolve_model_files

SILENT, LOUD = -9.3, 8.0


def noise(levels: list[float]) -> np.ndarray:
    """Energy per half frame from a level per frame."""
    return np.repeat(np.array(levels, dtype=np.float32), 2).reshape(1, -1)


def test_crop_keeps_sound_and_margins_drops_pads() -> None:
    durations = np.array([10, 3, 4, 3, 10], dtype=np.int64)  # pad, 3 phonemes, pause+pad
    levels = [SILENT] * 8 + [LOUD] * 12 + [SILENT] * 10  # sound starts inside the pad
    window = crop_window(durations, noise(levels), lead_margin=2, tail_margin=3)
    assert window == CropWindow(6, 23)
    assert window.frames == 17


def test_crop_never_starts_after_the_leading_pad() -> None:
    durations = np.array([5, 10, 5], dtype=np.int64)
    levels = [SILENT] * 9 + [LOUD] * 6 + [SILENT] * 5  # a quiet first phoneme
    assert crop_window(durations, noise(levels), 1, 1).start == 4


def test_crop_margins_stop_at_the_edges_and_silence_keeps_everything() -> None:
    durations = np.array([1, 5, 1], dtype=np.int64)
    assert crop_window(durations, noise([LOUD] * 7), 4, 4) == CropWindow(0, 7)
    assert crop_window(durations, noise([SILENT] * 7), 4, 4) == CropWindow(0, 7)
    assert crop_window(np.zeros(3, dtype=np.int64), noise([]), 4, 4).frames == 0


def test_an_unknown_graph_is_refused_with_the_missing_tensor() -> None:
    graph = helper.make_graph(
        [helper.make_node("Identity", ["style"], ["audio"])],
        "other",
        [helper.make_tensor_value_info("style", TensorProto.FLOAT, [1, 256])],
        [helper.make_tensor_value_info("audio", TensorProto.FLOAT, [1, 256])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(SplitError, match="/encoder/Cast_output_0"):
        split_model(model.SerializeToString())


def test_front_then_vocoder_is_the_whole_model_bit_for_bit(engine: Engine) -> None:
    files = resolve_model_files(Settings())
    model_bytes = load_model_bytes(files.model)
    split = split_model(model_bytes)
    whole = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    front = ort.InferenceSession(split.front, providers=["CPUExecutionProvider"])
    vocoder = ort.InferenceSession(split.vocoder, providers=["CPUExecutionProvider"])
    assert {i.name for i in vocoder.get_inputs()} == set(CUT.vocoder_inputs)
    style = engine.default_params.style
    tokens = [50, 83, 156, 43, 102, 3]
    inputs = {
        "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
        "style": style[len(tokens) - 1].reshape(1, -1).astype(np.float32),
        "speed": np.array([1.0], dtype=np.float32),
    }
    expected = whole.run(None, inputs)[0]
    durations, features, f0, energy = front.run(list(CUT.front_outputs), inputs)
    assert durations.shape == (1, len(tokens) + 2)
    assert int(durations.sum()) == features.shape[2] == f0.shape[1] // 2
    audio = vocoder.run(
        None,
        {CUT.features: features, CUT.f0: f0, CUT.noise: energy, CUT.style: inputs["style"]},
    )[0]
    assert np.array_equal(audio, expected)
    assert audio.size == features.shape[2] * SAMPLES_PER_FRAME
    assert onnx.load_from_string(split.front).metadata_props == (
        onnx.load_from_string(model_bytes).metadata_props
    )


def test_inference_keeps_durations_and_where_the_audio_starts(engine: Engine) -> None:
    model = engine._model
    params = engine.default_params
    (batch,) = model.phonemize("Okay, the lights are on.", "en-us")
    spoken = model.infer(batch, params.style, 1.0)
    assert len(spoken.durations) == len(model.tokenizer.tokenize(batch)) + 2
    total = int(spoken.durations.sum()) * SAMPLES_PER_FRAME
    # The kept audio lies inside the model's timeline, after the leading pad's start.
    assert 0 < spoken.start_sample < int(spoken.durations[0]) * SAMPLES_PER_FRAME + 2048
    assert spoken.start_sample + len(spoken.audio) <= total
    assert len(spoken.audio) > 0.6 * SAMPLES_PER_FRAME * int(spoken.durations[1:-1].sum())


def test_a_terminated_run_stops_before_the_vocoder(engine: Engine) -> None:
    model = engine._model
    params = engine.default_params
    (batch,) = model.phonemize("Okay, the lights are on.", "en-us")
    options = ort.RunOptions()
    options.terminate = True
    before = model.stage_times()
    with pytest.raises(JobCancelledError):
        model.infer(batch, params.style, 1.0, options)
    assert model.stage_times().vocoder == before.vocoder

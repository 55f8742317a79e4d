"""Listeners sharing the CPU: each inference on one thread, the same audio as alone."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from wyoming_kokoro.engine import Engine

LONG = (
    "The weather service says that a band of heavy rain will move in from the west during the "
    "early afternoon, bringing strong gusts along the coast and cooler air behind it."
)
SHORT = "The front door is locked, and the garage is closed."


def test_an_inference_beside_another_listeners_runs_on_one_thread_with_the_same_audio(
    engine: Engine,
) -> None:
    model, params = engine._model, engine.default_params
    if model._vocoder_one_thread is None:
        pytest.skip("one CPU core: there is no thread pool to leave")
    (batch,) = model.phonemize(SHORT, params.language)
    (long_batch,) = model.phonemize(LONG, params.language)
    before = model.stage_times().vocoder_one_thread
    alone = model.infer(batch, params.style, params.speed, shared=True).audio
    assert model.stage_times().vocoder_one_thread == before  # alone: every thread

    other = threading.Thread(
        target=model.infer, args=(long_batch, params.style, params.speed), kwargs={"shared": True}
    )
    other.start()
    try:
        time.sleep(0.2)  # the long inference is running (it takes well over a second)
        beside = model.infer(batch, params.style, params.speed, shared=True).audio
        one_thread = model.stage_times().vocoder_one_thread
        own_stream = model.infer(batch, params.style, params.speed, shared=False).audio
        after_own = model.stage_times().vocoder_one_thread
    finally:
        other.join()

    assert one_thread == before + 1
    assert after_own == one_thread  # one listener's own segments keep every thread
    np.testing.assert_array_equal(beside, alone)
    np.testing.assert_array_equal(own_stream, alone)


def test_one_thread_only_where_there_are_threads_to_share(engine: Engine) -> None:
    threads = engine._model.front.get_session_options().intra_op_num_threads
    assert (engine._model._vocoder_one_thread is not None) == (threads > 1)

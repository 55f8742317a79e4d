"""The engine with the real model: joins, cancellation of running work, request validation."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import numpy as np
import pytest

from wyoming_kokoro.engine import Engine, InvalidRequestError
from wyoming_kokoro.engine.audio import pcm16_to_float

from .helpers import assert_speech, synthesize_text

LONG_SENTENCE = (
    "The weather service says that a band of heavy rain will move in from the west during "
    "the early afternoon, bringing strong gusts along the coast, cooler air behind it, and "
    "a good chance of thunder near the hills before it clears out late in the evening."
)


async def pieces(*texts: str) -> AsyncIterator[str]:
    for text in texts:
        yield text


async def test_every_segment_starts_and_ends_quietly(engine: Engine) -> None:
    chunks = []
    params = engine.speech_params()
    text = "Okay, the lights are on. The door is locked. See you soon!"
    async with contextlib.aclosing(engine.stream(pieces(text), params)) as stream:
        async for chunk in stream:
            chunks.append(pcm16_to_float(chunk))
    assert len(chunks) >= 3
    for samples in chunks:
        # A fade at both edges: no step at a join, so no click.
        assert abs(samples[0]) < 0.01
        assert abs(samples[-1]) < 0.01
    assert_speech(b"".join(np.asarray(c * 32767, dtype="<i2").tobytes() for c in chunks), 11)


async def test_later_segments_start_with_the_pause_of_the_previous_cut(engine: Engine) -> None:
    params = engine.speech_params()
    chunks = []
    async with contextlib.aclosing(
        engine.stream(
            pieces("Sure, the kitchen lights are on now. Is there anything else?"), params
        )
    ) as stream:
        async for chunk in stream:
            chunks.append(pcm16_to_float(chunk))
    # The second segment follows a comma (0.1 s), the third a full stop (0.25 s).
    quiet_lead = [int(np.argmax(np.abs(c) > 0.01)) / 24000 for c in chunks[1:]]
    assert quiet_lead[0] >= 0.09
    assert quiet_lead[1] >= 0.24


async def test_closing_the_stream_interrupts_the_running_inference(engine: Engine) -> None:
    params = engine.speech_params()
    before = engine.stats()
    stream = engine.stream(pieces(LONG_SENTENCE + " " + LONG_SENTENCE), params)
    consumer = asyncio.create_task(anext(stream))
    for _ in range(400):
        if engine.stats()["running_segments"]:
            break
        await asyncio.sleep(0.01)
    assert engine.stats()["running_segments"] == 1
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    await stream.aclose()
    for _ in range(500):
        if engine.stats()["running_segments"] == 0:
            break
        await asyncio.sleep(0.01)
    after = engine.stats()
    assert after["sessions"] == 0
    assert after["running_segments"] == 0
    assert after["segments_cancelled"] > before["segments_cancelled"]
    assert after["segments_synthesized"] == before["segments_synthesized"]


async def test_nothing_speakable_gives_no_audio(engine: Engine) -> None:
    assert await synthesize_text(engine, "   \n ", engine.speech_params()) == b""


@pytest.mark.parametrize(
    ("voice", "language", "speed", "message"),
    [
        ("nobody", None, None, "Unknown voice 'nobody'"),
        ("af_heart:0.5+", None, None, "Malformed voice"),
        ("af_heart:0+am_michael:0", None, None, "finite number above 0"),
        (None, "xx", None, "Unsupported language 'xx'"),
        (None, None, 2.5, "from 0.5 to 2.0"),
        (None, None, float("inf"), "from 0.5 to 2.0"),
        (None, None, True, "from 0.5 to 2.0"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(
    engine: Engine, voice: str | None, language: str | None, speed: float | None, message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        engine.speech_params(voice, language, speed)


def test_language_follows_the_server_setting_then_the_voice(engine: Engine) -> None:
    assert (
        engine.speech_params("am_michael").language == "en-us"
    )  # the tests' server speaks English
    assert engine.speech_params("jm_kumo", "ja-JP").language == "ja"
    assert engine.speech_params("af_heart", "en_GB").language == "en-gb"


async def test_japanese_is_read_with_japanese_readings(engine: Engine) -> None:
    phonemes = " ".join(engine._model.phonemize("今日は天気がいいです。", "ja"))
    # espeak-ng would spell the kanji out in English ("chinese letter").
    assert "(en)" not in phonemes
    assert "tʃˈaɪniːz" not in phonemes
    assert "kʲoː" in phonemes  # 今日 read as kyō
    pcm = await synthesize_text(
        engine, "今日は天気がいいです。", engine.speech_params("jf_alpha", "ja")
    )
    assert_speech(pcm, 5)

"""The speech cache: short segments said again are replayed, bit for bit, without a worker."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

from wyoming_kokoro.client import KokoroClient
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.engine import Rendered
from wyoming_kokoro.engine.speech_cache import MAX_CHARS, SpeechCache, SpeechKey

from .helpers import assert_speech, start_live_server

REPLY = "Okay, the kitchen lights are on now and the front door is locked."


def key(text: str, **changes: Any) -> SpeechKey:
    return dataclasses.replace(SpeechKey(text, "af_heart", "en-us", 1.0, 0.0, False), **changes)


def test_least_recently_used_goes_first_within_the_byte_budget() -> None:
    cache: SpeechCache[str] = SpeechCache(max_bytes=10)
    cache.put(key("a"), "A", 4)
    cache.put(key("b"), "B", 4)
    assert cache.get(key("a")) == "A"  # now "b" is the least recently used
    cache.put(key("c"), "C", 4)
    assert cache.get(key("b")) is None
    assert (cache.get(key("a")), cache.get(key("c"))) == ("A", "C")
    assert (cache.stats.entries, cache.stats.bytes) == (2, 8)
    assert (cache.stats.hits, cache.stats.misses) == (3, 1)


def test_what_does_not_fit_is_not_kept_and_a_new_value_replaces_the_old() -> None:
    cache: SpeechCache[str] = SpeechCache(max_bytes=10)
    cache.put(key("big"), "X", 11)
    assert cache.get(key("big")) is None
    cache.put(key("a"), "old", 6)
    cache.put(key("a"), "new", 3)
    assert cache.get(key("a")) == "new"
    assert cache.stats.bytes == 3


def test_voice_language_speed_pause_and_timing_each_make_another_entry() -> None:
    cache: SpeechCache[str] = SpeechCache(max_bytes=100)
    cache.put(key("Okay,"), "plain", 1)
    for change in (
        {"voice": "am_adam"},
        {"language": "en-gb"},
        {"speed": 1.2},
        {"pause_before": 0.25},
        {"timed": True},
    ):
        assert cache.get(key("Okay,", **change)) is None
    assert SpeechCache.keeps("x" * MAX_CHARS)
    assert not SpeechCache.keeps("x" * (MAX_CHARS + 1))


async def speak(engine: Engine, text: str, voice: str | None = None) -> list[bytes]:
    async def pieces() -> AsyncIterator[str]:
        yield text

    params = engine.speech_params(voice=voice)
    async with contextlib.aclosing(engine.stream(pieces(), params)) as stream:
        return [chunk async for chunk in stream]


def synthesized(engine: Engine) -> int:
    return int(engine.stats()["segments_synthesized"] or 0)


@pytest.fixture
def fresh_cache(engine: Engine) -> Iterator[SpeechCache[Rendered]]:
    """A cache of its own for the test: the shared engine's may hold earlier tests' segments."""
    kept = engine.speech_cache
    engine.speech_cache = SpeechCache(16 * 2**20)
    yield engine.speech_cache
    engine.speech_cache = kept


async def test_a_reply_said_again_replays_its_short_segments_bit_for_bit(
    engine: Engine, fresh_cache: SpeechCache[Rendered]
) -> None:
    first = await speak(engine, REPLY)
    before = synthesized(engine)
    again = await speak(engine, REPLY)
    assert again == first
    short = sum(1 for chunk in first if chunk)  # every segment of this reply is short
    assert fresh_cache.stats.hits == short >= 2
    assert synthesized(engine) == before  # no worker ran


async def test_another_voice_is_synthesized_not_replayed(
    engine: Engine, fresh_cache: SpeechCache[Rendered]
) -> None:
    await speak(engine, "Okay,")
    before = synthesized(engine)
    other = await speak(engine, "Okay,", voice="am_michael")
    assert synthesized(engine) == before + 1
    assert other != await speak(engine, "Okay,")
    assert fresh_cache.stats.hits == 1


async def test_with_the_cache_off_every_segment_is_synthesized(engine: Engine) -> None:
    kept = engine.speech_cache
    engine.speech_cache = None
    try:
        before = synthesized(engine)
        await speak(engine, "Okay,")
        await speak(engine, "Okay,")
        assert synthesized(engine) == before + 2
        assert engine.stats()["speech_cache_hits"] == 0
    finally:
        engine.speech_cache = kept


async def test_through_a_live_server_the_second_reply_is_replayed_and_counted(
    engine: Engine, fresh_cache: SpeechCache[Rendered]
) -> None:
    server = await start_live_server(engine)
    try:
        client = KokoroClient(f"ws://127.0.0.1:{server.port}/ws/tts/live", language="en-us")

        async def reply() -> bytes:
            async def text() -> AsyncIterator[str]:
                yield "Okay, "
                yield "the lights are on."

            return b"".join([chunk async for chunk in client.stream_synthesis(text())])

        first = await reply()
        second = await reply()
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{server.port}/health") as response,
        ):
            health = await response.json()
    finally:
        await server.close()
    assert second == first
    assert_speech(second, 5)
    assert health["speech_cache_hits"] == 2  # "Okay," and "the lights are on."
    assert health["speech_cache_entries"] == 2


async def test_word_timings_are_replayed_with_the_audio(
    engine: Engine, fresh_cache: SpeechCache[Rendered]
) -> None:
    async def timed() -> list[Rendered]:
        async def pieces() -> AsyncIterator[str]:
            yield "Okay, the lights are on."

        stream = engine.stream_timed(pieces(), engine.default_params)
        async with contextlib.aclosing(stream):
            return [chunk async for chunk in stream]

    first = await timed()
    before = synthesized(engine)
    again = await timed()
    assert synthesized(engine) == before
    assert again == first
    words = [timing.word for chunk in again for timing in chunk.words]
    assert words == ["Okay", "the", "lights", "are", "on"]

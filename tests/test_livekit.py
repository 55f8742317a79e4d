"""The LiveKit Agents plugin against a real server (issue 14): the TTS object, its streams and
their audio emitters run as an agent runs them, without a LiveKit server."""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from livekit.agents import APIError
from livekit.agents.tts import SynthesizedAudio
from livekit.agents.types import USERDATA_TIMED_TRANSCRIPT

from wyoming_kokoro.config import Limits
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.timestamps import words_of
from wyoming_kokoro.integrations.livekit import TTS
from wyoming_kokoro.server.host import LiveServer

from .helpers import assert_speech, engine_idle, start_live_server, wait_for

REPLY = "Sure, the kitchen lights are on now. The front door is locked, and the garage is closed."
LONG_REPLY = " ".join(
    f"Here is sentence number {n}, which keeps the speaker busy for a while." for n in range(1, 13)
)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[LiveServer]:
    live = await start_live_server(engine, limits=Limits(auto_sessions=False, max_sessions=8))
    yield live
    await live.close()


@pytest_asyncio.fixture(loop_scope="session")
async def kokoro(server: LiveServer) -> AsyncIterator[TTS]:
    plugin = TTS(url=f"ws://127.0.0.1:{server.port}", voice="af_heart", language="en-us")
    yield plugin
    await plugin.aclose()


def tokens(text: str, size: int = 6) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def pcm_of(events: list[SynthesizedAudio]) -> bytes:
    return b"".join(bytes(event.frame.data) for event in events)


def timed_words(events: list[SynthesizedAudio]) -> list[tuple[str, float, float]]:
    return [
        (str(word).strip(), float(word.start_time), float(word.end_time))
        for event in events
        for word in event.frame.userdata.get(USERDATA_TIMED_TRANSCRIPT, [])
    ]


def check_transcript(events: list[SynthesizedAudio], text: str) -> None:
    """The text's words in order, each span inside the audio, ordered, not overlapping."""
    words = timed_words(events)
    assert " ".join(w for w, _, _ in words).split() == words_of(text)
    seconds = len(pcm_of(events)) / 2 / 24_000
    previous = 0.0
    for word, start, end in words:
        assert previous <= start < end <= seconds + 1e-3, word
        previous = end


async def test_capabilities_say_streaming_with_aligned_transcripts(kokoro: TTS) -> None:
    assert kokoro.capabilities.streaming and kokoro.capabilities.aligned_transcript
    assert (kokoro.sample_rate, kokoro.num_channels) == (24_000, 1)


@pytest.mark.timeout(240)
async def test_stream_fed_as_text_arrives_gives_audio_and_timed_transcript(
    kokoro: TTS, server: LiveServer
) -> None:
    before = server.context_counters.completed
    stream = kokoro.stream()
    for piece in tokens(REPLY):
        stream.push_text(piece)
    stream.end_input()
    events = [event async for event in stream]
    await stream.aclose()
    assert all(e.frame.sample_rate == 24_000 and e.frame.num_channels == 1 for e in events)
    assert events[-1].is_final
    assert_speech(pcm_of(events), len(REPLY.split()))
    check_transcript(events, REPLY)
    assert server.context_counters.completed == before + 1
    # The next reply runs on the same connection.
    connection = kokoro.connection
    second = kokoro.stream()
    second.push_text("Anything else?")
    second.end_input()
    assert_speech(pcm_of([event async for event in second]), 2)
    await second.aclose()
    assert kokoro.connection is connection


@pytest.mark.timeout(240)
async def test_synthesize_whole_text_gives_audio_and_timed_transcript(kokoro: TTS) -> None:
    async with kokoro.synthesize(REPLY) as chunked:
        events = [event async for event in chunked]
    assert_speech(pcm_of(events), len(REPLY.split()))
    check_transcript(events, REPLY)


@pytest.mark.timeout(240)
async def test_aclose_mid_stream_cancels_the_context_on_the_server(
    kokoro: TTS, server: LiveServer, engine: Engine
) -> None:
    before = server.context_counters.cancelled
    stream = kokoro.stream()
    for piece in tokens(LONG_REPLY):
        stream.push_text(piece)
    first = await asyncio.wait_for(stream.__anext__(), 60)
    assert len(bytes(first.frame.data)) > 0
    assert server.context_counters.open == 1
    await stream.aclose()
    await wait_for(lambda: server.context_counters.cancelled == before + 1, seconds=5)
    assert server.context_counters.open == 0
    await wait_for(lambda: engine_idle(engine), seconds=5)
    # The connection goes on serving.
    async with kokoro.synthesize("Okay.") as chunked:
        assert [event async for event in chunked]


@pytest.mark.timeout(240)
async def test_new_options_take_effect_on_the_next_reply(kokoro: TTS) -> None:
    long = kokoro.stream()
    for piece in tokens(REPLY):
        long.push_text(piece)
    long.end_input()
    first_event = await asyncio.wait_for(long.__anext__(), 60)
    first = kokoro.connection
    assert first is not None and first.ready["voice"] == "af_heart"
    kokoro.update_options(voice="am_michael")
    # The reply speaking goes on to its end on the old connection, which then closes.
    events = [first_event, *[event async for event in long]]
    await long.aclose()
    assert_speech(pcm_of(events), len(REPLY.split()))
    await wait_for(lambda: first.closed, seconds=5)
    async with kokoro.synthesize("Okay.") as chunked:
        assert [event async for event in chunked]
    assert kokoro.connection is not None and kokoro.connection.ready["voice"] == "am_michael"


@pytest.mark.timeout(60)
async def test_a_voice_the_server_does_not_have_is_an_error_naming_it(server: LiveServer) -> None:
    plugin = TTS(url=f"ws://127.0.0.1:{server.port}", voice="zz_nobody")
    try:
        with pytest.raises(APIError, match="zz_nobody"):
            async with plugin.synthesize("Hello.") as chunked:
                async for _ in chunked:
                    pass
    finally:
        await plugin.aclose()


def test_without_livekit_the_import_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "livekit.agents", None)
    monkeypatch.delitem(sys.modules, "wyoming_kokoro.integrations.livekit")
    with pytest.raises(ImportError, match=r"pip install 'wyoming-kokoro\[livekit\]'"):
        importlib.import_module("wyoming_kokoro.integrations.livekit")

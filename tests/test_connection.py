"""The long-lived protocol 2 client (``KokoroClient.connect``) against a real server."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from wyoming_kokoro.client import KokoroClient, KokoroConnectionError, KokoroServerError
from wyoming_kokoro.config import Limits
from wyoming_kokoro.connection import KokoroConnection, SpeechAudio, SpeechWords
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.audio import duration_seconds
from wyoming_kokoro.server.host import LiveServer

from .helpers import assert_speech, engine_idle, start_live_server, wait_for

LONG = "The front door is locked, and the garage is closed. " * 6


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[LiveServer]:
    live = await start_live_server(
        engine, limits=Limits(auto_sessions=False, max_sessions=8, max_contexts=2)
    )
    yield live
    await live.close()


async def tokens(text: str) -> AsyncIterator[str]:
    for word in text.split(" "):
        yield word + " "
        await asyncio.sleep(0)


async def test_replies_audio_and_words_on_one_connection(server: LiveServer) -> None:
    client = KokoroClient(f"ws://127.0.0.1:{server.port}", voice="af_heart", language="en-us")
    async with await client.connect() as connection:
        assert connection.word_timestamps and connection.sample_rate == 24000
        for text in ("Hello there, how are you today?", "It costs $12.50, doesn't it?"):
            pcm, words = b"", []
            async for event in connection.speak(connection.new_context_id(), tokens(text)):
                if isinstance(event, SpeechAudio):
                    pcm += event.pcm
                else:
                    assert isinstance(event, SpeechWords)
                    words.extend(event.words)
            assert_speech(pcm, len(text.split()))
            assert [w.word for w in words][:2] in (["Hello", "there"], ["It", "costs"])
            assert all(a.end <= b.start for a, b in itertools.pairwise(words))
            assert words[-1].end <= duration_seconds(pcm) + 1e-3


async def test_cancel_and_leaving_the_loop_stop_the_reply_on_the_server(
    server: LiveServer, engine: Engine
) -> None:
    connection = await KokoroConnection.open(f"ws://127.0.0.1:{server.port}/ws/tts/live")
    async with connection:
        cancelled = server.context_counters.cancelled
        heard = 0
        async for event in connection.speak("barge", LONG):
            if isinstance(event, SpeechAudio):
                heard += 1
                await connection.cancel("barge")
        assert heard == 1  # nothing is yielded after cancel
        await wait_for(lambda: server.context_counters.cancelled == cancelled + 1)

        stream = connection.speak("left", LONG)
        async for _ in stream:
            break
        await stream.aclose()
        await wait_for(lambda: server.context_counters.cancelled == cancelled + 2)
        await wait_for(lambda: engine_idle(engine))

        # The connection still speaks.
        chunks = [e async for e in connection.speak("after", "Okay.") if isinstance(e, SpeechAudio)]
        assert chunks


async def test_server_errors_about_a_reply_raise_with_their_code(server: LiveServer) -> None:
    client = KokoroClient(f"ws://127.0.0.1:{server.port}")
    async with await client.connect(word_timestamps=False) as connection:
        assert not connection.word_timestamps

        async def slow() -> AsyncIterator[str]:
            yield "Waiting"
            await asyncio.sleep(30)

        one = connection.speak("one", slow())
        two = connection.speak("two", slow())
        first = asyncio.ensure_future(one.__anext__())
        second = asyncio.ensure_future(two.__anext__())
        await wait_for(lambda: server.context_counters.open == 2)
        with pytest.raises(KokoroServerError) as raised:
            async for _ in connection.speak("three", "One too many."):
                pass
        assert raised.value.code == "too_many_contexts"
        first.cancel()
        second.cancel()
        await asyncio.gather(first, second, return_exceptions=True)
        await one.aclose()
        await two.aclose()


async def test_a_refused_init_names_the_problem_and_a_full_server_is_worth_retrying(
    engine: Engine,
) -> None:
    full = await start_live_server(engine, limits=Limits(auto_sessions=False, max_sessions=1))
    url = f"ws://127.0.0.1:{full.port}/ws/tts/live"
    try:
        with pytest.raises(KokoroServerError, match="zz_nobody"):
            await KokoroConnection.open(url, voice="zz_nobody")
        async with await KokoroConnection.open(url):
            with pytest.raises(KokoroConnectionError, match="busy"):
                await KokoroConnection.open(url)
    finally:
        await full.close()

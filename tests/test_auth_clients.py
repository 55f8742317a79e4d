"""Every client we ship carries the API key: KokoroClient (live, buffered, protocol 2), the
``say`` command, the Pipecat service and the LiveKit plugin, against a real server with keys."""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio
from livekit.agents import APIError
from pipecat.frames.frames import ErrorFrame, TTSStoppedFrame

from wyoming_kokoro.aio import once
from wyoming_kokoro.client import KokoroAuthError, KokoroClient, KokoroServerError, collect
from wyoming_kokoro.config import API_KEY_ENV, Limits
from wyoming_kokoro.connection import SpeechAudio
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.integrations.livekit import TTS
from wyoming_kokoro.integrations.pipecat import KokoroLiveTTSService
from wyoming_kokoro.say import main as say_main
from wyoming_kokoro.server.host import LiveServer

from .helpers import TEST_SETTINGS, assert_speech
from .test_pipecat import Bot, iter_queue, pcm_of

KEY = "kl-client-key-5f4e3d2c1b"
WRONG_KEY = "kl-client-key-000000000"
TEXT = "The garage door is closed."
WORDS = len(TEXT.split())


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[LiveServer]:
    settings = replace(
        TEST_SETTINGS, api_keys=(KEY,), limits=Limits(auto_sessions=False, max_sessions=8)
    )
    live = LiveServer(engine, settings)
    await live.start()
    yield live
    await live.close()


def url(server: LiveServer) -> str:
    return f"ws://127.0.0.1:{server.port}"


@pytest.mark.parametrize("mode", ["live", "buffered"])
async def test_kokoro_client_with_the_key(server: LiveServer, mode: str) -> None:
    client = KokoroClient(url(server), api_key=KEY, mode=mode)  # type: ignore[arg-type]
    assert_speech(await collect(client.stream_synthesis(once(TEXT))), WORDS)


async def test_kokoro_client_takes_the_key_from_the_environment(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(API_KEY_ENV, KEY)
    client = KokoroClient(url(server))
    assert_speech(await collect(client.stream_synthesis(once(TEXT))), WORDS)
    async with await client.connect() as connection:
        pcm = b"".join(
            [e.pcm async for e in connection.speak("reply", TEXT) if isinstance(e, SpeechAudio)]
        )
    assert_speech(pcm, WORDS)


async def test_kokoro_client_with_a_wrong_or_no_key(server: LiveServer) -> None:
    client = KokoroClient(url(server), api_key=WRONG_KEY)
    with pytest.raises(KokoroAuthError, match="refused the API key"):
        await collect(client.stream_synthesis(once(TEXT)))
    # Refused, not taken for an old server without the live door: no buffered fallback.
    assert not client._live_recently_refused()
    with pytest.raises(KokoroAuthError):
        await client.connect()
    with pytest.raises(KokoroServerError, match="needs an API key"):
        await collect(KokoroClient(url(server)).stream_synthesis(once(TEXT)))


async def test_say_with_api_key(
    server: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "reply.wav"
    base = ["--url", url(server), "-o", str(output), TEXT]
    # The command runs its own event loop: in a thread, beside the server's.
    assert await asyncio.to_thread(say_main, ["--api-key", WRONG_KEY, *base]) == 1
    assert "refused the API key" in capsys.readouterr().err
    assert await asyncio.to_thread(say_main, ["--api-key", KEY, *base]) == 0
    with wave.open(str(output)) as wav:
        assert_speech(wav.readframes(wav.getnframes()), WORDS)


@pytest.mark.timeout(120)
async def test_pipecat_service_with_the_key(server: LiveServer) -> None:
    tts = KokoroLiveTTSService(
        url=url(server),
        api_key=KEY,
        settings=KokoroLiveTTSService.Settings(voice="jf_alpha", language="en-us"),
        # Pipecat ends a reply that has no audio after 3 s; a loaded test machine may be slower.
        stop_frame_timeout_s=30.0,
    )
    running = Bot(tts)
    await running.start()
    try:
        await running.reply(TEXT)
        frames = await running.until(lambda f: isinstance(f, TTSStoppedFrame))
        assert_speech(pcm_of(frames), WORDS)
    finally:
        await running.stop()


@pytest.mark.timeout(60)
async def test_pipecat_service_with_a_wrong_key_fails_for_good(server: LiveServer) -> None:
    tts = KokoroLiveTTSService(url=url(server), api_key=WRONG_KEY)
    running = Bot(tts)
    await running.start()
    try:
        await running.reply(TEXT)
        await asyncio.sleep(1.0)
    finally:
        await running.stop()
    errors = [f.error for f in iter_queue(running.up) if isinstance(f, ErrorFrame)]
    assert errors and all("refused the API key" in error for error in errors), errors
    assert not tts.is_usable  # a wrong key stays wrong: not retried turn after turn


@pytest.mark.timeout(120)
async def test_livekit_plugin_with_the_key(server: LiveServer) -> None:
    plugin = TTS(url=url(server), api_key=KEY, voice="jf_alpha", language="en-us")
    try:
        async with plugin.synthesize(TEXT) as chunked:
            pcm = b"".join([bytes(event.frame.data) async for event in chunked])
        assert_speech(pcm, WORDS)
    finally:
        await plugin.aclose()
    wrong = TTS(url=url(server), api_key=WRONG_KEY)
    try:
        with pytest.raises(APIError, match="refused the API key") as raised:
            async with wrong.synthesize(TEXT) as chunked:
                async for _ in chunked:
                    pass
        assert not raised.value.retryable
    finally:
        await wrong.aclose()

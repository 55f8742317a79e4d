"""The buffered async.ai-style endpoint ``/ws/tts/stream`` over a real socket, real model."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from wyoming_kokoro.config import Limits
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.server.host import LiveServer

from .helpers import start_live_server, synthesize_text, wait_for

TEXT = "Hello there. The lights are on."
INIT: dict[str, Any] = {
    "model_id": "kokoro",
    "voice": {"mode": "id", "id": "af_heart"},
    "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 24000},
    "language": "en",
}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[LiveServer]:
    live = await start_live_server(engine, limits=Limits(auto_sessions=False, max_sessions=32))
    yield live
    await live.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def strict_server(engine: Engine) -> AsyncIterator[LiveServer]:
    """Short idle timeout and a small text budget."""
    live = await start_live_server(engine, limits=Limits(idle_timeout=0.5, max_text_chars=40))
    yield live
    await live.close()


@dataclass
class Reply:
    audio: list[bytes] = field(default_factory=list)
    final: bool = False
    error: dict[str, Any] | None = None
    close_code: int | None = None

    @property
    def pcm(self) -> bytes:
        return b"".join(self.audio)


def url(server: LiveServer) -> str:
    return f"ws://127.0.0.1:{server.port}/ws/tts/stream"


async def read_reply(ws: ClientConnection, until_audio: bool = False) -> Reply:
    """Messages until final or error (or the first audio), checking their shape."""
    reply = Reply()
    try:
        while True:
            message = await asyncio.wait_for(ws.recv(), 60)
            assert isinstance(message, str)
            data = json.loads(message)
            if "error_code" in data:
                reply.error = data
                break
            assert isinstance(data["final"], bool)
            if data["audio"]:
                reply.audio.append(base64.b64decode(data["audio"], validate=True))
            if data["final"]:
                assert data["audio"] == ""
                reply.final = True
                break
            if until_audio:
                return reply
        await asyncio.wait_for(ws.wait_closed(), 10)
    except ConnectionClosed:
        pass
    reply.close_code = ws.close_code
    return reply


async def session(server: LiveServer, init: str, messages: list[str]) -> Reply:
    async with connect(url(server)) as ws:
        await ws.send(init)
        for message in messages:
            await ws.send(message)
        return await read_reply(ws)


def transcript(text: str, **extra: Any) -> str:
    return json.dumps({"transcript": text, **extra})


async def expected_audio(engine: Engine, text: str) -> bytes:
    return await synthesize_text(engine, text, engine.speech_params("af_heart", "en-us", None))


async def test_transcripts_are_spoken_once_the_input_ends(
    server: LiveServer, engine: Engine
) -> None:
    pieces = [transcript("Hello "), transcript("there. The lights "), transcript("are on.")]
    reply = await session(server, json.dumps(INIT), [*pieces, transcript("")])
    assert reply.error is None
    assert reply.final
    assert reply.close_code == 1000
    assert reply.pcm == await expected_audio(engine, TEXT)


async def test_text_key_and_defaults_are_accepted(server: LiveServer, engine: Engine) -> None:
    reply = await session(
        server, json.dumps({"language": "en-us"}), [json.dumps({"text": TEXT}), '{"text": ""}']
    )
    assert reply.final
    assert reply.pcm == await expected_audio(engine, TEXT)


async def test_force_flushes_what_is_buffered_before_the_end(server: LiveServer) -> None:
    async with connect(url(server)) as ws:
        await ws.send(json.dumps(INIT))
        await ws.send(transcript("Hello there. ", force=True))
        first = await read_reply(ws, until_audio=True)
        assert first.audio, "forced text is spoken without waiting for the end"
        await ws.send(transcript("The lights are on."))
        await ws.send(transcript(""))
        rest = await read_reply(ws)
    assert rest.final
    assert rest.audio


async def test_empty_session_sends_only_final(server: LiveServer) -> None:
    reply = await session(server, json.dumps(INIT), [transcript("  "), transcript("")])
    assert reply.final
    assert reply.audio == []
    assert reply.close_code == 1000


@pytest.mark.parametrize(
    ("init", "code", "message"),
    [
        ("not json", "invalid_message", "must be JSON"),
        ("[1]", "invalid_message", "must be a JSON object"),
        ({**INIT, "voice": {"mode": "id", "id": "xx_nobody"}}, "invalid_request", "Unknown voice"),
        ({**INIT, "voice": {"mode": "clone"}}, "invalid_request", "Voice mode 'clone'"),
        ({**INIT, "speed": "fast"}, "invalid_request", "'speed' must be a number"),
        ({**INIT, "language": "tlh"}, "invalid_request", "Unsupported language"),
        (
            {**INIT, "output_format": {"encoding": "mp3"}},
            "unsupported_format",
            "Encoding 'mp3' is not supported",
        ),
        (
            {**INIT, "output_format": {"encoding": "pcm_s16le", "sample_rate": 16000}},
            "unsupported_format",
            "Sample rate 16000 is not supported; the model speaks at 24000 Hz only",
        ),
        (
            {**INIT, "output_format": {"container": "wav"}},
            "unsupported_format",
            "Container 'wav'",
        ),
    ],
)
async def test_bad_init_is_refused_with_a_clear_error(
    server: LiveServer, engine: Engine, init: Any, code: str, message: str
) -> None:
    before = engine.stats()["segments_synthesized"]
    raw = init if isinstance(init, str) else json.dumps(init)
    reply = await session(server, raw, [transcript(TEXT), transcript("")])
    assert reply.error is not None
    assert reply.error["error_code"] == code
    assert message in reply.error["message"]
    assert reply.close_code == 1008
    assert reply.audio == []
    assert engine.stats()["segments_synthesized"] == before


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Hello", "must be JSON"),
        ('{"transcript": 5}', 'needs a "transcript" string'),
        ('{"other": "x"}', 'needs a "transcript" string'),
    ],
)
async def test_bad_transcript_message_is_refused(
    server: LiveServer, message: str, expected: str
) -> None:
    reply = await session(server, json.dumps(INIT), [message])
    assert reply.error is not None
    assert reply.error["error_code"] == "invalid_message"
    assert expected in reply.error["message"]
    assert reply.close_code == 1008


async def test_binary_frames_are_refused(server: LiveServer) -> None:
    async with connect(url(server)) as ws:
        await ws.send(json.dumps(INIT))
        await ws.send(b"\0\0")
        reply = await read_reply(ws)
    assert reply.error is not None
    assert "Binary frames are not accepted" in reply.error["message"]


async def test_idle_timeout(strict_server: LiveServer) -> None:
    async with connect(url(strict_server)) as ws:
        await ws.send(json.dumps(INIT))
        reply = await read_reply(ws)  # and send nothing more
    assert reply.error is not None
    assert reply.error["error_code"] == "timeout"
    assert "No transcript received for 0.5 s" in reply.error["message"]
    assert reply.close_code == 1008


async def test_text_limit(strict_server: LiveServer) -> None:
    reply = await session(
        strict_server, json.dumps(INIT), [transcript("a" * 30), transcript("b" * 30)]
    )
    assert reply.error is not None
    assert reply.error["error_code"] == "text_too_long"
    assert "limit of 40 characters" in reply.error["message"]


async def test_client_leaving_mid_synthesis_ends_the_session(
    server: LiveServer, engine: Engine
) -> None:
    long_text = " ".join(f"Sentence {n} is here, and it is long enough." for n in range(20))
    async with connect(url(server)) as ws:
        await ws.send(json.dumps(INIT))
        await ws.send(transcript(long_text))
        await ws.send(transcript(""))
        assert (await read_reply(ws, until_audio=True)).audio
    for _ in range(600):
        if server.counters.sessions == 0 and engine.stats()["sessions"] == 0:
            break
        await asyncio.sleep(0.05)
    assert server.counters.sessions == 0
    assert engine.stats()["sessions"] == 0


async def test_deeply_nested_init_is_a_client_error(server: LiveServer) -> None:
    reply = await session(server, "[" * 100_000, [])
    assert reply.error is not None
    assert reply.error["error_code"] == "invalid_message"
    assert "nested too deeply" in reply.error["message"]
    assert reply.close_code == 1008


async def test_a_full_server_answers_busy_in_this_endpoints_shape(engine: Engine) -> None:
    full = await start_live_server(engine, limits=Limits(auto_sessions=False, max_sessions=1))
    try:
        async with connect(f"ws://127.0.0.1:{full.port}/ws/tts/live"):
            await wait_for(lambda: full.sessions.sessions == 1)
            async with connect(url(full)) as ws:
                reply = await read_reply(ws)
    finally:
        await full.close()
    assert reply.error is not None
    assert reply.error["error_code"] == "server_busy"
    assert "Server busy: 1 sessions already open" in reply.error["message"]
    assert "type" not in reply.error
    assert reply.close_code == 1013


async def test_a_long_value_is_quoted_short(server: LiveServer) -> None:
    init = {**INIT, "output_format": {"container": "x" * 100_000}}
    reply = await session(server, json.dumps(init), [])
    assert reply.error is not None
    assert reply.error["error_code"] == "unsupported_format"
    assert "(100000 characters)" in reply.error["message"]
    assert len(reply.error["message"]) < 200

"""The integration's client against servers that break the protocol.

The real server never misbehaves on purpose, so these tests run a small scripted
WebSocket server on 127.0.0.1 that sends exactly the frames a test asks for: the
client must turn every deviation into a clear ``KokoroError``, never a hang or a
stray exception.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from custom_components.kokoro_live.api import (
    KokoroConnectionError,
    KokoroLiveClient,
    KokoroProtocolError,
    KokoroServerError,
)

from .conftest import HOST

pytestmark = pytest.mark.usefixtures("socket_enabled")

READY = json.dumps({"type": "ready", "sample_rate": 24000, "format": "pcm_s16le"})


@dataclass
class Scripted:
    """A server that answers ``/voices`` and live sessions from a script."""

    port: int
    frames: list[str | bytes] = field(default_factory=list)
    voices: tuple[int, bytes] = (200, b"{}")
    received: list[str | bytes] = field(default_factory=list)


@pytest.fixture
async def scripted() -> AsyncIterator[Scripted]:
    """Start the scripted server on a free port."""
    script = Scripted(port=0)

    async def session(connection: ServerConnection) -> None:
        script.received.append(await connection.recv())
        for frame in script.frames:
            await connection.send(frame)
        async for message in connection:
            script.received.append(message)

    def http(connection: ServerConnection, request: Request) -> Response | None:
        if request.path != "/voices":
            return None
        status, body = script.voices
        headers = Headers([("Content-Length", str(len(body))), ("Connection", "close")])
        return Response(status, "Scripted", headers, body)

    async with serve(session, HOST, 0, process_request=http) as server:
        script.port = next(iter(server.sockets)).getsockname()[1]
        yield script


@pytest.fixture
async def client(scripted: Scripted) -> AsyncIterator[KokoroLiveClient]:
    """A client for the scripted server."""
    async with aiohttp.ClientSession() as http:
        yield KokoroLiveClient(HOST, scripted.port, http)


@pytest.mark.parametrize(
    ("status", "body", "match"),
    [
        (500, b"{}", "answered HTTP 500"),
        (200, b"<html>", "did not answer JSON"),
        (200, b"[1, 2]", "not a JSON object"),
        (200, b'{"version": "1"}', "incomplete"),
        (
            200,
            b'{"version": "1", "sample_rate": 24000, "voices": [], "languages": []}',
            "incomplete",
        ),
    ],
)
async def test_voices_answer_must_be_complete(
    scripted: Scripted, client: KokoroLiveClient, status: int, body: bytes, match: str
) -> None:
    """Anything but a complete ``/voices`` object is a protocol error."""
    scripted.voices = (status, body)
    with pytest.raises(KokoroProtocolError, match=match):
        await client.async_get_info()


@pytest.mark.parametrize(
    ("frames", "match"),
    [
        ([b"\x00\x01"], "sent audio before ready"),
        (["not json"], "not JSON"),
        (["[1]"], "unexpected message"),
        ([json.dumps({"type": "hello"})], "'hello', not ready"),
        ([json.dumps({"type": "ready", "format": "opus"})], "Unsupported audio format 'opus'"),
    ],
)
async def test_handshake_must_end_in_ready(
    scripted: Scripted, client: KokoroLiveClient, frames: list[str | bytes], match: str
) -> None:
    """The first answer has to be ``ready`` with PCM audio."""
    scripted.frames = frames
    with pytest.raises(KokoroProtocolError, match=match):
        await client.async_open_session()


async def test_handshake_closed_without_answer() -> None:
    """A server that hangs up without a word cannot be used."""

    async def hang_up(connection: ServerConnection) -> None:
        await connection.close()

    async with serve(hang_up, HOST, 0) as server, aiohttp.ClientSession() as http:
        port = next(iter(server.sockets)).getsockname()[1]
        with pytest.raises(KokoroConnectionError, match="closed"):
            await KokoroLiveClient(HOST, port, http).async_open_session()


@pytest.mark.parametrize(
    ("frames", "match"),
    [
        ([b"pcm"], "audio without an audio header"),
        ([json.dumps({"type": "audio", "size": 2}), "text"], "no audio after an audio header"),
    ],
)
async def test_audio_frames_must_be_paired(
    scripted: Scripted, client: KokoroLiveClient, frames: list[str | bytes], match: str
) -> None:
    """Every PCM frame comes right after its ``audio`` message."""
    scripted.frames = [READY, *frames]
    async with await client.async_open_session() as session:
        with pytest.raises(KokoroProtocolError, match=match):
            async for _ in session.audio():
                pass


async def test_session_reads_audio_and_skips_unknown_messages(
    scripted: Scripted, client: KokoroLiveClient
) -> None:
    """Newer message types are ignored; PCM comes through; long text goes in pieces."""
    scripted.frames = [
        READY,
        json.dumps({"type": "progress", "segment": 1}),
        json.dumps({"type": "audio", "chunk_id": 1, "size": 4}),
        b"\x01\x00\x02\x00",
        json.dumps({"type": "end", "total_chunks": 1}),
    ]
    async with await client.async_open_session(
        voice="jm_kumo", language="ja", speed=1.5
    ) as session:
        assert session.sample_rate == 24000
        assert session.channels == 1
        await session.send_text("x" * 2500)
        await session.send_text("")  # skipped: an empty piece would end the input
        await session.end_input()
        assert [pcm async for pcm in session.audio()] == [b"\x01\x00\x02\x00"]
    init = json.loads(scripted.received[0])
    assert init == {"type": "init", "voice": "jm_kumo", "language": "ja", "speed": 1.5}
    assert scripted.received[1:] == ["x" * 1000, "x" * 1000, "x" * 500, ""]


async def test_server_error_after_ready(scripted: Scripted, client: KokoroLiveClient) -> None:
    """An ``error`` mid-session carries the server's words."""
    scripted.frames = [READY, json.dumps({"type": "error", "message": "Synthesis failed: boom"})]
    async with await client.async_open_session() as session:
        with pytest.raises(KokoroServerError, match="Synthesis failed: boom"):
            async for _ in session.audio():
                pass


async def test_invalid_address() -> None:
    """A host that cannot be part of a URL is a connection error, not a crash."""
    async with aiohttp.ClientSession() as http:
        with pytest.raises(KokoroConnectionError, match="Invalid server address"):
            await KokoroLiveClient("[bad", 8880, http).async_open_session()

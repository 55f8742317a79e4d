"""The integration's client against servers that break the protocol.

The real server never misbehaves on purpose, so these tests run a small scripted
WebSocket server on 127.0.0.1 (``scripted`` in conftest) that sends exactly the frames
a test asks for: the client must turn every deviation into a clear ``KokoroError``,
never a hang or a stray exception.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from websockets.asyncio.server import ServerConnection, serve

from custom_components.kokoro_live.api import (
    KokoroConnectionError,
    KokoroLiveClient,
    KokoroProtocolError,
    KokoroServerError,
)
from custom_components.kokoro_live.voices import voice_choices, voice_name

from .conftest import HOST, Scripted, closed_port

pytestmark = pytest.mark.usefixtures("socket_enabled")

READY = json.dumps({"type": "ready", "sample_rate": 24000, "format": "pcm_s16le"})
#: A ``/voices`` answer from a server older than the ``voice_names`` field.
OLD_VOICES: dict[str, object] = {
    "version": "0.0.9",
    "sample_rate": 24000,
    "voices": ["jf_alpha", "jm_kumo"],
    "languages": ["en-us", "ja"],
}
NAMES = {"jf_alpha": "Alpha (Japanese, female)", "jm_kumo": "Kumo (Japanese, male)"}


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
        (
            [json.dumps({"type": "ready", "format": "opus"})],
            "The server sent 'opus' audio, not the 'pcm_s16le' asked for",
        ),
    ],
)
async def test_handshake_must_end_in_ready(
    scripted: Scripted, client: KokoroLiveClient, frames: list[str | bytes], match: str
) -> None:
    """The first answer has to be ``ready`` with PCM audio."""
    scripted.frames = frames
    with pytest.raises(KokoroProtocolError, match=match):
        await client.async_open_session()


async def test_a_server_older_than_output_formats_is_named(
    scripted: Scripted, client: KokoroLiveClient
) -> None:
    """Asked for mp3, an older server (which ignores the key) answers PCM: said plainly."""
    scripted.frames = [json.dumps({"type": "ready", "format": "pcm_s16le"})]
    with pytest.raises(KokoroProtocolError, match="older than output formats sends PCM"):
        await client.async_open_session(audio={"format": "mp3"})
    assert json.loads(scripted.received[0])["format"] == "mp3"


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


@pytest.mark.parametrize("names", [None, ["Alpha"], "Alpha", {"jf_alpha": 7, "jm_kumo": ""}])
async def test_voices_without_names_fall_back_to_ids(
    scripted: Scripted, client: KokoroLiveClient, names: object
) -> None:
    """An older server (no ``voice_names``) or a malformed field: the ids stand in as names."""
    answer = dict(OLD_VOICES) if names is None else {**OLD_VOICES, "voice_names": names}
    scripted.voices = (200, json.dumps(answer).encode())
    info = await client.async_get_info()
    assert info.voice_names == {}
    assert voice_choices(info) == {"jf_alpha": "jf_alpha", "jm_kumo": "jm_kumo"}


async def test_voice_names_of_listed_voices(scripted: Scripted, client: KokoroLiveClient) -> None:
    """Names are kept for the listed voices only; a voice without one shows its id."""
    names = {"jf_alpha": NAMES["jf_alpha"], "zz_unlisted": "Unlisted"}
    scripted.voices = (200, json.dumps({**OLD_VOICES, "voice_names": names}).encode())
    info = await client.async_get_info()
    assert info.voice_names == {"jf_alpha": "Alpha (Japanese, female)"}
    assert voice_choices(info, "jf_alpha:3+jm_kumo:1") == {
        "jf_alpha": "Alpha (Japanese, female)",
        "jm_kumo": "jm_kumo",
        "jf_alpha:3+jm_kumo:1": "Alpha 75% + jm_kumo 25%",
    }


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        ("jf_alpha", "Alpha (Japanese, female)"),
        ("jf_alpha:0.6+jm_kumo:0.4", "Alpha 60% + Kumo 40%"),
        ("jf_alpha + jm_kumo", "Alpha 50% + Kumo 50%"),
        ("jm_kumo:2", "Kumo (Japanese, male)"),
        ("jf_alpha:0.6+af_new:0.4", "Alpha 60% + af_new 40%"),
        ("jf_alpha:fast", "jf_alpha:fast"),
        ("jf_alpha:0+jm_kumo:0", "jf_alpha:0+jm_kumo:0"),
    ],
)
def test_blend_names_come_from_their_parts(spec: str, name: str) -> None:
    """A blend is named after its parts' short names and shares; anything odd stays as typed."""
    assert voice_name(spec, NAMES) == name


async def test_connection_errors_leave_the_address_out() -> None:
    """The reason alone: whoever reports the error names the server once."""
    port = closed_port()
    async with aiohttp.ClientSession() as http:
        client = KokoroLiveClient(HOST, port, http)
        with pytest.raises(KokoroConnectionError) as poll:
            await client.async_get_info()
        with pytest.raises(KokoroConnectionError) as session:
            await client.async_open_session()
    assert str(poll.value) == str(session.value) == "Connection refused"
    assert client.address == f"{HOST}:{port}"

"""The /ws/tts/live server over a real socket with the real model (PROTOCOL.md)."""

from __future__ import annotations

import asyncio
import json
import math
import urllib.error
import urllib.request
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

from .helpers import assert_speech, engine_idle, start_live_server, wait_for

REPLY = (
    "Okay, I turned on the kitchen lights and set the thermostat to twenty one degrees. "
    "The front door is locked, and the garage is closed. "
    "Tomorrow it will rain in the afternoon, so take an umbrella."
)


@dataclass
class Received:
    """Everything a session sent back, checked against the protocol as it arrives."""

    ready: dict[str, Any] = field(default_factory=dict)
    chunks: list[bytes] = field(default_factory=list)
    end: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    close_code: int | None = None

    @property
    def pcm(self) -> bytes:
        return b"".join(self.chunks)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[LiveServer]:
    live = await start_live_server(engine, limits=Limits(auto_sessions=False, max_sessions=32))
    yield live
    await live.close()


def url(server: LiveServer, path: str = "/ws/tts/live") -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


async def read_session(ws: ClientConnection, received: Received, first_id: int = 1) -> Received:
    """Read control+binary pairs until end or error, asserting the framing rules."""
    expected_id = first_id
    try:
        while True:
            message = await asyncio.wait_for(ws.recv(), 240)
            assert isinstance(message, str), "binary frame without an audio message before it"
            data = json.loads(message)
            if data["type"] == "audio":
                assert data["chunk_id"] == expected_id
                expected_id += 1
                payload = await asyncio.wait_for(ws.recv(), 240)
                assert isinstance(payload, bytes)
                assert len(payload) == data["size"] > 0
                assert len(payload) % 2 == 0
                received.chunks.append(payload)
            elif data["type"] == "end":
                received.end = data
                break
            elif data["type"] == "error":
                received.error = data
                break
            else:
                pytest.fail(f"unexpected message {data}")
        await asyncio.wait_for(ws.wait_closed(), 10)
    except ConnectionClosed:
        pass
    received.close_code = ws.close_code
    return received


async def speak(
    server: LiveServer, pieces: list[str], init: dict[str, Any] | None = None
) -> Received:
    """One whole session: init, pieces, end marker, all replies."""
    async with connect(url(server)) as ws:
        await ws.send(json.dumps(init if init is not None else {}))
        received = Received(ready=json.loads(await ws.recv()))
        assert received.ready["type"] == "ready"

        async def send() -> None:
            for piece in pieces:
                await ws.send(piece)
            await ws.send("")

        sender = asyncio.create_task(send())
        await read_session(ws, received)
        sender.cancel()
        return received


async def init_error(server: LiveServer, init: str | bytes) -> Received:
    async with connect(url(server)) as ws:
        await ws.send(init)
        return await read_session(ws, Received())


async def test_ready_announces_format_and_resolved_request(server: LiveServer) -> None:
    received = await speak(server, ["Hi."], {"type": "init", "voice": "am_michael", "speed": 1.2})
    assert received.ready["sample_rate"] == 24000
    assert received.ready["format"] == "pcm_s16le"
    assert received.ready["channels"] == 1
    assert received.ready["voice"] == "am_michael"
    assert received.ready["language"] == "en-us"
    assert received.ready["speed"] == 1.2


async def test_reply_streamed_word_by_word_is_speech_with_consistent_framing(
    server: LiveServer,
) -> None:
    words = REPLY.split(" ")
    received = await speak(server, [w + " " for w in words[:-1]] + [words[-1]])
    assert received.error is None
    assert received.end is not None
    assert received.end["total_chunks"] == len(received.chunks) > 1
    assert received.end["message"] == "Stream completed"
    assert received.close_code == 1000
    assert_speech(received.pcm, len(words))


async def test_audio_is_the_same_however_the_text_is_cut(server: LiveServer) -> None:
    whole = await speak(server, [REPLY])
    tokens = [REPLY[i : i + 3] for i in range(0, len(REPLY), 3)]
    pieces = await speak(server, tokens)
    assert whole.pcm == pieces.pcm


async def test_audio_arrives_before_the_text_has_ended(server: LiveServer) -> None:
    async with connect(url(server)) as ws:
        await ws.send(json.dumps({"voice": "af_heart"}))
        await ws.recv()
        await ws.send("Sure, the kitchen lights are on. And the")
        first = json.loads(await asyncio.wait_for(ws.recv(), 60))
        assert first["type"] == "audio"
        assert len(await ws.recv()) == first["size"]
        await ws.send(" heating is set too.")
        await ws.send("")
        rest = await read_session(ws, Received(), first_id=2)
    assert rest.end is not None
    assert rest.end["total_chunks"] == 1 + len(rest.chunks) >= 2


async def test_blended_voice_and_bcp47_language(server: LiveServer) -> None:
    received = await speak(
        server,
        ["Bonjour, comment allez-vous?"],
        {"voice": "ff_siwis:0.6+jm_kumo:0.4", "language": "fr_FR"},  # across languages
    )
    assert received.ready["language"] == "fr-fr"
    assert received.ready["voice"] == "ff_siwis:0.6+jm_kumo:0.4"
    assert_speech(received.pcm, 4)


async def test_empty_session_ends_cleanly_with_no_chunks(server: LiveServer) -> None:
    received = await speak(server, [])
    assert received.end is not None
    assert received.end["total_chunks"] == 0
    assert received.chunks == []
    assert received.close_code == 1000


async def test_text_without_anything_speakable_ends_cleanly(server: LiveServer) -> None:
    received = await speak(server, ["  ", "\n", "```\nprint(1)\n```"])
    assert received.end is not None
    assert received.end["total_chunks"] == 0


@pytest.mark.parametrize(
    ("init", "expected"),
    [
        ("not json", "JSON"),
        ("[1, 2]", "JSON object"),
        ('"voice"', "JSON object"),
        ('{"voice": "xx_nobody"}', "Unknown voice 'xx_nobody'. Available: af_alloy, af_aoede"),
        ('{"speed": NaN}', "'speed' must be a number from 0.5 to 2.0"),
        ('{"speed": 0}', "'speed' must be a number from 0.5 to 2.0"),
        ('{"speed": 100}', "'speed' must be a number from 0.5 to 2.0"),
        ('{"speed": "fast"}', "'speed' must be a number"),
        ('{"language": "klingon"}', "Unsupported language 'klingon'"),
        ('{"voice": 5}', "'voice' must be a non-empty string"),
    ],
)
async def test_bad_init_gets_error_and_policy_close(
    server: LiveServer, init: str, expected: str
) -> None:
    received = await init_error(server, init)
    assert received.error is not None
    assert expected in received.error["message"]
    assert "Traceback" not in received.error["message"]
    assert received.close_code == 1008
    assert received.chunks == []


async def test_binary_init_is_refused(server: LiveServer) -> None:
    received = await init_error(server, b"\x00\x01")
    assert received.error is not None
    assert "Binary frames are not accepted" in received.error["message"]
    assert received.close_code == 1008


async def test_binary_text_frame_is_refused_after_earlier_audio(server: LiveServer) -> None:
    async with connect(url(server)) as ws:
        await ws.send("{}")
        await ws.recv()
        await ws.send("Hello there, friend.")
        await ws.send(b"\x00" * 100)
        received = await read_session(ws, Received())
    assert received.error is not None
    assert "Binary frames are not accepted" in received.error["message"]
    assert received.chunks, "audio for the text before the bad frame is not lost"
    assert received.close_code == 1008


async def test_limits_give_clear_errors(engine: Engine) -> None:
    limited = await start_live_server(
        engine,
        limits=Limits(
            max_frame_chars=50,
            max_text_chars=80,
            idle_timeout=0.5,
            max_sessions=1,
            auto_sessions=False,
        ),
    )
    try:
        frame = await speak(limited, ["x" * 51])
        assert frame.error is not None
        assert "over the limit of 50" in frame.error["message"]

        huge = await speak(limited, ["x" * 3_000_000])
        assert huge.error is not None
        assert "Text frame of 3000000 characters is over the limit of 50" in huge.error["message"]

        total = await speak(limited, ["word " * 9, "word " * 9])
        assert total.error is not None
        assert "over the limit of 80 characters" in total.error["message"]

        async with connect(url(limited)) as ws:
            await ws.send("{}")
            await ws.recv()
            idle = await read_session(ws, Received())
        assert idle.error is not None
        assert "No text received for 0.5 s" in idle.error["message"]

        async with connect(url(limited)) as ws:
            await ws.send("{}")
            await ws.recv()
            async with connect(url(limited)) as second:
                busy = await read_session(second, Received())
            assert busy.error is not None
            assert "Server busy" in busy.error["message"]
            assert busy.close_code == 1013
    finally:
        await limited.close()


async def wait_idle(engine: Engine, server: LiveServer) -> None:
    await wait_for(lambda: engine_idle(engine) and server.counters.sessions == 0, seconds=10)


async def test_client_vanishing_at_any_point_leaves_server_serving(
    server: LiveServer, engine: Engine
) -> None:
    # Before ready: connect and drop.
    ws = await connect(url(server))
    await ws.close()
    # Mid-text: init, some text, gone.
    ws = await connect(url(server))
    await ws.send("{}")
    await ws.recv()
    await ws.send("The front door is locked, and the")
    await ws.close()
    # Mid-audio: a long text, read one chunk, vanish; the rest must not be synthesized.
    before = engine.stats()
    ws = await connect(url(server))
    await ws.send("{}")
    await ws.recv()
    await ws.send(REPLY * 4)
    await ws.send("")
    assert json.loads(await ws.recv())["type"] == "audio"
    await ws.recv()
    ws.transport.abort()
    await wait_idle(engine, server)
    after = engine.stats()
    # Twelve sentences were sent; only the lookahead beyond the first chunk may have run.
    assert after["segments_synthesized"] - before["segments_synthesized"] <= 5
    received = await speak(server, ["Still here."])
    assert received.end is not None
    assert received.chunks


async def test_twenty_sessions_at_once_all_complete(server: LiveServer, engine: Engine) -> None:
    results = await asyncio.gather(
        *(speak(server, [f"Session {n} says hello."]) for n in range(20))
    )
    for received in results:
        assert received.error is None
        assert received.end is not None
        assert received.end["total_chunks"] == len(received.chunks) >= 1
    await wait_idle(engine, server)


def get_json(server: LiveServer, path: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


async def test_health_and_voices_routes(server: LiveServer) -> None:
    status, health = await asyncio.to_thread(get_json, server, "/health")
    assert status == 200
    assert health["status"] == "ok"
    assert health["model"].startswith("Kokoro-82M")
    status, voices = await asyncio.to_thread(get_json, server, "/voices")
    assert status == 200
    assert len(voices["voices"]) == 54 and voices["voices"] == sorted(voices["voices"])
    # The same readable names Wyoming's info gives, so Home Assistant shows them either way.
    assert voices["voice_names"]["af_heart"] == "Heart (English (US), female)"
    assert voices["voice_names"]["jm_kumo"] == "Kumo (Japanese, male)"
    assert voices["voice_names"]["ff_siwis"] == "Siwis (French, female)"
    # Each voice with the language it was made for; a request naming only a language gets
    # that language's natural voice.
    assert len(voices["voice_languages"]) == 54
    assert voices["voice_languages"]["ff_siwis"] == "fr-fr"
    assert voices["voice_languages"]["bm_george"] == "en-gb"
    assert voices["default_voices"]["fr-fr"] == "ff_siwis"
    assert voices["default_voices"]["es"] == "ef_dora"
    assert voices["language_names"]["fr-fr"] == "French"
    assert "en-us" in voices["languages"]
    assert voices["default_voice"] == "af_heart"
    assert voices["default_language"] == "en-us"
    assert math.isclose(voices["default_speed"], 1.0)
    status, missing = await asyncio.to_thread(get_json, server, "/nothing")
    assert status == 404
    assert "/ws/tts/live" in missing["error"]


async def test_deeply_nested_init_is_a_client_error(server: LiveServer) -> None:
    received = await init_error(server, "[" * 100_000)
    assert received.error is not None
    assert "nested too deeply" in received.error["message"]
    assert received.close_code == 1008


async def test_health_counts_only_live_sessions_as_live(server: LiveServer) -> None:
    async with connect(f"ws://127.0.0.1:{server.port}/ws/tts/stream") as buffered:
        await buffered.send(json.dumps({"voice": {"mode": "id", "id": "af_heart"}}))
        await wait_for(lambda: server.sessions.sessions == 1)
        status, health = await asyncio.to_thread(get_json, server, "/health")
    assert status == 200
    assert health["live_sessions"] == 0
    assert health["sessions_by_door"] == {"buffered": 1}

"""Clients slower than the server, through both WebSocket doors (issue 10, items 2 and 3).

A listener that plays audio as it reads must keep its session however long the reply (the
server reads text eagerly and keeps answering pings); a client that stops reading must lose its
slot after ``--send-timeout`` instead of holding it forever.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import time
from collections.abc import AsyncIterator

import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from wyoming_kokoro.client import KokoroClientConfig, KokoroLocalProvider
from wyoming_kokoro.config import Limits
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.audio import duration_seconds
from wyoming_kokoro.server.host import LiveServer

from .helpers import assert_speech, start_live_server, wait_for

#: Over 300 words: minutes of speech, sent at an LLM's 100 words a second.
LONG_REPLY = " ".join(
    f"This is sentence number {n}, and it goes on for a little while." for n in range(1, 27)
)
WORDS_PER_SECOND = 100
#: The listener plays this much faster than real time, to keep the test short. The session
#: still outlives every keepalive timeout several times over.
PLAYBACK_SPEEDUP = 1.5

BUFFERED_INIT = {"voice": {"mode": "id", "id": "af_heart"}, "language": "en-us"}


async def llm_words(text: str) -> AsyncIterator[str]:
    for word in text.split(" "):
        yield word + " "
        await asyncio.sleep(1 / WORDS_PER_SECOND)


async def play(seconds: float) -> None:
    await asyncio.sleep(seconds / PLAYBACK_SPEEDUP)


@pytest.mark.timeout(240)
async def test_live_reply_of_minutes_sent_fast_and_played_in_real_time(engine: Engine) -> None:
    server = await start_live_server(engine)
    config = KokoroClientConfig(
        kokoro_local_url=f"ws://127.0.0.1:{server.port}/ws/tts/live", language="en-us"
    )
    provider = KokoroLocalProvider(config)
    chunks: list[bytes] = []
    started = time.monotonic()
    try:
        async for chunk in provider.stream_synthesis(llm_words(LONG_REPLY)):
            chunks.append(chunk)
            await play(duration_seconds(chunk))
        await wait_for(lambda: server.sessions.sessions == 0)
    finally:
        await server.close()
    pcm = b"".join(chunks)
    assert_speech(pcm, len(LONG_REPLY.split()))
    assert duration_seconds(pcm) > 60
    assert time.monotonic() - started > 45, "the listener did not play in real time"
    assert server.sessions.outcomes == {"completed": 1}


def playing_client_options() -> dict[str, object]:
    """What a client that plays as it reads should set (as the project's client does)."""
    return {"max_queue": 4, "compression": None}


def shrink_receive_buffer(ws: ClientConnection, size: int) -> None:
    sock = ws.transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)


@pytest.mark.timeout(240)
async def test_buffered_200_flushes_sent_fast_and_played_in_real_time(engine: Engine) -> None:
    server = await start_live_server(engine)
    # 200 transcripts of one word each, each forced out: over a minute of audio.
    words = LONG_REPLY.split(" ")[:200]
    pieces = [word + " " for word in words]
    audio: list[bytes] = []
    final = False
    started = time.monotonic()
    try:
        async with connect(
            f"ws://127.0.0.1:{server.port}/ws/tts/stream", **playing_client_options()
        ) as ws:
            shrink_receive_buffer(ws, 64 * 1024)
            await ws.send(json.dumps(BUFFERED_INIT))

            async def send() -> None:
                for piece in pieces:
                    await ws.send(json.dumps({"transcript": piece, "force": True}))
                    await asyncio.sleep(len(piece.split()) / WORDS_PER_SECOND)
                await ws.send(json.dumps({"transcript": ""}))

            sender = asyncio.create_task(send())
            async for message in ws:
                data = json.loads(message)
                assert "error_code" not in data, data
                if data["final"]:
                    final = True
                    break
                chunk = base64.b64decode(data["audio"])
                audio.append(chunk)
                await play(duration_seconds(chunk))
            await sender
        await wait_for(lambda: server.sessions.sessions == 0)
    finally:
        await server.close()
    assert final, "the session was cut before its final message"
    assert_speech(b"".join(audio), len(words))
    assert duration_seconds(b"".join(audio)) > 60
    assert time.monotonic() - started > 40, "the listener did not play in real time"
    assert server.sessions.outcomes == {"completed": 1}


async def open_and_never_read(server: LiveServer, path: str) -> ClientConnection:
    """A client that asks for a long reply and then reads nothing at all."""
    ws = await connect(f"ws://127.0.0.1:{server.port}{path}", max_queue=1)
    shrink_receive_buffer(ws, 16 * 1024)
    if path.endswith("live"):
        await ws.send("{}")
        await ws.send(LONG_REPLY)
        await ws.send("")
    else:
        await ws.send(json.dumps(BUFFERED_INIT))
        await ws.send(json.dumps({"transcript": LONG_REPLY}))
        await ws.send(json.dumps({"transcript": ""}))
    return ws


def stopped_reading_errors(server: LiveServer, door: str) -> float:
    for family in text_string_to_metric_families(server.metrics.exposition().decode()):
        for sample in family.samples:
            if sample.name == "kokoro_errors_total" and sample.labels == {
                "door": door,
                "kind": "stopped_reading",
            }:
                return sample.value
    return 0.0


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("path", "door"), [("/ws/tts/live", "live"), ("/ws/tts/stream", "buffered")]
)
async def test_clients_that_stop_reading_lose_their_slots(
    engine: Engine, path: str, door: str
) -> None:
    server = await start_live_server(
        engine, limits=Limits(auto_sessions=False, max_sessions=2, send_timeout=2.0)
    )
    stalled: list[ClientConnection] = []
    try:
        stalled = [await open_and_never_read(server, path) for _ in range(2)]
        await wait_for(lambda: server.sessions.sessions == 2, seconds=5)
        started = time.monotonic()
        await wait_for(lambda: server.sessions.sessions == 0, seconds=60)
        assert time.monotonic() - started < 30
        assert stopped_reading_errors(server, door) == 2
        assert engine.stats()["sessions"] == 0
        # The freed slots serve a new session while the stalled clients are still connected.
        config = KokoroClientConfig(
            kokoro_local_url=f"ws://127.0.0.1:{server.port}/ws/tts/live", language="en-us"
        )
        audio = b"".join(
            [
                c
                async for c in KokoroLocalProvider(config).stream_synthesis(
                    llm_words("Hello there.")
                )
            ]
        )
        assert_speech(audio, 2)
    finally:
        for ws in stalled:
            ws.transport.abort()
        await server.close()
    # Reading now, a stalled client finds audio and then the end of the connection, no final.
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(stalled[0].recv(), 10)

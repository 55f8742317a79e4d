"""Capacity held by hostile or careless clients, through real sockets and the real clients.

A client that stops reading an OpenAI reply loses its slot after ``--send-timeout``; a protocol 2
connection holds one session per context speaking at once, and a context the server has no room
for is refused with ``server_busy`` on a connection that stays open; contexts cut off by a close
are counted; a context still speaking keeps its connection alive past the idle timer; a shutdown
honours ``--drain-timeout`` while OpenAI replies stream; ``--max-sessions auto`` recovers once
the machine is quiet.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import openai
import pytest
import pytest_asyncio

from wyoming_kokoro.config import Limits
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.server.host import LiveServer

from .helpers import engine_idle, start_live_server, wait_for
from .serverproc import ServerProcess, http_get

#: Long enough that its audio overflows every buffer between the server and a client that
#: reads nothing (minutes of speech).
LONG_INPUT = " ".join(
    f"This is sentence number {index} of a reply that goes on for a long while."
    for index in range(60)
)
SEND_TIMEOUT = 2.0


def speech_request(port: int, text: str, response_format: str = "pcm") -> bytes:
    """A raw ``POST /v1/audio/speech``."""
    body = json.dumps({"model": "tts-1", "input": text, "response_format": response_format})
    return (
        f"POST /v1/audio/speech HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    ).encode()


def non_reader(port: int) -> socket.socket:
    """A client that posts a long input with a small receive buffer, then reads nothing."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(speech_request(port, LONG_INPUT))
    return sock


async def get_json(port: int, path: str) -> Any:
    """``GET`` on an in-process server (its loop must keep running meanwhile)."""
    return (await asyncio.to_thread(http_get, port, path))[1]


@pytest_asyncio.fixture(loop_scope="session")
async def tight(engine: Engine) -> AsyncIterator[LiveServer]:
    """A server of two sessions with a short send timeout."""
    await wait_for(lambda: engine_idle(engine))
    limits = Limits(auto_sessions=False, max_sessions=2, send_timeout=SEND_TIMEOUT)
    server = await start_live_server(engine, limits=limits)
    yield server
    await server.close()


# ----------------------------------------------------------------- OpenAI: a client that stops


@pytest.mark.asyncio(loop_scope="session")
async def test_an_openai_client_that_stops_reading_loses_its_slot(tight: LiveServer) -> None:
    port = tight.port
    stalled = [non_reader(port) for _ in range(2)]
    try:
        # Both admitted: the server is full; every door refuses meanwhile.
        await wait_for(lambda: tight.sessions.open_in("openai") == 2)
        assert (await get_json(port, "/ready"))["status"] == "full"
        url = f"http://127.0.0.1:{port}/v1/audio/speech"
        async with aiohttp.ClientSession() as client:
            async with client.post(url, json={"input": "Hello."}) as busy:
                assert busy.status == 503 and busy.headers["Retry-After"] == "1"
            # Within the send timeout (after the buffers filled), both slots are free again.
            await wait_for(lambda: tight.sessions.sessions == 0, 60)
            assert (await get_json(port, "/ready"))["status"] == "ready"
            reply = {"input": "Hello there.", "response_format": "pcm"}
            async with client.post(url, json=reply) as served:
                assert served.status == 200 and len(await served.read()) > 24_000
        assert tight.sessions.outcomes["client_error"] == 2
        metrics = tight.metrics.exposition().decode()
        assert 'kokoro_errors_total{door="openai",kind="stopped_reading"} 2.0' in metrics
    finally:
        for sock in stalled:
            sock.close()


# --------------------------------------------------------------- shutdown while replies stream


async def slow_openai_reader(port: int, started: asyncio.Event) -> tuple[int, str]:
    """Stream a long OpenAI reply with the openai package, reading like a slow player: the
    bytes received, and how the reply ended ("" if complete)."""
    client = openai.AsyncOpenAI(
        base_url=f"http://127.0.0.1:{port}/v1", api_key="unused", max_retries=0
    )
    received, ended = 0, ""
    try:
        async with client.audio.speech.with_streaming_response.create(
            model="tts-1", voice="alloy", input=LONG_INPUT, response_format="pcm"
        ) as response:
            async for chunk in response.iter_bytes(4096):
                received += len(chunk)
                started.set()
                await asyncio.sleep(0.05)
    except Exception as error:  # the transport's own error type for a cut reply
        ended = str(error)
    finally:
        await client.close()
    return received, ended


async def test_shutdown_honours_the_drain_timeout_while_openai_replies_stream() -> None:
    drain_seconds = 2.0
    server = ServerProcess("drain", ("--drain-timeout", str(drain_seconds), "--no-wyoming"))
    try:
        await server.start()
        await server.wait_ready()
        port = server.live_port or 0
        started = [asyncio.Event(), asyncio.Event()]
        readers = [asyncio.create_task(slow_openai_reader(port, event)) for event in started]
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in started)), 60)
        signalled = time.monotonic()
        server.signal(signal.SIGTERM)
        assert await server.wait_exit(30) == 0
        elapsed = time.monotonic() - signalled
        received = await asyncio.wait_for(asyncio.gather(*readers), 10)
    finally:
        await server.stop()
    # The drain's time, then the replies are cut at once (not the HTTP server's own patience).
    assert drain_seconds <= elapsed < drain_seconds + 4, elapsed
    full_reply = 60 * 4 * 24_000 * 2  # minutes of speech: far more than was streamed
    for count, ended in received:
        # Cut short, and the client can tell: the chunked body never ended.
        assert 0 < count < full_reply and "incomplete chunked read" in ended, (count, ended)
    log = server.log_text()
    assert "Drain over: closing 2 sessions still in progress" in log, log
    assert "Traceback" not in log, log

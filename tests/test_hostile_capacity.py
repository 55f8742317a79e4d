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
import contextlib
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
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from wyoming_kokoro.config import Limits
from wyoming_kokoro.connection import KokoroBusyError, KokoroConnection, SpeechAudio
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.capacity import MIN_AUTO_SESSIONS
from wyoming_kokoro.server.host import LiveServer

from .helpers import assert_speech, engine_idle, start_live_server, wait_for
from .serverproc import ServerProcess, http_get
from .test_live_v2 import open_v2, say, send, url

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
        stalled = non_reader(port)  # and one that reads nothing at all
        await asyncio.sleep(1.0)
        signalled = time.monotonic()
        server.signal(signal.SIGTERM)
        assert await server.wait_exit(30) == 0
        elapsed = time.monotonic() - signalled
        received = await asyncio.wait_for(asyncio.gather(*readers), 10)
        stalled.close()
    finally:
        await server.stop()
    # The drain's time, then the replies are cut at once (not the HTTP server's own patience).
    assert drain_seconds <= elapsed < drain_seconds + 4, elapsed
    full_reply = 60 * 4 * 24_000 * 2  # minutes of speech: far more than was streamed
    for count, ended in received:
        # Cut short, and the client can tell: the chunked body never ended.
        assert 0 < count < full_reply and "incomplete chunked read" in ended, (count, ended)
    log = server.log_text()
    assert "Drain over: closing 3 sessions still in progress" in log, log
    assert "Traceback" not in log, log


# ------------------------------------------------------------ protocol 2: contexts are sessions


def metric(server: LiveServer, line_start: str) -> float:
    """The value of the exposition line that starts with ``line_start``."""
    for line in server.metrics.exposition().decode().splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {line_start} in /metrics")


async def test_each_context_speaking_at_once_counts_as_a_session(engine: Engine) -> None:
    await wait_for(lambda: engine_idle(engine))
    server = await start_live_server(engine, limits=Limits(auto_sessions=False, max_sessions=2))
    try:
        ws, reader, _ = await open_v2(server)
        async with ws:
            # Two contexts open (text without a flush: open, waiting for more): two sessions.
            await send(ws, "text", "a", "Okay, here is the first reply")
            await send(ws, "text", "b", "And here is the second one")
            await wait_for(lambda: server.sessions.sessions == 2)
            port = server.port
            assert (await get_json(port, "/ready"))["status"] == "full"
            assert (await get_json(port, "/health"))["sessions_by_door"] == {"live": 2}
            assert metric(server, 'kokoro_active_sessions{door="live"}') == 2
            # Every door refuses meanwhile: a protocol 1 session gets 1013.
            async with connect(url(server)) as other:
                with contextlib.suppress(ConnectionClosed):  # refused on connecting
                    await other.send(json.dumps({}))
                refusal = json.loads(await other.recv())
                await other.wait_closed()
            assert refusal["type"] == "error" and other.close_code == 1013

            # A third context is refused with a code to act on; the connection stays open.
            await send(ws, "text", "c", "This one has no room. ")
            error = await reader.until("c", "error")
            assert error["code"] == "server_busy" and error["retry_after"] == 1
            assert "counts as a session" in error["message"]
            await send(ws, "text", "c", "Its later text is dropped, ")  # not half spoken
            await send(ws, "flush", "c")
            # Room again once a context ends: the refused id may be offered again.
            await send(ws, "cancel", "a")
            await reader.until("a", "cancelled")
            await wait_for(lambda: server.sessions.sessions == 1)
            assert (await get_json(port, "/ready"))["status"] == "ready"
            await say(ws, "c", ["Now there is room for this one."])
            assert (await reader.until("c", "end", "error"))["type"] == "end"
            assert_speech(reader.contexts["c"].pcm, 6)
            await send(ws, "cancel", "b")
            await reader.until("b", "cancelled")
        counters = server.context_counters
        assert (counters.refused, counters.cancelled, counters.completed) == (1, 2, 1), counters
        assert metric(server, 'kokoro_contexts_total{outcome="refused"}') == 1
        assert metric(server, 'kokoro_sessions_refused_busy_total{door="live"}') == 2
        await wait_for(lambda: server.sessions.sessions == 0)
        assert metric(server, 'kokoro_active_sessions{door="live"}') == 0
    finally:
        await server.close()


async def test_the_automatic_limit_counts_contexts(engine: Engine) -> None:
    await wait_for(lambda: engine_idle(engine))
    limits = Limits(max_sessions=16, max_contexts=16)
    assert limits.auto_sessions
    server = await start_live_server(engine, limits=limits)
    try:
        ws, reader, _ = await open_v2(server)
        async with ws:
            counters = server.context_counters
            opened = 0
            while not counters.refused and opened <= 16:
                await send(ws, "text", f"c{opened}", "Waiting for the rest")
                seen = opened + 1
                await wait_for(lambda n=seen: counters.opened + counters.refused == n)
                opened += 1
            limit = engine.admission_limit(limits)
            assert counters.open == limit == server.sessions.sessions, (counters, limit)
            assert (await get_json(server.port, "/ready"))["status"] == "full"
            error = await reader.until(f"c{opened - 1}", "error")
            assert error["code"] == "server_busy"
    finally:
        await server.close()


async def test_contexts_cut_off_by_the_close_are_counted_disconnected(engine: Engine) -> None:
    await wait_for(lambda: engine_idle(engine))
    server = await start_live_server(engine, limits=Limits(auto_sessions=False, max_sessions=4))
    try:
        ws, reader, _ = await open_v2(server)
        await say(ws, "speaking", [LONG_INPUT[:400]])
        await send(ws, "text", "waiting", "The rest of this never comes")
        await reader.until("speaking", "audio")
        await ws.close()
        await wait_for(lambda: server.sessions.sessions == 0)
        counters = server.context_counters
        assert (counters.open, counters.disconnected) == (0, 2), counters
        assert counters.opened == counters.completed + counters.cancelled + counters.failed + 2
        assert metric(server, 'kokoro_contexts_total{outcome="disconnected"}') == 2
        assert (await get_json(server.port, "/health"))["contexts"]["disconnected"] == 2
        await wait_for(lambda: engine_idle(engine))  # its synthesis stopped too
    finally:
        await server.close()


async def test_the_idle_timer_spares_a_connection_whose_context_speaks(engine: Engine) -> None:
    await wait_for(lambda: engine_idle(engine))
    limits = Limits(auto_sessions=False, max_sessions=2, connection_idle_timeout=1.0)
    server = await start_live_server(engine, limits=limits)
    try:
        ws, reader, _ = await open_v2(server)
        async with ws:
            await say(ws, "long", [LONG_INPUT[:300]])
            started = time.monotonic()
            # A listener playing as it reads: the reply lasts far longer than the idle timer.
            while (message := await reader.next())["type"] != "end":
                if message["type"] == "audio":
                    await asyncio.sleep(0.5)
            assert time.monotonic() - started > 3 * limits.connection_idle_timeout
            assert_speech(reader.contexts["long"].pcm, 40)
            # Quiet with no context open: now the timer cuts the connection (1008).
            error = await asyncio.wait_for(reader.next(), 10)
            assert error["type"] == "error" and "No message received" in error["message"]
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(reader.next(), 10)
            assert ws.close_code == 1008
    finally:
        await server.close()


async def test_the_connection_client_offers_a_busy_reply_again(engine: Engine) -> None:
    await wait_for(lambda: engine_idle(engine))
    server = await start_live_server(engine, limits=Limits(auto_sessions=False, max_sessions=2))
    try:
        async with await KokoroConnection.open(url(server)) as connection:

            async def hold(context_id: str, first: asyncio.Event) -> None:
                async for _ in connection.speak(context_id, LONG_INPUT[:600]):
                    first.set()
                    await asyncio.sleep(0.2)

            firsts = [asyncio.Event(), asyncio.Event()]
            holders = [
                asyncio.create_task(hold(name, first))
                for name, first in zip(("one", "two"), firsts, strict=True)
            ]
            await asyncio.wait_for(asyncio.gather(*(f.wait() for f in firsts)), 60)

            # No room and no patience: the error says so, with the server's retry_after.
            connection.busy_retry_seconds = 0
            with pytest.raises(KokoroBusyError) as refused:
                async for _ in connection.speak("impatient", "Hello there."):
                    pass
            assert refused.value.retry_after == 1 and refused.value.code == "server_busy"

            # With patience, the reply is offered again and spoken once a slot is free.
            connection.busy_retry_seconds = 30

            async def tokens() -> AsyncIterator[str]:
                for word in ["Thanks", "for", "waiting,", "here", "is", "your", "answer."]:
                    yield word + " "

            async def free_a_slot() -> None:
                await asyncio.sleep(1.5)
                await connection.cancel("one")

            freeing = asyncio.create_task(free_a_slot())
            pcm = b"".join(
                [
                    event.pcm
                    async for event in connection.speak("patient", tokens())
                    if isinstance(event, SpeechAudio)
                ]
            )
            await freeing
            assert_speech(pcm, 7)
            assert server.context_counters.refused >= 2
            for holder in holders:
                holder.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await holder
    finally:
        await server.close()


# ---------------------------------------------------------------- --max-sessions auto recovers


async def test_the_automatic_limit_recovers_once_the_machine_is_quiet(engine: Engine) -> None:
    """A warm-up timed on a busy machine (seeded as one that ran at a twentieth of real time)
    is measured again by idle probes once the server is quiet, and ``/health`` says so."""
    await wait_for(lambda: engine_idle(engine))
    measured = engine.capacity.throughput
    assert measured is not None
    engine.capacity.seed(audio_seconds=1.0, busy_seconds=20.0)
    limits = Limits(max_sessions=16)
    server = await start_live_server(engine, limits=limits)
    try:
        health = await get_json(server.port, "/health")
        busy_estimate = health["capacity"]["capacity_sessions"]
        assert health["capacity"]["measured_by"] == "warm-up"
        assert health["max_sessions"] == MIN_AUTO_SESSIONS

        await wait_for(lambda: int(engine.capacity.report()["idle_probes"] or 0) >= 3, 90)
        health = await get_json(server.port, "/health")
        capacity = health["capacity"]
        assert capacity["measured_by"] == "idle probe" and capacity["measured_seconds_ago"] < 30
        # A machine that plays one stream at all plays it far above a twentieth of real time.
        assert capacity["capacity_sessions"] > 3 * busy_estimate, (busy_estimate, capacity)
        assert health["max_sessions"] == engine.admission_limit(limits)
    finally:
        await server.close()
        engine.capacity.seed(audio_seconds=measured, busy_seconds=1.0)

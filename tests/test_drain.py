"""Graceful drain of a real server process: SIGTERM mid-stream lets sessions finish with every
chunk, refuses new ones on every door, fails readiness and exits 0; a session longer than the
drain timeout is closed with 1001. Also: ``/ready`` says "loading" before the model is up."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from wyoming.audio import AudioChunk
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart

from .serverproc import Recorded, ServerProcess, http_get, record_live

LONG_REPLY = (
    "Okay, I turned on the kitchen lights and set the thermostat to twenty one degrees. "
    "The front door is locked, and the garage is closed. "
    "Tomorrow it will rain in the afternoon, so take an umbrella."
)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def servers() -> AsyncIterator[dict[str, ServerProcess]]:
    """Two servers loading side by side: default drain timeout, and a 1 s one."""
    started = {
        "patient": ServerProcess("patient"),
        "hasty": ServerProcess("hasty", ("--drain-timeout", "1")),
    }
    try:
        for server in started.values():
            await server.start()
        await asyncio.gather(*(server.wait_ready() for server in started.values()))
        yield started
    finally:
        await asyncio.gather(*(server.stop() for server in started.values()))


def live_url(server: ServerProcess) -> str:
    return f"ws://127.0.0.1:{server.live_port}/ws/tts/live"


async def wyoming_events(client: AsyncTcpClient, until: str, seconds: float) -> list[Event]:
    """Events read until one of type ``until`` (or the connection ends)."""
    events: list[Event] = []
    async with asyncio.timeout(seconds):
        while (event := await client.read_event()) is not None:
            events.append(event)
            if event.type == until:
                break
    return events


async def test_ready_says_loading_before_the_model_is_up(
    servers: dict[str, ServerProcess],
) -> None:
    for server in servers.values():
        assert server.startup_statuses[0] == "loading", server.startup_statuses
        assert server.startup_statuses[-1] == "ready"
        status, ready = http_get(server.live_port or 0, "/ready")
        status_health, health = http_get(server.live_port or 0, "/health")
        assert (status, ready["status"]) == (200, "ready")
        assert status_health == 200 and health["status"] == "ok"
        assert ready["max_sessions"] == health["admission_limit"] == 16


async def test_sigterm_mid_stream_finishes_sessions_and_refuses_new_ones(
    servers: dict[str, ServerProcess],
) -> None:
    server = servers["patient"]
    assert server.wyoming_port is not None
    # A live session and a Wyoming request, both in progress when SIGTERM arrives.
    live = Recorded()
    live_task = asyncio.create_task(record_live(live_url(server), [LONG_REPLY], live))
    wyoming = AsyncTcpClient("127.0.0.1", server.wyoming_port)
    await wyoming.connect()
    await wyoming.write_event(Synthesize(text=LONG_REPLY).event())
    await asyncio.wait_for(live.first_audio.wait(), 30)
    assert (await wyoming_events(wyoming, "audio-start", 30))[-1].type == "audio-start"
    signalled = time.monotonic()
    server.signal(signal.SIGTERM)

    # Readiness fails at once; /health stays up (liveness).
    for _ in range(100):
        status, body = http_get(server.live_port or 0, "/ready")
        if status == 503:
            break
        await asyncio.sleep(0.02)
    assert (status, body["status"]) == (503, "draining")
    assert http_get(server.live_port or 0, "/health")[0] == 200

    # A new live session is refused: an error naming the shutdown, then 1001 going away.
    async with connect(live_url(server)) as ws:
        # The refusal may come before the init is sent: admission is decided on connecting.
        with contextlib.suppress(ConnectionClosed):
            await ws.send(json.dumps({}))
        refusal = json.loads(await ws.recv())
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        assert ws.close_code == 1001
    assert refusal["type"] == "error" and "shutting down" in refusal["message"]
    # So is a buffered one, in its own shape.
    async with connect(f"ws://127.0.0.1:{server.live_port}/ws/tts/stream") as ws:
        buffered = json.loads(await ws.recv())
    assert buffered["error_code"] == "server_busy" and "shutting down" in buffered["message"]
    # A new Wyoming connection gets an error event and is closed.
    newcomer = AsyncTcpClient("127.0.0.1", server.wyoming_port)
    await newcomer.connect()
    events = await wyoming_events(newcomer, "error", 5)
    assert Error.from_event(events[-1]).code == "server-shutting-down"
    await newcomer.disconnect()

    # Both sessions in progress complete, every chunk there.
    await asyncio.wait_for(live_task, 30)
    assert live.complete and live.close_code == 1000, live
    events = await wyoming_events(wyoming, "audio-stop", 30)
    assert events[-1].type == "audio-stop"
    audio = sum(len(AudioChunk.from_event(e).audio) for e in events if e.type == "audio-chunk")
    assert audio > 24_000 * 2 * 5  # over 5 s of the reply, after the signal
    await wyoming.disconnect()

    assert await server.wait_exit(30) == 0
    assert time.monotonic() - signalled < 30
    log = server.log_text()
    assert "Draining: 2 sessions in progress" in log and "Drained: every session finished" in log


async def slow_pieces(words: int, pause: float) -> AsyncIterator[str]:
    """An LLM that takes its time: one sentence every ``pause`` seconds."""
    for index in range(words):
        yield f"This is sentence number {index + 1} of a long reply. "
        await asyncio.sleep(pause)


async def test_a_session_longer_than_the_drain_timeout_gets_1001(
    servers: dict[str, ServerProcess],
) -> None:
    server = servers["hasty"]
    assert server.wyoming_port is not None
    live = Recorded()
    live_task = asyncio.create_task(record_live(live_url(server), slow_pieces(40, 0.4), live))
    wyoming = AsyncTcpClient("127.0.0.1", server.wyoming_port)
    await wyoming.connect()
    await wyoming.write_event(SynthesizeStart().event())
    await wyoming.write_event(SynthesizeChunk(text="Hello there, this stream stays open. ").event())
    await asyncio.wait_for(live.first_audio.wait(), 30)
    assert (await wyoming_events(wyoming, "audio-chunk", 30))[-1].type == "audio-chunk"
    signalled = time.monotonic()
    server.signal(signal.SIGTERM)

    await asyncio.wait_for(live_task, 15)
    assert live.close_code == 1001 and live.end is None and live.chunks
    ids = [chunk_id for chunk_id, _, _ in live.chunks]
    assert ids == list(range(1, len(ids) + 1))  # nothing out of order before the cut
    events = await wyoming_events(wyoming, "error", 15)
    assert Error.from_event(events[-1]).code == "server-shutting-down"
    await wyoming.disconnect()
    assert await server.wait_exit(15) == 0
    elapsed = time.monotonic() - signalled
    assert 1.0 <= elapsed < 10, elapsed
    assert "Drain over: closing 2 sessions still in progress" in server.log_text()


def test_drain_timeout_flag(capsys: pytest.CaptureFixture[str]) -> None:
    from wyoming_kokoro.cli import parse_settings

    assert parse_settings([]).drain_timeout == 30.0
    assert parse_settings(["--drain-timeout", "0"]).drain_timeout == 0.0  # close at once
    for bad in ("-1", "soon", "inf"):
        with pytest.raises(SystemExit) as exited:
            parse_settings(["--drain-timeout", bad])
        assert exited.value.code == 2
        assert "'drain_timeout' must be a number of seconds 0 or more" in capsys.readouterr().err

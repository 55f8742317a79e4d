"""Work for vanished clients stops at once (issue 10, item 4), asserted from /health's counters.

Ten clients ask for long replies and drop their TCP connection after the first chunk; a normal
session runs beside them. Nothing may stay queued or running for the vanished ones.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest_asyncio
from websockets.asyncio.client import connect

from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.audio import duration_seconds
from wyoming_kokoro.server.host import LiveServer

from .helpers import assert_speech, start_live_server

LONG = (
    "Okay, here is the whole plan for tomorrow. The front door is locked, and the garage is "
    "closed. Tomorrow it will rain in the afternoon, so take an umbrella. "
) * 4
NORMAL = "Okay, the kitchen lights are on and the thermostat is set to twenty one degrees."


@pytest_asyncio.fixture(loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[LiveServer]:
    live = await start_live_server(engine)
    yield live
    await live.close()


def _get_health(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as reply:
        result: dict[str, Any] = json.loads(reply.read())
        return result


async def health(server: LiveServer) -> dict[str, Any]:
    """GET /health over a real socket (in a thread: the server runs on this loop)."""
    return await asyncio.to_thread(_get_health, server.port)


async def until(
    server: LiveServer, check: Callable[[dict[str, Any]], bool], seconds: float
) -> None:
    """Poll /health until ``check`` holds."""
    deadline = time.perf_counter() + seconds
    while not check(counters := await health(server)):
        assert time.perf_counter() < deadline, f"still {counters} after {seconds} s"
        await asyncio.sleep(0.05)


async def vanish_after_first_chunk(server: LiveServer) -> None:
    ws = await connect(f"ws://127.0.0.1:{server.port}/ws/tts/live", max_size=None)
    await ws.send("{}")
    await ws.recv()
    await ws.send(LONG)
    await ws.send("")
    assert json.loads(await ws.recv())["type"] == "audio"
    await ws.recv()
    ws.transport.abort()  # the TCP connection drops: no close handshake


async def normal_session(server: LiveServer) -> tuple[bytes, float]:
    started = time.perf_counter()
    pcm = b""
    async with connect(f"ws://127.0.0.1:{server.port}/ws/tts/live", max_size=None) as ws:
        await ws.send("{}")
        await ws.recv()
        await ws.send(NORMAL)
        await ws.send("")
        while json.loads(await ws.recv())["type"] == "audio":
            chunk = await ws.recv()
            assert isinstance(chunk, bytes)
            pcm += chunk
    return pcm, time.perf_counter() - started


async def test_vanished_sessions_leave_no_work_behind(server: LiveServer) -> None:
    alone, alone_seconds = await normal_session(server)
    normal = asyncio.create_task(normal_session(server))
    await asyncio.gather(*(vanish_after_first_chunk(server) for _ in range(10)))
    dropped = time.perf_counter()

    # Only the normal session's own work may remain (at most its lookahead of two segments):
    # the vanished sessions' segments are gone within about a second.
    await until(
        server,
        lambda c: c["queued_segments"] + c["running_segments"] <= 2 and c["sessions"] <= 1,
        seconds=1.5,
    )
    assert time.perf_counter() - dropped < 1.5
    pcm, beside_seconds = await normal
    # The normal session got all of its audio, and was not held up by work for nobody.
    assert abs(duration_seconds(pcm) - duration_seconds(alone)) < 0.05
    assert_speech(pcm, words=len(NORMAL.split()))
    assert beside_seconds < 3 * alone_seconds + 1.0
    await until(
        server,
        lambda c: (c["sessions"], c["queued_segments"], c["running_segments"]) == (0, 0, 0),
        seconds=2,
    )

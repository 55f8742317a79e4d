"""The live port's HTTP side and its bookkeeping: routes, JSON errors, /metrics, shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from wyoming_kokoro.config import Limits
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.server.host import LiveServer

from .helpers import start_live_server, wait_for

HELLO = "Hello there. The lights are on."
BUFFERED_INIT = {"voice": {"mode": "id", "id": "af_heart"}, "language": "en-us"}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[LiveServer]:
    live = await start_live_server(engine, limits=Limits(auto_sessions=False, max_sessions=8))
    yield live
    await live.close()


def base(server: LiveServer) -> str:
    return f"http://127.0.0.1:{server.port}"


async def request(server: LiveServer, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, base(server) + path) as reply,
    ):
        return reply.status, dict(reply.headers), await reply.read()


async def test_unknown_path_is_404_json(server: LiveServer) -> None:
    status, headers, body = await request(server, "GET", "/nothing")
    assert status == 404
    assert headers["Content-Type"].startswith("application/json")
    assert "Not found: /nothing. Try /ws/tts/live" in json.loads(body)["error"]


@pytest.mark.parametrize("path", ["/health", "/voices", "/metrics"])
async def test_wrong_method_is_405_json_naming_the_allowed_one(
    server: LiveServer, path: str
) -> None:
    status, headers, body = await request(server, "POST", path)
    assert status == 405
    assert headers["Allow"] == "GET,HEAD"
    assert json.loads(body)["error"] == f"Method POST is not allowed on {path}; use GET, HEAD"


async def test_head_health_has_headers_and_no_body(server: LiveServer) -> None:
    status, headers, body = await request(server, "HEAD", "/health")
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert body == b""
    assert headers["Server"].startswith("kokoro-live/")


async def test_plain_get_on_a_websocket_path_says_so(server: LiveServer) -> None:
    status, _headers, body = await request(server, "GET", "/ws/tts/live")
    assert status == 426
    assert "is a WebSocket endpoint" in json.loads(body)["error"]


async def live_session(server: LiveServer, text: str) -> None:
    async with connect(f"ws://127.0.0.1:{server.port}/ws/tts/live") as ws:
        await ws.send("{}")
        await ws.recv()
        await ws.send(text)
        await ws.send("")
        with pytest.raises(ConnectionClosed):
            while True:
                await ws.recv()


async def buffered_session(server: LiveServer, init: dict[str, Any], text: str) -> dict[str, Any]:
    """Run a buffered session; its last message."""
    last: dict[str, Any] = {}
    async with connect(f"ws://127.0.0.1:{server.port}/ws/tts/stream") as ws:
        with contextlib.suppress(ConnectionClosed):  # a busy server closes at once
            await ws.send(json.dumps(init))
            await ws.send(json.dumps({"transcript": text}))
            await ws.send(json.dumps({"transcript": ""}))
        with pytest.raises(ConnectionClosed):
            while True:
                last = json.loads(await ws.recv())
    return last


def samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of the exposition by name and labels (parsed by prometheus_client)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(
    parsed: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return parsed.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_count_real_sessions_by_door(engine: Engine) -> None:
    server = await start_live_server(engine, limits=Limits(auto_sessions=False, max_sessions=2))
    try:
        await live_session(server, HELLO)
        await buffered_session(server, BUFFERED_INIT, HELLO)
        failed = await buffered_session(server, {**BUFFERED_INIT, "speed": 9}, HELLO)
        assert failed["error_code"] == "invalid_request"
        # A full server: one session held open, two more refused through each door.
        async with connect(f"ws://127.0.0.1:{server.port}/ws/tts/live") as one:
            await one.send("{}")
            await one.recv()
            async with connect(f"ws://127.0.0.1:{server.port}/ws/tts/live") as two:
                await two.send("{}")
                await two.recv()
                await wait_for(lambda: server.sessions.sessions == 2)
                busy = await buffered_session(server, BUFFERED_INIT, HELLO)
                assert busy["error_code"] == "server_busy"
                health = json.loads((await request(server, "GET", "/health"))[2])
                assert health["live_sessions"] == 2
                assert health["sessions_by_door"] == {"live": 2}
        await wait_for(lambda: server.sessions.sessions == 0)
        status, headers, body = await request(server, "GET", "/metrics")
    finally:
        await server.close()
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=")
    parsed = samples(body.decode())
    for door in ("live", "buffered"):
        assert value(parsed, "kokoro_time_to_first_audio_seconds_count", door=door) == 1
        assert 0 < value(parsed, "kokoro_time_to_first_audio_seconds_sum", door=door) < 30
        assert value(parsed, "kokoro_real_time_factor_count", door=door) == 1
        assert 1.0 < value(parsed, "kokoro_audio_seconds_total", door=door) < 6.0
        assert value(parsed, "kokoro_active_sessions", door=door) == 0
    # The failed buffered session counts once, as the client's error, never as completed.
    assert value(parsed, "kokoro_sessions_total", door="buffered", outcome="completed") == 1
    assert value(parsed, "kokoro_sessions_total", door="buffered", outcome="client_error") == 1
    assert value(parsed, "kokoro_errors_total", door="buffered", kind="invalid_request") == 1
    assert value(parsed, "kokoro_sessions_total", door="live", outcome="completed") == 1
    assert value(parsed, "kokoro_sessions_total", door="live", outcome="disconnected") == 2
    assert value(parsed, "kokoro_sessions_refused_busy_total", door="buffered") == 1
    assert value(parsed, "kokoro_sessions_refused_busy_total", door="live") == 0
    assert value(parsed, "kokoro_queued_segments") == 0
    assert value(parsed, "kokoro_running_segments") == 0


async def test_each_server_has_its_own_registry(engine: Engine) -> None:
    first = await start_live_server(engine)
    second = await start_live_server(engine)
    try:
        await live_session(first, "Hi.")
        counts = [
            value(
                samples(s.metrics.exposition().decode()),
                "kokoro_sessions_total",
                door="live",
                outcome="completed",
            )
            for s in (first, second)
        ]
    finally:
        await first.close()
        await second.close()
    assert counts == [1, 0]


async def test_stopping_the_server_closes_open_sessions_with_1001(engine: Engine) -> None:
    server = await start_live_server(engine)
    async with connect(f"ws://127.0.0.1:{server.port}/ws/tts/live") as ws:
        await ws.send("{}")
        await ws.recv()
        await asyncio.wait_for(server.close(), 10)
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
    assert ws.close_code == 1001
    assert server.sessions.sessions == 0

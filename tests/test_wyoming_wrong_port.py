"""An HTTP client at the Wyoming port (a config flow given the wrong port): refused once, closed."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import pytest
import pytest_asyncio
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidMessage

from wyoming_kokoro.engine import Engine
from wyoming_kokoro.server.wyoming import WyomingServer

from .helpers import TEST_SETTINGS


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[WyomingServer]:
    wyoming = WyomingServer(engine, replace(TEST_SETTINGS))
    await wyoming.start()
    yield wyoming
    await wyoming.close()


def server_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("wyoming_kokoro")]


async def test_an_http_request_costs_one_log_line(
    server: WyomingServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wyoming_kokoro")
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientError):
            async with http.get(f"http://127.0.0.1:{server.port}/voices") as reply:
                await reply.read()
    assert server_lines(caplog) == [
        "Refused an event: An HTTP request came to the Wyoming port; HTTP and WebSocket "
        "clients (the Kokoro Live integration, the speech API) use the live port"
    ]


async def test_a_websocket_client_is_refused_the_same_way(
    server: WyomingServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="wyoming_kokoro")
    with pytest.raises((InvalidMessage, OSError)):
        async with connect(f"ws://127.0.0.1:{server.port}/ws/tts/live", open_timeout=10):
            pass
    assert len(server_lines(caplog)) == 1

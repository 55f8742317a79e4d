"""After an outage the entity is back within seconds of the server answering; a speak while the
server is down fails with one clear error."""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
import pytest
from homeassistant.components import tts
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    async_fire_time_changed,
)

from custom_components.kokoro_live.const import UPDATE_INTERVAL

from .conftest import KokoroServer

pytestmark = pytest.mark.usefixtures("socket_enabled")

#: The longest a restarted server may wait to see the entity available again.
BACK_WITHIN = 5.0


def state(hass: HomeAssistant, entity_id: str) -> str:
    current = hass.states.get(entity_id)
    assert current is not None
    return current.state


async def health_answers(server: KokoroServer) -> bool:
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{server.live_url}/health", timeout=aiohttp.ClientTimeout(total=2)) as reply,
        ):
            return reply.status == 200
    except aiohttp.ClientError, TimeoutError:
        return False


async def test_back_within_seconds_of_the_server_answering(
    hass: HomeAssistant,
    entity_id: str,
    kokoro_server: KokoroServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert state(hass, entity_id) != STATE_UNAVAILABLE
    await kokoro_server.async_kill()
    try:
        async_fire_time_changed(hass, dt_util.utcnow() + UPDATE_INTERVAL)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert state(hass, entity_id) == STATE_UNAVAILABLE

        # A speak while it is down: one clear error, at once.
        caplog.clear()
        caplog.set_level(logging.WARNING)
        stream = tts.async_create_stream(hass, entity_id, language="en-US")
        stream.async_set_message("Hello.")
        with pytest.raises(HomeAssistantError):
            async for _ in stream.async_stream_result():
                pass
        await hass.async_block_till_done()
        problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(problems) == 1, problems
        assert "Failed to connect to the Kokoro Live server at 127.0.0.1:" in problems[0]
    finally:
        await kokoro_server.async_start()
    assert await health_answers(kokoro_server)
    answering_since = time.monotonic()
    # No poll is forced here: the entity's own retries find the server.
    while state(hass, entity_id) == STATE_UNAVAILABLE:
        waited = time.monotonic() - answering_since
        assert waited < BACK_WITHIN, f"still unavailable {waited:.1f} s after /health answered"
        await asyncio.sleep(0.05)
    print(f"\nAvailable again {time.monotonic() - answering_since:.2f} s after /health answered")

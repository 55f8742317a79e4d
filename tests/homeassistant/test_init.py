"""Setting up, reloading and unloading a Kokoro Live entry."""

from __future__ import annotations

import socket

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components.kokoro_live.const import DOMAIN

from .conftest import HOST, KokoroServer

pytestmark = pytest.mark.usefixtures("socket_enabled")


def state_of(entry: MockConfigEntry) -> ConfigEntryState:
    """The entry's state, read afresh (it changes under the test's feet)."""
    state: ConfigEntryState = entry.state
    return state


def make_entry(port: int) -> MockConfigEntry:
    """An entry for 127.0.0.1:``port``."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Kokoro Live ({HOST}:{port})",
        unique_id=f"{HOST}:{port}",
        data={CONF_HOST: HOST, CONF_PORT: port},
    )


async def test_setup_reload_unload(hass: HomeAssistant, kokoro_server: KokoroServer) -> None:
    """The entry loads one TTS entity, survives a reload and unloads cleanly."""
    entry = make_entry(kokoro_server.live_port)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(entry) is ConfigEntryState.LOADED
    assert entry.runtime_data.coordinator.data.version == "0.1.0"
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert [(e.domain, e.unique_id) for e in entities] == [("tts", entry.entry_id)]
    entity_id = entities[0].entity_id
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state != STATE_UNAVAILABLE

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(entry) is ConfigEntryState.LOADED
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state != STATE_UNAVAILABLE

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(entry) is ConfigEntryState.NOT_LOADED
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == STATE_UNAVAILABLE


async def test_setup_retries_while_server_is_down(hass: HomeAssistant) -> None:
    """No server yet (the add-on still starting): Home Assistant retries later."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
    entry = make_entry(port)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert state_of(entry) is ConfigEntryState.SETUP_RETRY

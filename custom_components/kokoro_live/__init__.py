"""Kokoro Live: streaming Kokoro text-to-speech from a Kokoro Live server."""

from __future__ import annotations

from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_PORT, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import KokoroLiveClient
from .coordinator import KokoroLiveConfigEntry, KokoroLiveCoordinator, KokoroLiveData

PLATFORMS: list[Platform] = [Platform.TTS]


async def async_setup_entry(hass: HomeAssistant, entry: KokoroLiveConfigEntry) -> bool:
    """Reach the server (or retry later: ``ConfigEntryNotReady``), then add the TTS entity."""
    client = KokoroLiveClient(
        entry.data[CONF_HOST],
        entry.data[CONF_PORT],
        async_get_clientsession(hass),
        entry.data.get(CONF_API_KEY),
    )
    coordinator = KokoroLiveCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = KokoroLiveData(client=client, coordinator=coordinator)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: KokoroLiveConfigEntry) -> bool:
    """Remove the entity and stop polling the server."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)

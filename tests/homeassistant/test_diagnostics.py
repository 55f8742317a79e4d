"""Diagnostics of a Kokoro Live entry: what the server said and what failed last."""

from __future__ import annotations

import pytest
from homeassistant.components.tts.helper import get_engine_instance
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.components.diagnostics import (  # type: ignore[import-untyped]
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import (  # type: ignore[import-untyped]
    ClientSessionGenerator,
)

from custom_components.kokoro_live.const import CONF_SPEED, DOMAIN
from custom_components.kokoro_live.tts import KokoroLiveTTSEntity

from .conftest import HOST, KokoroServer

pytestmark = pytest.mark.usefixtures("socket_enabled")


async def test_diagnostics(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, kokoro_server: KokoroServer
) -> None:
    """Server version, voices, the entry's settings and the last speech error."""
    assert await async_setup_component(hass, "diagnostics", {})
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Kokoro Live",
        unique_id=f"{HOST}:{kokoro_server.live_port}",
        data={CONF_HOST: HOST, CONF_PORT: kokoro_server.live_port},
        options={CONF_SPEED: 1.1},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["entry"] == {
        "data": {CONF_HOST: HOST, CONF_PORT: kokoro_server.live_port},
        "options": {CONF_SPEED: 1.1},
    }
    server = diagnostics["server"]
    assert server["version"] == "0.1.0"
    assert server["model"] == "Kokoro-82M int8 (embedded)"
    assert server["voices_count"] == 54
    assert server["voice_names"]["jm_kumo"] == "Kumo (Japanese, male)"
    assert server["sample_rate"] == 24000
    assert diagnostics["available"] is True
    assert diagnostics["last_update_error"] is None
    assert diagnostics["last_error"] is None

    # A refused request (an unknown voice) is what a user would want to see here.
    entity_id = er.async_get(hass).async_get_entity_id("tts", DOMAIN, entry.entry_id)
    assert entity_id is not None
    entity = get_engine_instance(hass, entity_id)
    assert isinstance(entity, KokoroLiveTTSEntity)
    with pytest.raises(HomeAssistantError):
        await entity.async_get_tts_audio("Hi.", "en-US", {"voice": "nobody"})
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert "Unknown voice 'nobody'" in diagnostics["last_error"]
    assert await hass.config_entries.async_unload(entry.entry_id)

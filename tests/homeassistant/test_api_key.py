"""The Kokoro Live integration with a server that needs an API key: the config flow (a wrong
key, then the right one), reconfigure, add-on discovery with its key, and diagnostics."""

from __future__ import annotations

import pytest
from homeassistant.config_entries import (
    SOURCE_HASSIO,
    SOURCE_REAUTH,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.hassio import HassioServiceInfo
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components.kokoro_live.const import DOMAIN
from custom_components.kokoro_live.diagnostics import async_get_config_entry_diagnostics

from .conftest import API_KEY, HOST, KokoroServer

pytestmark = pytest.mark.usefixtures("socket_enabled")

WRONG_KEY = "kl-ha-wrong-key-000000000"


def keyed_entry(port: int, api_key: str | None) -> MockConfigEntry:
    data: dict[str, object] = {CONF_HOST: HOST, CONF_PORT: port}
    if api_key is not None:
        data[CONF_API_KEY] = api_key
    return MockConfigEntry(
        domain=DOMAIN, title=f"Kokoro Live ({HOST}:{port})", unique_id=f"{HOST}:{port}", data=data
    )


async def test_user_flow_wrong_key_then_right_key(
    hass: HomeAssistant, keyed_kokoro_server: KokoroServer
) -> None:
    """No key and a wrong key are "Invalid API key" on the key field; the right one makes an
    entry that stores it, loads, and speaks."""
    port = keyed_kokoro_server.live_port
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    for key in (None, WRONG_KEY):
        user_input: dict[str, object] = {CONF_HOST: HOST, CONF_PORT: port}
        if key is not None:
            user_input[CONF_API_KEY] = key
        result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: port, CONF_API_KEY: f" {API_KEY} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_HOST: HOST, CONF_PORT: port, CONF_API_KEY: API_KEY}
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.coordinator.data.voices  # /voices answered with the key
    ready = await entry.runtime_data.client.async_check()  # a live session with the key
    assert ready["type"] == "ready"

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["entry"]["data"][CONF_API_KEY] == "**REDACTED**"
    assert API_KEY not in repr(diagnostics)
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_a_refused_key_starts_reauthentication(
    hass: HomeAssistant, keyed_kokoro_server: KokoroServer
) -> None:
    """The server's keys changed: the entry does not load and asks for the new key, which is
    checked (a wrong one is refused on the form) before the entry reloads with it."""
    port = keyed_kokoro_server.live_port
    entry = keyed_entry(port, WRONG_KEY)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    flow_id = flows[0]["flow_id"]

    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: WRONG_KEY})
    assert result["step_id"] == "reauth_confirm"
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}
    assert result["description_placeholders"]["address"] == f"{HOST}:{port}"
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_API_KEY: API_KEY})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data == {CONF_HOST: HOST, CONF_PORT: port, CONF_API_KEY: API_KEY}
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_reconfigure_sets_and_clears_the_key(
    hass: HomeAssistant, keyed_kokoro_server: KokoroServer, kokoro_server: KokoroServer
) -> None:
    """A wrong key is replaced by the right one; moving to a server without keys drops it."""
    port = keyed_kokoro_server.live_port
    entry = keyed_entry(port, WRONG_KEY)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: port, CONF_API_KEY: WRONG_KEY}
    )
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: port, CONF_API_KEY: API_KEY}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data == {CONF_HOST: HOST, CONF_PORT: port, CONF_API_KEY: API_KEY}
    assert entry.state is ConfigEntryState.LOADED

    open_port = kokoro_server.live_port
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: open_port, CONF_API_KEY: ""}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data == {CONF_HOST: HOST, CONF_PORT: open_port}
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_addon_discovery_carries_the_key(
    hass: HomeAssistant, keyed_kokoro_server: KokoroServer
) -> None:
    """The add-on announces its key with its address; the entry is set up with it, and follows
    it when the add-on's key changes."""
    port = keyed_kokoro_server.live_port
    config = {"host": HOST, "port": port, "api_key": API_KEY}
    info = HassioServiceInfo(config=config, name="Kokoro Live", slug="kokoro_live", uuid="1234")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_HASSIO}, data=info
    )
    assert result["step_id"] == "hassio_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.data == {CONF_HOST: HOST, CONF_PORT: port, CONF_API_KEY: API_KEY}
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)

    rotated = HassioServiceInfo(
        config={**config, "api_key": "kl-rotated-key-11111111"},
        name="Kokoro Live",
        slug="kokoro_live",
        uuid="1234",
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_HASSIO}, data=rotated
    )
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_API_KEY] == "kl-rotated-key-11111111"

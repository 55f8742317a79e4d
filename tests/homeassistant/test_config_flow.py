"""The Kokoro Live config flow against a real server: user, add-on, reconfigure, options."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from homeassistant.config_entries import (
    SOURCE_HASSIO,
    SOURCE_USER,
    ConfigEntryState,
    ConfigFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.hassio import HassioServiceInfo
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from custom_components.kokoro_live.api import KokoroLiveClient, KokoroServerError, LiveSession
from custom_components.kokoro_live.config_flow import is_valid_host
from custom_components.kokoro_live.const import CONF_LANGUAGE, CONF_SPEED, CONF_VOICE, DOMAIN

from .conftest import HOST, KokoroServer, closed_port

pytestmark = pytest.mark.usefixtures("socket_enabled")

#: The first voices the options form offers for US English (its natural voice at the top),
#: with the server's readable names as labels.
FIRST_OPTIONS = [
    {"value": "af_heart", "label": "Heart (English (US), female)"},
    {"value": "af_alloy", "label": "Alloy (English (US), female)"},
    {"value": "af_aoede", "label": "Aoede (English (US), female)"},
]


def suggested_values(result: ConfigFlowResult) -> dict[str, Any]:
    """What a form pre-fills, by field name."""
    schema = result["data_schema"]
    assert schema is not None
    return {
        str(key): key.description["suggested_value"]
        for key in schema.schema
        if key.description and "suggested_value" in key.description
    }


def discovery(config: dict[str, object]) -> HassioServiceInfo:
    """What the Supervisor hands over when the add-on announces itself."""
    return HassioServiceInfo(config=config, name="Kokoro Live", slug="kokoro_live", uuid="1234")


def mock_entry(host: str, port: int, title: str | None = None) -> MockConfigEntry:
    """An entry as the user flow makes it (not set up)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=title or f"Kokoro Live ({host}:{port})",
        unique_id=f"{host}:{port}",
        data={CONF_HOST: host, CONF_PORT: port},
    )


@pytest.fixture
async def busy_server(kokoro_server: KokoroServer) -> AsyncIterator[str]:
    """Fill every session slot of the real server; yields its "busy" message."""
    sessions: list[LiveSession] = []
    async with aiohttp.ClientSession() as http:
        client = KokoroLiveClient(HOST, kokoro_server.live_port, http)
        try:
            for _ in range(256):
                try:
                    sessions.append(await client.async_open_session())
                except KokoroServerError as err:
                    yield str(err)
                    break
            else:
                pytest.fail("the server never said it was busy")
        finally:
            for session in sessions:
                await session.close()


async def test_user_creates_entry(hass: HomeAssistant, kokoro_server: KokoroServer) -> None:
    """A live session opens, so the entry is created under its address."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: kokoro_server.live_port}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Kokoro Live ({HOST}:{kokoro_server.live_port})"
    assert result["data"] == {CONF_HOST: HOST, CONF_PORT: kokoro_server.live_port}
    entry = result["result"]
    assert entry.unique_id == f"{HOST}:{kokoro_server.live_port}"
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_user_cannot_connect_then_fixes_port(
    hass: HomeAssistant, kokoro_server: KokoroServer
) -> None:
    """Nothing listening: cannot_connect; the form keeps what was typed; the right port works."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    dead_port = closed_port()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: dead_port}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert suggested_values(result) == {CONF_HOST: HOST, CONF_PORT: dead_port}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: kokoro_server.live_port}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert await hass.config_entries.async_unload(result["result"].entry_id)


@pytest.mark.parametrize("host", ["http://127.0.0.1", "127.0.0.1/ws", "bad host", "-x.lan", ""])
async def test_user_invalid_host(hass: HomeAssistant, host: str) -> None:
    """A URL, a path or a broken name is rejected before anything connects."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: host, CONF_PORT: 8880}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_HOST: "invalid_host"}


@pytest.mark.parametrize(
    ("host", "valid"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("kokoro.local", True),
        ("a0d7b954-kokoro-live", True),
        ("host.", True),
        ("x" * 64, False),
        ("a..b", False),
        ("[::1]", False),
    ],
)
def test_host_validation(host: str, valid: bool) -> None:
    """Host names and IP literals pass; anything that is not one of them does not."""
    assert is_valid_host(host) is valid


async def test_user_wyoming_port_is_not_kokoro(
    hass: HomeAssistant, kokoro_server: KokoroServer
) -> None:
    """The Wyoming port answers, but not with the live protocol: a dedicated error says so."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: kokoro_server.wyoming_port}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "not_kokoro"}


async def test_user_server_busy(
    hass: HomeAssistant, kokoro_server: KokoroServer, busy_server: str
) -> None:
    """The server's own refusal (every session slot taken) is shown in its words."""
    assert "busy" in busy_server.lower()
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: kokoro_server.live_port}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "server_error"}
    assert result["description_placeholders"] == {"error": busy_server}


async def test_user_already_configured(hass: HomeAssistant, kokoro_server: KokoroServer) -> None:
    """The same address twice is refused before connecting."""
    mock_entry(HOST, kokoro_server.live_port).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: kokoro_server.live_port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_hassio_discovery_confirm(hass: HomeAssistant, kokoro_server: KokoroServer) -> None:
    """The add-on's announcement becomes a one-click confirmation, then an entry."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_HASSIO},
        data=discovery({"host": HOST, "port": kokoro_server.live_port}),
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "hassio_confirm"
    assert result["description_placeholders"] == {"addon": "Kokoro Live"}
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flows[0]["context"]["title_placeholders"] == {"name": "Kokoro Live"}

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Kokoro Live"
    assert result["data"] == {CONF_HOST: HOST, CONF_PORT: kokoro_server.live_port}
    assert result["result"].unique_id == f"{HOST}:{kokoro_server.live_port}"
    assert await hass.config_entries.async_unload(result["result"].entry_id)


async def test_hassio_discovery_server_gone(hass: HomeAssistant) -> None:
    """Confirming while the add-on's server is down shows cannot_connect on the same step."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_HASSIO},
        data=discovery({"host": HOST, "port": closed_port()}),
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "hassio_confirm"
    assert result["errors"] == {"base": "cannot_connect"}


async def test_hassio_discovery_already_configured(hass: HomeAssistant) -> None:
    """An address that already has an entry is not offered again."""
    mock_entry(HOST, 8880).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_HASSIO}, data=discovery({"host": HOST, "port": 8880})
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize("config", [{"host": HOST}, {"port": 8880}, {"host": HOST, "port": "x"}])
async def test_hassio_discovery_incomplete(hass: HomeAssistant, config: dict[str, object]) -> None:
    """An announcement without a usable host and port is dropped with a reason."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_HASSIO}, data=discovery(config)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "invalid_discovery_info"


async def test_reconfigure_moves_entry(hass: HomeAssistant, kokoro_server: KokoroServer) -> None:
    """A stale address is replaced after a live check; id, title and data follow; it loads."""
    entry = mock_entry(HOST, closed_port())
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "bad host", CONF_PORT: 8880}
    )
    assert result["errors"] == {CONF_HOST: "invalid_host"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: kokoro_server.live_port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data == {CONF_HOST: HOST, CONF_PORT: kokoro_server.live_port}
    assert entry.unique_id == f"{HOST}:{kokoro_server.live_port}"
    assert entry.title == f"Kokoro Live ({HOST}:{kokoro_server.live_port})"
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_reconfigure_same_address_keeps_custom_title(
    hass: HomeAssistant, kokoro_server: KokoroServer
) -> None:
    """Re-checking the current address succeeds, and a title the user chose stays."""
    entry = mock_entry(HOST, kokoro_server.live_port, title="Living room voice")
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: kokoro_server.live_port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.title == "Living room voice"
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_reconfigure_to_configured_address(
    hass: HomeAssistant, kokoro_server: KokoroServer
) -> None:
    """Moving onto an address another entry has is refused."""
    mock_entry(HOST, kokoro_server.live_port).add_to_hass(hass)
    entry = mock_entry(HOST, closed_port())
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: HOST, CONF_PORT: kokoro_server.live_port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_options_offer_server_voices(
    hass: HomeAssistant, kokoro_server: KokoroServer
) -> None:
    """Voices (by name) and languages come from the server's /voices; the choice is stored."""
    entry = mock_entry(HOST, kokoro_server.live_port)
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert result["data_schema"] is not None
    fields = {str(key): value for key, value in result["data_schema"].schema.items()}
    options = fields[CONF_VOICE].config["options"]
    assert options[:3] == FIRST_OPTIONS
    assert len(options) == 54
    assert fields[CONF_VOICE].config["custom_value"] is True  # room for a typed-in blend
    assert fields[CONF_LANGUAGE].config["languages"] == [
        "en-US", "en-GB", "es", "fr-FR", "hi", "it", "ja", "pt-BR", "zh-CN"
    ]  # fmt: skip
    # No voice suggested: left empty, each language speaks with its natural voice.
    assert suggested_values(result) == {CONF_LANGUAGE: "en-US", CONF_SPEED: 1.0}
    assert result["description_placeholders"] == {"example": "af_alloy:0.6+zm_yunyang:0.4"}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_VOICE: "jm_kumo", CONF_LANGUAGE: "en-GB", CONF_SPEED: 1.25}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {CONF_VOICE: "jm_kumo", CONF_LANGUAGE: "en-GB", CONF_SPEED: 1.25}

    # The stored choice is what the form suggests next time; its language's voices come first.
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert suggested_values(result) == {
        CONF_VOICE: "jm_kumo",
        CONF_LANGUAGE: "en-GB",
        CONF_SPEED: 1.25,
    }
    assert result["data_schema"] is not None
    fields = {str(key): value for key, value in result["data_schema"].schema.items()}
    assert [o["value"] for o in fields[CONF_VOICE].config["options"][:3]] == [
        "bf_emma",
        "bf_alice",
        "bf_isabella",
    ]


async def test_options_blend_is_checked_and_named(
    hass: HomeAssistant, kokoro_server: KokoroServer
) -> None:
    """A typed-in blend is saved without spaces, then offered by its parts' names; a wrong one
    is refused on the form."""
    entry = mock_entry(HOST, kokoro_server.live_port)
    entry.add_to_hass(hass)
    for wrong in ("nobody", "af_heart:0.6+nobody:0.4", "af_heart:0+jm_kumo:0", "af_heart:fast"):
        result = await hass.config_entries.options.async_init(entry.entry_id)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_VOICE: wrong}
        )
        assert result["type"] is FlowResultType.FORM, wrong
        assert result["errors"] == {CONF_VOICE: "invalid_voice"}, wrong
        assert suggested_values(result)[CONF_VOICE] == wrong  # kept for correcting
    assert entry.options == {}

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_VOICE: "af_heart: 0.6 + jm_kumo: 0.4"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {CONF_VOICE: "af_heart:0.6+jm_kumo:0.4"}

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["data_schema"] is not None
    fields = {str(key): value for key, value in result["data_schema"].schema.items()}
    options = fields[CONF_VOICE].config["options"]
    assert options[:3] == FIRST_OPTIONS
    assert options[54:] == [{"value": "af_heart:0.6+jm_kumo:0.4", "label": "Heart 60% + Kumo 40%"}]
    assert suggested_values(result)[CONF_VOICE] == "af_heart:0.6+jm_kumo:0.4"


async def test_options_server_unreachable(hass: HomeAssistant) -> None:
    """Without the server there is nothing to choose from: the flow says why."""
    entry = mock_entry(HOST, closed_port())
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"

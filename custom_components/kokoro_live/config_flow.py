"""Config flow: find a Kokoro Live server (typed in, or announced by its add-on).

An entry is only created once a live session has really opened (``ready``
received), so a wrong port, a different server or a wrong API key is caught at once. The options
flow offers the server's own voices (by name) and languages as defaults; a typed-in blend
of its voices is accepted too.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_PORT
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    LanguageSelector,
    LanguageSelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.hassio import HassioServiceInfo

from .api import (
    KokoroAuthError,
    KokoroConnectionError,
    KokoroError,
    KokoroLiveClient,
    KokoroProtocolError,
    KokoroServerError,
)
from .const import (
    CONF_LANGUAGE,
    CONF_SPEED,
    CONF_VOICE,
    DEFAULT_NAME,
    DEFAULT_PORT,
    DOMAIN,
    MAX_SPEED,
    MIN_SPEED,
)
from .languages import language_map, to_ha_language
from .voices import canonical_voice, is_known_voice, voice_choices

try:
    import probatio as vol
except ImportError:  # pragma: no cover - Home Assistant releases before its move to probatio
    import voluptuous as vol  # type: ignore[no-redef]

_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$", re.IGNORECASE)

USER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_HOST): TextSelector(),
        vol.Required(CONF_PORT, default=DEFAULT_PORT): NumberSelector(
            NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX)
        ),
        vol.Optional(CONF_API_KEY): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        ),
    }
)


def is_valid_host(host: str) -> bool:
    """An IP address or a host name; a URL (``http://...``) or a path is not."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        labels = host.removesuffix(".").split(".")
        return 0 < len(host) <= 253 and all(_HOST_LABEL.match(label) for label in labels)
    return True


def _unique_id(host: str, port: int) -> str:
    return f"{host}:{port}"


def _title(host: str, port: int) -> str:
    return f"{DEFAULT_NAME} ({host}:{port})"


def _api_key(value: object) -> str | None:
    """The API key typed in or announced (None: the server needs none)."""
    if value is None:
        return None
    return str(value).strip() or None


def _entry_data(host: str, port: int, api_key: str | None) -> dict[str, Any]:
    """What an entry stores: the address, and the API key only when there is one."""
    data: dict[str, Any] = {CONF_HOST: host, CONF_PORT: port}
    if api_key is not None:
        data[CONF_API_KEY] = api_key
    return data


@dataclass(frozen=True, slots=True)
class _Discovered:
    """A server announced by the add-on, waiting for the user's confirmation."""

    name: str
    host: str
    port: int
    api_key: str | None


class KokoroLiveConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a Kokoro Live server by address, add-on discovery or reconfiguration."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing discovered and no server message to show."""
        self._discovered: _Discovered | None = None
        self._placeholders: dict[str, str] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Default voice, language and speed."""
        return KokoroLiveOptionsFlow()

    async def _async_validate(
        self, host: str, port: int, api_key: str | None = None
    ) -> dict[str, str]:
        """Open a live session and close it; form errors if that failed."""
        self._placeholders = {}
        if not is_valid_host(host):
            return {CONF_HOST: "invalid_host"}
        client = KokoroLiveClient(host, port, async_get_clientsession(self.hass), api_key)
        try:
            await client.async_check()
        except KokoroAuthError:
            return {CONF_API_KEY: "invalid_api_key"}
        except KokoroConnectionError:
            return {"base": "cannot_connect"}
        except KokoroProtocolError:
            return {"base": "not_kokoro"}
        except KokoroServerError as err:
            self._placeholders = {"error": str(err)}
            return {"base": "server_error"}
        return {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the server's address."""
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = str(user_input[CONF_HOST]).strip(), int(user_input[CONF_PORT])
            api_key = _api_key(user_input.get(CONF_API_KEY))
            if is_valid_host(host):
                await self.async_set_unique_id(_unique_id(host, port))
                self._abort_if_unique_id_configured()
            errors = await self._async_validate(host, port, api_key)
            if not errors:
                return self.async_create_entry(
                    title=_title(host, port), data=_entry_data(host, port, api_key)
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(USER_SCHEMA, user_input),
            errors=errors,
            description_placeholders=self._placeholders,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the entry to another address (the server moved, or its port changed), or change
        its API key (an empty field: the server needs none)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = str(user_input[CONF_HOST]).strip(), int(user_input[CONF_PORT])
            api_key = _api_key(user_input.get(CONF_API_KEY))
            errors = await self._async_validate(host, port, api_key)
            if not errors:
                unique_id = _unique_id(host, port)
                if unique_id != entry.unique_id:
                    await self.async_set_unique_id(unique_id)
                    self._abort_if_unique_id_configured()
                old_title = _title(entry.data[CONF_HOST], entry.data[CONF_PORT])
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=unique_id,
                    # A title the user chose stays; the one made from the address follows it.
                    title=_title(host, port) if entry.title == old_title else entry.title,
                    data=_entry_data(host, port, api_key),
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                USER_SCHEMA, user_input or dict(entry.data)
            ),
            errors=errors,
            description_placeholders=self._placeholders,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The server refused the entry's API key (its keys were rotated)."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the server's new key; it is checked with a live session before it is saved."""
        entry = self._get_reauth_entry()
        host, port = entry.data[CONF_HOST], entry.data[CONF_PORT]
        errors: dict[str, str] = {}
        if user_input is not None:
            api_key = _api_key(user_input.get(CONF_API_KEY))
            errors = await self._async_validate(host, port, api_key)
            if not errors:
                return self.async_update_reload_and_abort(
                    entry, data=_entry_data(host, port, api_key)
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema(
                {
                    vol.Optional(CONF_API_KEY): TextSelector(
                        TextSelectorConfig(type=TextSelectorType.PASSWORD)
                    )
                }
            ),
            errors=errors,
            description_placeholders={"address": f"{host}:{port}", **self._placeholders},
        )

    async def async_step_hassio(self, discovery_info: HassioServiceInfo) -> ConfigFlowResult:
        """The Kokoro Live add-on announced its server."""
        try:
            host = str(discovery_info.config[CONF_HOST])
            port = int(discovery_info.config[CONF_PORT])
        except (KeyError, TypeError, ValueError):
            return self.async_abort(reason="invalid_discovery_info")
        api_key = _api_key(discovery_info.config.get(CONF_API_KEY))
        await self.async_set_unique_id(_unique_id(host, port))
        # A configured entry follows the add-on's key when it changes.
        updates = _entry_data(host, port, api_key)
        self._abort_if_unique_id_configured(updates=updates if api_key else None)
        self._discovered = _Discovered(discovery_info.name, host, port, api_key)
        self.context["title_placeholders"] = {"name": discovery_info.name}
        return await self.async_step_hassio_confirm()

    async def async_step_hassio_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """One click to add the discovered server."""
        assert self._discovered is not None
        found = self._discovered
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = await self._async_validate(found.host, found.port, found.api_key)
            if not errors:
                return self.async_create_entry(
                    title=found.name, data=_entry_data(found.host, found.port, found.api_key)
                )
        return self.async_show_form(
            step_id="hassio_confirm",
            errors=errors,
            description_placeholders={"addon": found.name, **self._placeholders},
        )


class KokoroLiveOptionsFlow(OptionsFlow):
    """Default voice, language and speed, chosen from what the server offers."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the server's voices by name and its languages; unset fields take its defaults.

        A voice may also be typed in as a blend of the server's voices (``a:0.6+b:0.4``);
        anything else is refused on the form rather than failing every later sentence.
        """
        data = self.config_entry.data
        client = KokoroLiveClient(
            data[CONF_HOST],
            data[CONF_PORT],
            async_get_clientsession(self.hass),
            data.get(CONF_API_KEY),
        )
        try:
            info = await client.async_get_info()
        except KokoroError:
            return self.async_abort(reason="cannot_connect")
        errors: dict[str, str] = {}
        if user_input is not None:
            voice = user_input.get(CONF_VOICE)
            if voice is not None and not is_known_voice(str(voice), info.voices):
                errors[CONF_VOICE] = "invalid_voice"
            else:
                if voice is not None:
                    user_input[CONF_VOICE] = canonical_voice(str(voice))
                return self.async_create_entry(data=user_input)
        # The voices of the chosen language first (its natural voice at the top).
        chosen = (user_input or {}).get(CONF_LANGUAGE) or self.config_entry.options.get(
            CONF_LANGUAGE
        )
        language = language_map(info.languages).get(str(chosen), info.default_language)
        voices = voice_choices(info, self.config_entry.options.get(CONF_VOICE), language=language)
        schema = vol.Schema(
            {
                vol.Optional(CONF_VOICE): SelectSelector(
                    SelectSelectorConfig(
                        options=[
                            SelectOptionDict(value=voice, label=name)
                            for voice, name in voices.items()
                        ],
                        mode=SelectSelectorMode.DROPDOWN,
                        custom_value=True,
                        sort=False,
                    )
                ),
                vol.Optional(CONF_LANGUAGE): LanguageSelector(
                    LanguageSelectorConfig(languages=list(language_map(info.languages)))
                ),
                vol.Optional(CONF_SPEED): NumberSelector(
                    NumberSelectorConfig(
                        min=MIN_SPEED, max=MAX_SPEED, step=0.05, mode=NumberSelectorMode.SLIDER
                    )
                ),
            }
        )
        # No voice suggested: left empty, each language speaks with its natural voice.
        suggested = {
            CONF_LANGUAGE: to_ha_language(info.default_language),
            CONF_SPEED: info.default_speed,
            **self.config_entry.options,
            **(user_input or {}),
        }
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders={"example": _blend_example(info.voices)},
        )


def _blend_example(voices: tuple[str, ...]) -> str:
    """A blend of the server's first and last voices, to show the syntax with real ids."""
    return f"{voices[0]}:0.6+{voices[-1]}:0.4" if len(voices) > 1 else f"{voices[0]}:1"

"""Runtime data of a config entry and the coordinator that keeps an eye on the server."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import (
    KokoroAuthError,
    KokoroConnectionError,
    KokoroError,
    KokoroLiveClient,
    ServerInfo,
)
from .const import DEFAULT_NAME, DOMAIN, UPDATE_INTERVAL

_LOGGER = logging.getLogger(__name__)


@dataclass
class KokoroLiveData:
    """What a loaded entry holds: the client, the coordinator and the last speech error."""

    client: KokoroLiveClient
    coordinator: KokoroLiveCoordinator
    last_error: str | None = None


type KokoroLiveConfigEntry = ConfigEntry[KokoroLiveData]


class KokoroLiveCoordinator(DataUpdateCoordinator[ServerInfo]):
    """Polls ``/voices``: the server's voices, languages and version, and whether it is up.

    A failed poll makes the entity unavailable; the next good one brings it back. Home
    Assistant's coordinator logs each change once ("Error fetching <name> data: <message>",
    "Fetching <name> data recovered"), so the name carries the address and the message
    does not: one short line per outage, one per recovery.
    """

    config_entry: KokoroLiveConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        config_entry: KokoroLiveConfigEntry,
        client: KokoroLiveClient,
    ) -> None:
        """Poll ``client``'s server every ``UPDATE_INTERVAL``."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=config_entry,
            name=f"{DEFAULT_NAME} ({client.address})",
            update_interval=UPDATE_INTERVAL,
            always_update=False,
        )
        self.client = client

    async def _async_update_data(self) -> ServerInfo:
        try:
            return await self.client.async_get_info()
        except KokoroAuthError as err:
            # The server's keys changed: Home Assistant asks the user for the new one.
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_api_key"
            ) from err
        except KokoroError as err:
            raise update_failed(err) from err


def update_failed(err: KokoroError) -> UpdateFailed:
    """The coordinator's error for a failed poll or session, without the address (see above)."""
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key=(
            "server_unreachable" if isinstance(err, KokoroConnectionError) else "update_failed"
        ),
        translation_placeholders={"error": str(err)},
    )

"""Runtime data of a config entry and the coordinator that keeps an eye on the server."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import (
    KokoroAuthError,
    KokoroConnectionError,
    KokoroError,
    KokoroLiveClient,
    ServerInfo,
)
from .const import DEFAULT_NAME, DOMAIN, RETRY_INTERVALS, UPDATE_INTERVAL

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

    A failed poll makes the entity unavailable; the next good one brings it back. While the
    server is unreachable it is polled every few seconds (``RETRY_INTERVALS``), so a restarted
    server is back within seconds of answering; a session that opens brings it back at once.
    Home Assistant's coordinator logs each change once ("Error fetching <name> data:
    <message>", "Fetching <name> data recovered"), so the name carries the address and the
    message does not: one short line per outage, one per recovery.
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
        self._failed_polls = 0

    async def _async_update_data(self) -> ServerInfo:
        try:
            info = await self.client.async_get_info()
        except KokoroAuthError as err:
            # The server's keys changed: Home Assistant asks the user for the new one.
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="invalid_api_key"
            ) from err
        except KokoroError as err:
            retry = RETRY_INTERVALS[min(self._failed_polls, len(RETRY_INTERVALS) - 1)]
            self._failed_polls += 1
            raise update_failed(err, retry.total_seconds()) from err
        self._failed_polls = 0
        return info

    @callback
    def async_server_lost(self, err: KokoroError) -> None:
        """A session could not reach the server: unavailable now (logged once), polled at
        once and then every few seconds until it answers."""
        self.async_set_update_error(update_failed(err))
        self._refresh_now("a session lost the server")

    @callback
    def async_server_answered(self) -> None:
        """A session opened: an unavailable entity is brought back at once."""
        if not self.last_update_success:
            self._refresh_now("a session opened")

    def _refresh_now(self, why: str) -> None:
        self.config_entry.async_create_background_task(
            self.hass, self.async_refresh(), f"{DOMAIN} refresh: {why}"
        )


def update_failed(err: KokoroError, retry_after: float | None = None) -> UpdateFailed:
    """The coordinator's error for a failed poll or session, without the address (see above);
    the next poll comes ``retry_after`` seconds later instead of the usual interval."""
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key=(
            "server_unreachable" if isinstance(err, KokoroConnectionError) else "update_failed"
        ),
        translation_placeholders={"error": str(err)},
        retry_after=retry_after,
    )

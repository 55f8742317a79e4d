"""Zeroconf (mDNS) announcement of the Wyoming server, at an address clients can reach."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import ipaddress
import logging
import socket
from typing import Any

_LOGGER = logging.getLogger(__name__)

ZEROCONF_TYPE = "_wyoming._tcp.local."


class ZeroconfAnnouncer:
    """Advertises the server over mDNS (``_wyoming._tcp``) so Home Assistant discovers it."""

    def __init__(self, zeroconf: Any, service: Any) -> None:
        self._zeroconf = zeroconf
        self._service = service

    @classmethod
    async def start(cls, name: str, host: str, port: int) -> ZeroconfAnnouncer | None:
        """Register ``name`` at the host's real address; None (logged) if that cannot be done."""
        if importlib.util.find_spec("zeroconf") is None:
            _LOGGER.error(
                "--zeroconf needs the zeroconf package: pip install 'wyoming-kokoro[zeroconf]'; "
                "serving without discovery"
            )
            return None
        from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

        address = await asyncio.to_thread(advertised_address, host)
        service = AsyncServiceInfo(
            ZEROCONF_TYPE,
            f"{name}.{ZEROCONF_TYPE}",
            addresses=[ipaddress.ip_address(address).packed],
            port=port,
        )
        zeroconf = AsyncZeroconf()
        try:
            await zeroconf.async_register_service(service)
        except Exception as error:
            _LOGGER.warning("Zeroconf announcement of %r failed, serving without: %s", name, error)
            await zeroconf.async_close()
            return None
        _LOGGER.info("Announced %r over zeroconf at %s:%d", name, address, port)
        return cls(zeroconf, service)

    async def close(self) -> None:
        """Withdraw the announcement."""
        with contextlib.suppress(Exception):
            await self._zeroconf.async_unregister_service(self._service)
        await self._zeroconf.async_close()


def advertised_address(host: str) -> str:
    """The address clients should use: ``host`` itself, or for a wildcard (``0.0.0.0``, ``::``,
    a name) the address of the interface that reaches the network. Blocking: run in a thread."""
    with contextlib.suppress(ValueError):
        address = ipaddress.ip_address(host)
        if not address.is_unspecified:
            return host
    for target in ("224.0.0.251", "192.0.2.1"):  # mDNS group, then a documentation address
        with (
            contextlib.suppress(OSError),
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe,
        ):
            probe.connect((target, 9))  # UDP: selects a route, sends nothing
            found: str = probe.getsockname()[0]
            if not ipaddress.ip_address(found).is_unspecified:
                return found
    with contextlib.suppress(OSError):
        return socket.gethostbyname(socket.gethostname())
    return "127.0.0.1"

"""Announce the running servers to Home Assistant through the Supervisor's discovery API.

Inside an add-on the Supervisor passes ``SUPERVISOR_TOKEN``; a POST to ``/discovery``
makes Home Assistant offer the Wyoming integration (and the ``kokoro_live`` integration)
with the add-on's address filled in. The HTTP calls run in a thread (urllib), so the event
loop never blocks and no HTTP client library is needed. Failures are logged and retried,
never raised: the servers work without discovery, the user just adds them by hand.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import os
import socket
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..config import Settings
from ..neterrors import describe_error

_LOGGER = logging.getLogger(__name__)

DEFAULT_SUPERVISOR_URL = "http://supervisor"
TOKEN_ENV = "SUPERVISOR_TOKEN"
URL_ENV = "SUPERVISOR_URL"

#: Service names; config.yaml's ``discovery`` list must name the same ones.
WYOMING_SERVICE = "wyoming"
LIVE_SERVICE = "kokoro_live"

_REQUEST_TIMEOUT = 10.0
#: The Supervisor is on the add-on's internal network: never go through an HTTP proxy.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class DiscoveryService:
    """One discovery message, completed with the add-on's hostname when it is sent.

    ``scheme`` set: Home Assistant gets ``{"uri": "scheme://host:port"}`` (Wyoming's form);
    otherwise ``{"host": host, "port": port}``, and ``api_key`` when the server needs one, so
    the integration is set up with it.
    """

    service: str
    port: int
    scheme: str | None = None
    api_key: str | None = field(default=None, repr=False)

    def config(self, host: str, *, redacted: bool = False) -> dict[str, object]:
        """The ``config`` object of the discovery message (``redacted``: for the log)."""
        if self.scheme is not None:
            return {"uri": f"{self.scheme}://{host}:{self.port}"}
        config: dict[str, object] = {"host": host, "port": self.port}
        if self.api_key is not None:
            config["api_key"] = "(redacted)" if redacted else self.api_key
        return config


def services_for(settings: Settings) -> list[DiscoveryService]:
    """The services these settings serve: Wyoming over TCP and the live WebSocket server."""
    services: list[DiscoveryService] = []
    if settings.wyoming:
        uri = urlsplit(settings.uri)
        if uri.scheme == "tcp" and uri.port is not None:
            services.append(DiscoveryService(WYOMING_SERVICE, uri.port, scheme="tcp"))
        else:
            _LOGGER.info("Wyoming listens on %s, not TCP: not announcing it", settings.uri)
    if settings.live:
        api_key = settings.api_keys[0] if settings.api_keys else None
        services.append(DiscoveryService(LIVE_SERVICE, settings.live_port, api_key=api_key))
    return services


async def announce(
    services: Sequence[DiscoveryService],
    *,
    supervisor_url: str | None = None,
    token: str | None = None,
    attempts: int = 5,
    retry_delay: float = 2.0,
) -> bool:
    """Send one discovery message per service; ``True`` when the Supervisor took them all.

    Connection errors and 5xx answers are retried with doubling delays (the Supervisor
    may be busy while Home Assistant starts); 4xx answers are final.
    """
    token = token or os.environ.get(TOKEN_ENV)
    if not token:
        _LOGGER.info("%s is not set (not running as an add-on): skipping discovery", TOKEN_ENV)
        return False
    if not services:
        return True
    base = (supervisor_url or os.environ.get(URL_ENV) or DEFAULT_SUPERVISOR_URL).rstrip("/")
    host = await addon_hostname(base, token)

    ok = True
    for service in services:
        sent = await _send(
            base, token, service, host=host, attempts=attempts, retry_delay=retry_delay
        )
        ok = sent and ok
    return ok


async def addon_hostname(supervisor_url: str, token: str) -> str:
    """The add-on's hostname on Home Assistant's network, from ``GET /addons/self/info``.

    Falls back to the container's own hostname, which the Supervisor sets to the same name.
    """
    url = f"{supervisor_url.rstrip('/')}/addons/self/info"
    try:
        status, body = await asyncio.to_thread(_request, "GET", url, token, None)
        hostname = _data(body).get("hostname") if status == 200 else None
        if isinstance(hostname, str) and hostname:
            return hostname
        reason = f"HTTP {status}" if status != 200 else "no hostname in the answer"
    except (OSError, http.client.HTTPException, ValueError) as err:
        reason = describe_error(err)
    fallback = socket.gethostname()
    _LOGGER.warning(
        "Cannot ask the Supervisor for the add-on hostname (%s); using %s", reason, fallback
    )
    return fallback


async def _send(
    base: str,
    token: str,
    service: DiscoveryService,
    *,
    host: str,
    attempts: int,
    retry_delay: float,
) -> bool:
    payload: dict[str, object] = {"service": service.service, "config": service.config(host)}
    config = service.config(host, redacted=True)  # what the log may show
    delay = retry_delay
    attempts = max(1, attempts)
    problem = ""
    for attempt in range(1, attempts + 1):
        try:
            status, body = await asyncio.to_thread(
                _request, "POST", f"{base}/discovery", token, payload
            )
        except (OSError, http.client.HTTPException) as err:
            problem = describe_error(err)
        else:
            if 200 <= status < 300:
                _LOGGER.info("Announced %s to Home Assistant: %s", service.service, config)
                return True
            problem = f"HTTP {status}{_message(body)}"
            if status < 500:
                break
        if attempt < attempts:
            _LOGGER.warning(
                "Announcing %s failed (%s, attempt %d of %d); retrying in %g s",
                service.service,
                problem,
                attempt,
                attempts,
                delay,
            )
            await asyncio.sleep(delay)
            delay *= 2
    _LOGGER.error(
        "Could not announce %s to Home Assistant (%s). The server still runs; add it by hand: %s",
        service.service,
        problem,
        config,
    )
    return False


def _request(
    method: str, url: str, token: str, payload: dict[str, object] | None
) -> tuple[int, bytes]:
    """One blocking HTTP call (run in a thread); HTTP errors are answers, not exceptions."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with _OPENER.open(request, timeout=_REQUEST_TIMEOUT) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as err:
        with err:
            return int(err.code), bytes(err.read())


def _data(body: bytes) -> dict[str, object]:
    """The ``data`` object of a Supervisor answer (``{"result": "ok", "data": {...}}``)."""
    answer = json.loads(body)
    data = answer.get("data") if isinstance(answer, dict) else None
    return data if isinstance(data, dict) else {}


def _message(body: bytes) -> str:
    """The Supervisor's error message, if the body carries one."""
    try:
        answer = json.loads(body)
    except ValueError:
        return ""
    message = answer.get("message") if isinstance(answer, dict) else None
    return f": {message}" if isinstance(message, str) and message else ""

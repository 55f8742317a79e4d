"""Who may use the live port: optional API keys, checked before anything is spoken.

With no key configured nothing is checked. With keys (``--api-key``, ``--api-key-file``,
``KOKORO_LIVE_API_KEY``), every route of the live port needs one, except:

- ``/health`` and ``/ready`` (probes and load balancers), the playground page and its static
  files (the page asks for the key), ``OPTIONS`` (CORS preflights carry no credentials), and
  paths with no route (their 404 or 405 reveals nothing);
- ``/metrics`` with ``--public-metrics`` (a scraper that cannot send a bearer token).

How a key is presented:

- HTTP routes (``/v1/...``, ``/voices``, ``/metrics``): ``Authorization: Bearer KEY``, what the
  OpenAI SDKs send. A missing or wrong key is 401; under ``/v1/`` in OpenAI's error shape
  (``invalid_api_key``).
- WebSocket doors: the same header, or ``?token=KEY`` (browsers cannot set headers on a
  WebSocket), or the init message's ``"api_key"`` field. A wrong key at the handshake is 401
  there; a connection without one must put it in its init, checked before anything else
  (:class:`~.protocol.UnauthorizedError`, close 1008).

Keys are compared in constant time and never logged, not even in part: the access log drops
query strings, and a refused attempt logs one line with the peer's address, at most once a
minute per address.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_urldispatcher import StaticResource
from cachetools import TTLCache

from ..config import Settings
from .appkeys import METRICS_KEY
from .openai_request import ApiError
from .protocol import UnauthorizedError

_LOGGER = logging.getLogger(__name__)

#: The init message's field carrying a key (WebSocket doors).
INIT_FIELD = "api_key"
#: The query parameter carrying a key (WebSocket doors, for browsers).
QUERY_PARAMETER = "token"

#: Seconds during which further refusals from one address are counted but not logged.
REFUSAL_LOG_SECONDS = 60.0
#: Addresses remembered for that (a flood from many addresses logs at most this many lines).
_REFUSAL_LOG_ADDRESSES = 1024

#: Paths that stay open whatever the keys (their canonical path ends with one of these).
_OPEN_PATHS = ("/health", "/ready")

MISSING_KEY_MESSAGE = (
    "This server needs an API key: send 'Authorization: Bearer KEY' "
    '(WebSocket doors also take ?token=KEY or the init field "api_key")'
)
INVALID_KEY_MESSAGE = "Invalid API key"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiKeyError(ValueError):
    """Keys that cannot be used: an unreadable key file, or a key that is not a token."""


def check_key(key: str, where: str) -> str:
    """``key`` if it is usable in a header and a query string: visible ASCII, no spaces.

    The message names ``where`` the key came from, never the key.
    """
    if not key:
        raise ApiKeyError(f"The API key from {where} is empty")
    if not all("!" <= char <= "~" for char in key):
        raise ApiKeyError(
            f"The API key from {where} has characters other than visible ASCII "
            "(letters, digits, punctuation; no spaces)"
        )
    return key


def parse_key_file(text: str, path: Path) -> tuple[str, ...]:
    """The keys of a key file: one a line; blank lines and ``#`` comments skipped."""
    keys = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keys.append(check_key(stripped, f"{path} line {number}"))
    return tuple(keys)


def read_key_file(path: Path) -> tuple[str, ...]:
    """The keys in ``path``; :class:`ApiKeyError` names the file and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ApiKeyError(
            f"Cannot read the API key file {path}: {error.strerror or error}"
        ) from None
    except UnicodeDecodeError:
        raise ApiKeyError(f"The API key file {path} is not UTF-8 text") from None
    return parse_key_file(text, path)


class ApiKeys:
    """The keys the live port accepts: those given at start, plus the key file's (reloadable)."""

    def __init__(self, keys: Iterable[str] = (), file: Path | None = None) -> None:
        self._fixed = tuple(check_key(key, "the command line") for key in keys)
        self.file = file
        self._from_file: tuple[str, ...] = read_key_file(file) if file is not None else ()
        self._encoded = self._encode()

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiKeys:
        """The keys ``settings`` names (reads the key file)."""
        return cls(settings.api_keys, settings.api_key_file)

    @property
    def required(self) -> bool:
        """Whether callers need a key: some key is configured (a key file, even an empty one,
        counts: an emptied file refuses everyone rather than opening the server)."""
        return bool(self._fixed) or self.file is not None

    def __len__(self) -> int:
        return len(self._encoded)

    def matches(self, candidate: str) -> bool:
        """Whether ``candidate`` is one of the keys, in time independent of where they differ
        (every key is compared, each with :func:`hmac.compare_digest`)."""
        presented = candidate.encode("utf-8", errors="replace")
        found = False
        for key in self._encoded:
            found |= hmac.compare_digest(presented, key)
        return found

    def reload(self) -> int:
        """Read the key file again (SIGHUP); the number of keys now accepted. On an error the
        keys in use stay as they were."""
        if self.file is not None:
            self._from_file = read_key_file(self.file)
            self._encoded = self._encode()
        return len(self)

    def _encode(self) -> tuple[bytes, ...]:
        return tuple(dict.fromkeys(key.encode() for key in self._fixed + self._from_file))


#: The live port's keys.
API_KEYS_KEY: web.AppKey[ApiKeys] = web.AppKey("api_keys", ApiKeys)
#: Set on a request whose handshake carried a valid key (its WebSocket init needs none).
_AUTHORIZED: web.RequestKey[bool] = web.RequestKey("api_key_ok", bool)


@dataclass
class _Refusals:
    """Refused attempts by address, for the rate-limited log line."""

    seen: TTLCache[str, int]

    def note(self, peer: str, door: str, reason: str) -> None:
        if peer in self.seen:
            self.seen[peer] += 1
            return
        self.seen[peer] = 1
        _LOGGER.warning(
            "Refused a request from %s on %s: %s (further refusals from this address are "
            "counted in /metrics, not logged, for %g s)",
            peer,
            door,
            reason,
            REFUSAL_LOG_SECONDS,
        )


_REFUSALS_KEY: web.AppKey[_Refusals] = web.AppKey("api_key_refusals", _Refusals)
_PUBLIC_METRICS_KEY: web.AppKey[bool] = web.AppKey("public_metrics", bool)


def setup(app: web.Application, keys: ApiKeys, *, public_metrics: bool = False) -> None:
    """Guard ``app`` with ``keys`` (nothing is checked while no key is configured);
    ``public_metrics``: ``/metrics`` needs no key."""
    app[API_KEYS_KEY] = keys
    app[_PUBLIC_METRICS_KEY] = public_metrics
    app[_REFUSALS_KEY] = _Refusals(TTLCache(_REFUSAL_LOG_ADDRESSES, REFUSAL_LOG_SECONDS))
    app.middlewares.append(require_key)


def presented_key(request: web.Request, query: bool) -> str | None:
    """The key a request carries: its bearer token, else (if ``query``) its ``?token=``."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if query:
        return request.query.get(QUERY_PARAMETER)
    return None


def door_of(request: web.Request) -> str | None:
    """The name a guarded route is counted under, or None for an open one."""
    match_info = request.match_info
    if request.method == "OPTIONS" or match_info.http_exception is not None:
        return None
    resource = match_info.route.resource
    if resource is None or isinstance(resource, StaticResource):
        return None
    path = resource.canonical
    if path.endswith(_OPEN_PATHS) or path.endswith("/") or "/static/" in path:
        return None
    if path.endswith("/ws/tts/live"):
        return "live"
    if path.endswith("/ws/tts/stream"):
        return "buffered"
    if "/v1/" in path:
        return "openai"
    if path.endswith("/metrics"):
        return None if request.app[_PUBLIC_METRICS_KEY] else "metrics"
    if path.endswith("/voices"):
        return "voices"
    return "http"


@web.middleware
async def require_key(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a guarded route without a valid key; a WebSocket door without one at the
    handshake goes on, its init must carry it (:func:`check_init`)."""
    keys = request.app[API_KEYS_KEY]
    door = door_of(request) if keys.required else None
    if door is None:
        return await handler(request)
    websocket = door in ("live", "buffered")
    key = presented_key(request, query=websocket)
    if key is not None and keys.matches(key):
        request[_AUTHORIZED] = True
        return await handler(request)
    if key is None and websocket:
        return await handler(request)
    message = MISSING_KEY_MESSAGE if key is None else INVALID_KEY_MESSAGE
    refused(request, door, message)
    if door == "openai":
        return ApiError(
            401,
            message,
            code="invalid_api_key",
            headers={"WWW-Authenticate": "Bearer"},
        ).response()
    return web.json_response(
        {"error": message, "code": "invalid_api_key"},
        status=401,
        headers={"WWW-Authenticate": "Bearer"},
    )


def check_init(request: web.Request, door: str, init: dict[str, Any]) -> None:
    """A WebSocket door's init message: take its ``"api_key"`` out (it goes no further), and
    raise :class:`UnauthorizedError` if neither it nor the handshake carried a valid key."""
    presented = init.pop(INIT_FIELD, None)
    keys = request.app[API_KEYS_KEY]
    if not keys.required or request.get(_AUTHORIZED, False):
        return
    if presented is None:
        message = MISSING_KEY_MESSAGE
    elif isinstance(presented, str) and keys.matches(presented):
        return
    else:
        message = INVALID_KEY_MESSAGE
    refused(request, door, message)
    raise UnauthorizedError(message)


def refused(request: web.Request, door: str, reason: str) -> None:
    """Count a refused attempt by door, and log it (rate-limited by address)."""
    request.app[METRICS_KEY].auth_refused(door)
    request.app[_REFUSALS_KEY].note(request.remote or "unknown address", door, reason)


class RedactedAccessLogger(AbstractAccessLogger):
    """The access log (``--debug``) with paths only: a query string may hold a key."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.debug(
            '%s "%s %s" %d %.3f s',
            request.remote,
            request.method,
            request.path,
            response.status,
            time,
        )

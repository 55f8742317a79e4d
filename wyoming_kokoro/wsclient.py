"""The WebSocket client's shared ground: its errors, opening a connection, reading a message.

Both client sides build on it: ``client.py`` (one reply per connection, the buffered fallback)
and ``connection.py`` (protocol 2, many replies per connection). Standard library and
``websockets`` only.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

from .config import API_KEY_ENV
from .jsontext import JsonInputError, read_json

#: Close codes of a server that refused a session it could not take (going away, full).
RETRYABLE_CLOSE_CODES = (1001, 1013)

#: Largest message accepted from the server; its audio frames are far smaller.
MAX_MESSAGE_BYTES = 16 * 2**20

#: What a caller that plays audio as it reads lets pile up unread: frames in the WebSocket
#: library's queue and bytes in the kernel's receive buffer (which otherwise grows to
#: megabytes). Pings and the close travel behind that audio, so a caller playing in real
#: time would keep them waiting for as long as the audio lasts, past the keepalive's timeout.
RECEIVE_QUEUE_FRAMES = 4
RECEIVE_BUFFER_BYTES = 64 * 1024


class KokoroError(Exception):
    """Base of every error this client raises; ``str()`` is fit to show a user."""


class KokoroConnectionError(KokoroError):
    """The server could not be reached, or the connection dropped mid-stream."""


class KokoroEndpointUnavailableError(KokoroConnectionError):
    """The server answered the handshake with an HTTP error: it does not serve that path."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"{url} refused the WebSocket handshake with HTTP {status}")
        self.url = url
        self.status = status


class KokoroServerError(KokoroError):
    """The server reported an error (bad voice, limit, synthesis failure); ``message`` is its."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class KokoroAuthError(KokoroServerError):
    """The server needs an API key and this one is missing or wrong (HTTP 401 at the handshake);
    trying again with the same key cannot succeed."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"{url} refused the API key (HTTP 401): pass api_key= or set ${API_KEY_ENV}",
            "invalid_api_key",
        )
        self.url = url


class KokoroProtocolError(KokoroError):
    """The server sent something the protocol does not allow (chunk out of order, bad size)."""


def api_key_or_env(api_key: str | None) -> str | None:
    """``api_key``, else ``$KOKORO_LIVE_API_KEY`` (None or empty: send no key)."""
    key = os.environ.get(API_KEY_ENV, "") if api_key is None else api_key
    return key.strip() or None


async def open_websocket(
    url: str, open_timeout: float, api_key: str | None = None
) -> ClientConnection:
    """Open a WebSocket (sending ``api_key`` as a bearer token), turning every way that can fail
    into a KokoroConnectionError (:class:`KokoroAuthError` for a refused key)."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else None
    try:
        ws = await connect(
            url,
            additional_headers=headers,
            open_timeout=open_timeout,
            close_timeout=2.0,
            compression=None,
            max_size=MAX_MESSAGE_BYTES,
            max_queue=RECEIVE_QUEUE_FRAMES,
        )
    except InvalidStatus as error:
        if error.response.status_code == 401:
            raise KokoroAuthError(url) from None
        raise KokoroEndpointUnavailableError(url, error.response.status_code) from None
    except (InvalidHandshake, InvalidURI) as error:
        raise KokoroConnectionError(f"WebSocket handshake with {url} failed: {error}") from None
    except TimeoutError:
        raise KokoroConnectionError(
            f"No answer from {url} within {open_timeout:g} s; is the Kokoro server running?"
        ) from None
    except OSError as error:
        raise KokoroConnectionError(
            f"Cannot connect to {url}: {error.strerror or error}; is the Kokoro server running?"
        ) from None
    sock = ws.transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
    return ws


def json_object(message: str | bytes, expected: str) -> dict[str, Any]:
    if isinstance(message, bytes):
        raise KokoroProtocolError(f"Expected {expected} as JSON text, got {len(message)} bytes")
    try:
        data = read_json(message)
    except JsonInputError:
        raise KokoroProtocolError(f"Expected {expected} as JSON, got {message[:80]!r}") from None
    if not isinstance(data, dict):
        raise KokoroProtocolError(f"Expected {expected} as a JSON object, got {message[:80]!r}")
    return data

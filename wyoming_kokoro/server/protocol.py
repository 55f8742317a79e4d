"""What the WebSocket doors share: close codes, client errors, framing, receiving, limits.

``/ws/tts/live`` and ``/ws/tts/stream`` speak different message shapes over the same rules:
a client mistake closes with 1008, a server fault with 1011, a full server with 1013, and no
session may send more text than its :class:`~wyoming_kokoro.config.Limits` allow.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from ..config import Limits
from ..engine import Engine

_LOGGER = logging.getLogger(__name__)

#: Audio is framed in pieces of at most this long: small enough for clients' default 1 MiB
#: message limit, large enough to keep the message count low.
FRAME_SECONDS = 1.0

CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008
CLOSE_SERVER_ERROR = 1011
CLOSE_TRY_AGAIN = 1013


class ClientError(Exception):
    """The client broke the protocol or a limit; the message says how to do better."""

    close_code = CLOSE_POLICY


class BusyError(ClientError):
    """Too many sessions at once."""

    close_code = CLOSE_TRY_AGAIN


class LimitError(ClientError):
    """A text piece or a session's text is over its limit."""


def frame_bytes(engine: Engine) -> int:
    """The largest audio frame sent at once: :data:`FRAME_SECONDS` of whole samples."""
    return int(FRAME_SECONDS * engine.sample_rate) * engine.sample_width


class TextBudget:
    """One session's text limits: each piece (``max_frame_chars``), all (``max_text_chars``)."""

    def __init__(self, limits: Limits, piece: str) -> None:
        self._limits = limits
        self._piece = piece
        self._total = 0

    def take(self, text: str) -> None:
        """Count ``text`` against the limits; :class:`LimitError` says which one it breaks."""
        limits = self._limits
        if len(text) > limits.max_frame_chars:
            raise LimitError(
                f"{self._piece} of {len(text)} characters is over the limit of "
                f"{limits.max_frame_chars}; send smaller pieces"
            )
        self._total += len(text)
        if self._total > limits.max_text_chars:
            raise LimitError(
                f"Session text is over the limit of {limits.max_text_chars} characters; "
                "start a new session for more"
            )


async def send_json(connection: ServerConnection, message: dict[str, Any]) -> None:
    """One JSON text frame."""
    await connection.send(json.dumps(message))


async def send_error(
    connection: ServerConnection, error: Exception, close_code: int | None = None
) -> None:
    """The protocol's ``error`` message, then a close; quiet if the client is already gone."""
    code = close_code if close_code is not None else getattr(error, "close_code", CLOSE_POLICY)
    with contextlib.suppress(ConnectionClosed):
        await send_json(connection, {"type": "error", "message": str(error)})
        await connection.close(int(code), str(error)[:120])


async def receive_text(connection: ServerConnection, idle_timeout: float, waiting_for: str) -> str:
    """The next text frame; binary frames and silence past ``idle_timeout`` are client errors."""
    try:
        async with asyncio.timeout(idle_timeout):
            message = await connection.recv()
    except TimeoutError:
        raise ClientError(f"No {waiting_for} received for {idle_timeout:g} s; closing") from None
    if isinstance(message, bytes):
        raise ClientError(f"Binary frames are not accepted: send the {waiting_for} as a text frame")
    return message


def parse_init(message: str) -> dict[str, Any]:
    """The init frame's JSON object; anything else is a client error."""
    try:
        data = json.loads(message)
    except json.JSONDecodeError as error:
        raise ClientError(
            f'The first message must be a JSON object like {{"voice": "...", "speed": 1.0}}: '
            f"{error.msg} at position {error.pos}"
        ) from None
    if not isinstance(data, dict):
        raise ClientError(f"The first message must be a JSON object, got {type(data).__name__}")
    return data

"""Reading Wyoming events with the bounds the ``wyoming`` library's reader does not have.

An event is a JSON header line, then ``data_length`` bytes of JSON data, then ``payload_length``
bytes of payload. The library trusts every length a client claims, waits forever for bytes that
never come and drops the connection without a word on a malformed line. Here each part is
bounded by what the longest allowed text needs, an event must arrive whole within the idle
timeout once its first byte has, and every problem becomes an :class:`EventError` naming it.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from wyoming.event import Event

from ...jsontext import JsonInputError, read_json
from ...schema import quote

#: Bytes a JSON string may take per character: ``\\ud83d\\ude00`` escapes one emoji in 12.
_JSON_BYTES_PER_CHAR = 12
#: Room for everything in an event besides its text (voice, context, keys).
_EVENT_MARGIN = 64 * 1024


class EventError(Exception):
    """A malformed, oversized or stalled event; ``str()`` names the problem for the client.

    ``fatal`` when the stream's framing is lost (a length that cannot be trusted, a header
    without its end): the connection must then close. Otherwise the event was read whole and
    the connection can go on.
    """

    def __init__(self, message: str, code: str, *, fatal: bool) -> None:
        super().__init__(message)
        self.code = code
        self.fatal = fatal


@dataclass(frozen=True)
class EventLimits:
    """How large each part of an event may be, and how long it may take to arrive."""

    max_bytes: int
    idle_timeout: float

    @classmethod
    def for_text(cls, max_text_chars: int, idle_timeout: float) -> EventLimits:
        """Room for a request of ``max_text_chars`` characters (``--max-text-chars``), however
        it is escaped, in the header line, the data or the payload."""
        return cls(max_text_chars * _JSON_BYTES_PER_CHAR + _EVENT_MARGIN, idle_timeout)


#: The request line of an HTTP client knocking at the wrong port: one refusal, not one per
#: header line.
_HTTP_REQUEST = re.compile(rb"[A-Z]{3,10} \S+ HTTP/\d")


async def read_event(reader: asyncio.StreamReader, limits: EventLimits) -> Event | None:
    """The next event; None when the client closed the connection (even mid-event).

    Waiting for an event's first byte has no time limit (a connection may rest between
    requests); from then on the rest must arrive within ``limits.idle_timeout``.
    """
    first = await reader.read(1)
    if not first:
        return None
    try:
        async with asyncio.timeout(limits.idle_timeout):
            line = first if first == b"\n" else first + await _read_line(reader, limits.max_bytes)
            if _HTTP_REQUEST.match(line):
                raise EventError(
                    "An HTTP request came to the Wyoming port; HTTP and WebSocket clients "
                    "(the Kokoro Live integration, the speech API) use the live port",
                    "not-wyoming",
                    fatal=True,
                )
            header = _parse_json(line, "header line")
            data_length = _length(header, "data_length", limits.max_bytes)
            payload_length = _length(header, "payload_length", limits.max_bytes)
            data_bytes = await reader.readexactly(data_length) if data_length else b""
            payload = await reader.readexactly(payload_length) if payload_length else None
    except TimeoutError:
        raise EventError(
            f"The event did not arrive whole within {limits.idle_timeout:g} s of its first byte "
            "(--idle-timeout); closing the connection",
            "idle-timeout",
            fatal=True,
        ) from None
    except asyncio.IncompleteReadError:
        return None
    event_type = header.get("type")
    if not isinstance(event_type, str) or not event_type:
        raise EventError(
            f"The event header needs a 'type' string, got {quote(event_type)}",
            "malformed-event",
            fatal=False,
        )
    data = header.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise EventError(
            f"The {quote(event_type)} event's 'data' must be a JSON object, got {quote(data)}",
            "malformed-event",
            fatal=False,
        )
    if data_bytes:
        data.update(_parse_json(data_bytes, f"{quote(event_type)} event's data"))
    return Event(type=event_type, data=data, payload=payload)


async def _read_line(reader: asyncio.StreamReader, max_bytes: int) -> bytes:
    """Up to and including the newline, refusing a line over ``max_bytes``."""
    line = bytearray()
    while True:
        try:
            line += await reader.readuntil(b"\n")
        except asyncio.LimitOverrunError as error:  # longer than the stream's buffer: go on
            line += await reader.readexactly(error.consumed)
            if len(line) <= max_bytes:
                continue
        if len(line) > max_bytes:
            raise EventError(
                f"The event header line is over {max_bytes} bytes; closing the connection",
                "event-too-large",
                fatal=True,
            )
        if line.endswith(b"\n"):
            return bytes(line)


def _parse_json(raw: bytes, what: str) -> dict[str, Any]:
    """A JSON object, else a (non-fatal) error: the bytes were read whole."""
    try:
        value = read_json(raw)
    except JsonInputError as error:
        raise EventError(
            f"The {what} is not valid JSON: {error}", "malformed-event", fatal=False
        ) from None
    if not isinstance(value, dict):
        raise EventError(
            f"The {what} must be a JSON object, got {quote(value)}", "malformed-event", fatal=False
        )
    return value


def _length(header: dict[str, Any], key: str, max_bytes: int) -> int:
    """A declared length: a whole number from 0 to ``max_bytes``; else the framing is lost."""
    value = header.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise EventError(
            f"'{key}' must be a whole number of bytes, got {quote(value)}; closing the connection",
            "malformed-event",
            fatal=True,
        )
    if value > max_bytes:
        raise EventError(
            f"'{key}' {value} is over the limit of {max_bytes} bytes; closing the connection",
            "event-too-large",
            fatal=True,
        )
    return value

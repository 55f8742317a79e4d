"""Hostile input on the Wyoming door, over raw sockets and the ``wyoming`` library's client.

Every malformed event gets an ``error`` event naming the problem; an event that breaks the
framing (a length that cannot be trusted or is too large, a header that never ends) gets one and
the connection is closed; an event that stops arriving midway is closed after the idle timeout;
nothing leaves an unretrieved task exception behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import time
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import pytest_asyncio
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event, async_read_event
from wyoming.info import Describe, Info
from wyoming.tts import SynthesizeChunk, SynthesizeStart, SynthesizeStop

from wyoming_kokoro.config import Limits
from wyoming_kokoro.engine import Engine, InvalidRequestError
from wyoming_kokoro.server.wyoming import WyomingServer
from wyoming_kokoro.server.wyoming.reader import EventLimits
from wyoming_kokoro.server.wyoming.text import TextPieces

from .helpers import TEST_SETTINGS, engine_idle, wait_for

IDLE = 1.0
MAX_TEXT = 2_000
LIMITS = EventLimits.for_text(MAX_TEXT, IDLE)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[WyomingServer]:
    settings = replace(TEST_SETTINGS, limits=Limits(max_text_chars=MAX_TEXT, idle_timeout=IDLE))
    wyoming = WyomingServer(engine, settings)
    await wyoming.start()
    yield wyoming
    await wyoming.close()


class Raw:
    """A raw TCP connection: bytes out, Wyoming events in."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, server: WyomingServer) -> Raw:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port, limit=2**24)
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def event(self, seconds: float = 5.0) -> Event | None:
        return await asyncio.wait_for(async_read_event(self.reader), seconds)

    async def error(self, seconds: float = 5.0) -> str:
        event = await self.event(seconds)
        assert event is not None and Error.is_type(event.type), event
        return Error.from_event(event).text

    async def closed(self, seconds: float = 5.0) -> bool:
        """True once the server closed the connection (end of stream)."""
        try:
            return await asyncio.wait_for(self.reader.read(), seconds) == b""
        except ConnectionResetError:
            return True

    async def describe(self) -> Info:
        await self.send(b'{"type": "describe"}\n')
        event = await self.event()
        assert event is not None and Info.is_type(event.type), event
        return Info.from_event(event)

    def close(self) -> None:
        self.writer.close()


async def wait_for_idle(server: WyomingServer, engine: Engine) -> None:
    await wait_for(lambda: engine_idle(engine) and not server.handlers, seconds=10)


# ---------------------------------------------------------------- malformed, the connection goes on


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"[1, 2, 3]\n", "The header line must be a JSON object, got [1, 2, 3]"),
        (b"not json\n", "The header line is not valid JSON"),
        (b"\n", "The header line is not valid JSON"),
        (b"\xff\xfe\n", "The header line is not valid JSON"),
        (b'{"data": {"text": "hi"}}\n', "The event header needs a 'type' string, got None"),
        (b'{"type": 5}\n', "needs a 'type' string, got 5"),
        (b"[" * 50_000 + b"\n", "The header line is not valid JSON: it is nested too deeply"),
        (
            b'{"type": "synthesize", "data": "hello"}\n',
            "The 'synthesize' event's 'data' must be a JSON object, got 'hello'",
        ),
        (
            b'{"type": "synthesize", "data": {"text": 5}}\n',
            "Malformed synthesize event: 'text' must be a string, got 5",
        ),
        (b'{"type": "synthesize", "data": {}}\n', "Malformed synthesize event: 'text' is required"),
        (
            b'{"type": "synthesize", "data": {"text": "Hi.", "voice": "af_heart"}}\n',
            "Malformed synthesize event: 'voice' must be an object",
        ),
        (
            b'{"type": "synthesize", "data": {"text": "Hi.", "voice": {"name": ["x"]}}}\n',
            "Malformed synthesize event: 'voice.name' must be a string",
        ),
        (
            b'{"type": "synthesize-start", "data": {"voice": 7}}\n',
            "Malformed synthesize-start event: 'voice' must be an object",
        ),
        (
            b'{"type": "synthesize-chunk", "data": {"text": null}}\n',
            "Malformed synthesize-chunk event: 'text' must be a string, got None",
        ),
        (
            b'{"type": "synthesize", "data_length": 5}\n[1,2]',
            "The 'synthesize' event's data must be a JSON object, got [1, 2]",
        ),
        (b'{"type": "synthesize", "data_length": 3}\nabc', "event's data is not valid JSON"),
    ],
)
async def test_a_malformed_event_gets_an_error_naming_it_and_the_connection_goes_on(
    server: WyomingServer, engine: Engine, line: bytes, message: str
) -> None:
    raw = await Raw.open(server)
    try:
        await raw.send(line)
        error = await raw.error()
        assert message in error
        assert len(error) < 300
        assert (await raw.describe()).tts, "the connection still answers"
    finally:
        raw.close()
    await wait_for_idle(server, engine)


async def test_the_library_client_gets_errors_for_bad_fields_too(server: WyomingServer) -> None:
    async with AsyncTcpClient("127.0.0.1", server.port) as client:
        await client.write_event(Event("synthesize", {"text": {"nested": True}}))
        event = await client.read_event()
        assert event is not None and Error.is_type(event.type)
        assert "'text' must be a string" in Error.from_event(event).text
        assert Error.from_event(event).code == "malformed-event"
        await client.write_event(Describe().event())
        event = await client.read_event()
        assert event is not None and Info.is_type(event.type)


# ------------------------------------------------------------- framing lost: error, then closed


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"type": "synthesize", "data_length": 10**12}, "'data_length' 1000000000000 is over"),
        ({"type": "synthesize", "payload_length": 10**12}, "'payload_length' 1000000000000 is"),
        ({"type": "synthesize", "data_length": 200 * 2**20}, "is over the limit of"),
        ({"type": "synthesize", "data_length": "12"}, "'data_length' must be a whole number"),
        ({"type": "synthesize", "data_length": -1}, "'data_length' must be a whole number"),
        ({"type": "synthesize", "payload_length": 1.5}, "'payload_length' must be a whole"),
    ],
)
async def test_an_untrustworthy_length_is_refused_at_once_and_the_connection_closed(
    server: WyomingServer, engine: Engine, header: dict[str, object], message: str
) -> None:
    raw = await Raw.open(server)
    started = time.monotonic()
    try:
        await raw.send(json.dumps(header).encode() + b"\n")
        error = await raw.error()
        assert message in error and "closing the connection" in error
        assert await raw.closed()
        assert time.monotonic() - started < 1
    finally:
        raw.close()
    await wait_for_idle(server, engine)


async def test_a_header_line_over_the_bound_is_refused_and_closed(
    server: WyomingServer, engine: Engine
) -> None:
    raw = await Raw.open(server)
    try:
        # One line, sent in pieces, longer than any request the text limit allows.
        await raw.send(b'{"type": "synthesize", "data": {"text": "')
        piece = b"a" * 65_536
        sent = 0
        error_task = asyncio.create_task(raw.error())
        with contextlib.suppress(ConnectionError):
            while sent < 4 * LIMITS.max_bytes and not error_task.done():
                await raw.send(piece)
                sent += len(piece)
                await asyncio.sleep(0.01)
        assert f"The event header line is over {LIMITS.max_bytes} bytes" in await error_task
        assert await raw.closed()
    finally:
        raw.close()
    await wait_for_idle(server, engine)


@pytest.mark.parametrize(
    "start",
    [
        b'{"type": "synthesize", "data_length": 100}\n{"text": ',  # data never completes
        b'{"type": "synthesize", "payload_length": 10}\n',  # payload never comes
        b'{"type": "describe"',  # header never ends
    ],
)
async def test_an_event_that_stops_arriving_is_closed_after_the_idle_timeout(
    server: WyomingServer, engine: Engine, start: bytes
) -> None:
    raw = await Raw.open(server)
    started = time.monotonic()
    try:
        await raw.send(start)
        error = await raw.error(seconds=IDLE + 5)
        assert "did not arrive whole within 1 s" in error and "--idle-timeout" in error
        assert await raw.closed()
        assert IDLE <= time.monotonic() - started < IDLE + 2
    finally:
        raw.close()
    await wait_for_idle(server, engine)


async def test_a_quiet_connection_between_events_stays_open(server: WyomingServer) -> None:
    raw = await Raw.open(server)
    try:
        await asyncio.sleep(IDLE + 0.5)
        assert (await raw.describe()).tts
    finally:
        raw.close()


async def test_a_client_leaving_mid_event_leaves_no_task_exception(
    server: WyomingServer, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        for start in (
            b'{"type": "synthesize", "data_length": 50}\n{"text"',
            b'{"type": "synthesize", "payload_length": 50}\nabc',
            b"[1]\n",
            b'{"type": "synthesize", "data": "hello"}\n',
        ):
            raw = await Raw.open(server)
            await raw.send(start)
            await asyncio.sleep(0.1)
            raw.close()
        await wait_for_idle(server, engine)
        gc.collect()
        await asyncio.sleep(0.1)
    assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]


# ------------------------------------------------------------------------- the streaming text limit


def test_streamed_text_past_the_limit_is_never_held() -> None:
    """The limit counts text as it is received: what comes past it is dropped on arrival,
    not queued until the engine gets to it."""
    tracemalloc.start()
    try:
        pieces = TextPieces(max_chars=MAX_TEXT)
        pieces.put("x" * MAX_TEXT)
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(200):
            pieces.put("y" * 100_000)  # 20 MB past the limit
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held < 1_000_000, f"{held} bytes held for text past the limit"

    async def read() -> list[str]:
        return [piece async for piece in pieces]

    pieces.end()
    with pytest.raises(InvalidRequestError, match=f"over the limit of {MAX_TEXT} characters"):
        asyncio.run(read())


async def test_a_streamed_request_over_the_limit_ends_cleanly(
    server: WyomingServer, engine: Engine
) -> None:
    async with AsyncTcpClient("127.0.0.1", server.port) as client:
        await client.write_event(SynthesizeStart().event())
        await client.write_event(SynthesizeChunk(text="Hello there. ").event())
        for _ in range(50):
            await client.write_event(SynthesizeChunk(text="word " * 500).event())
        await client.write_event(SynthesizeStop().event())
        types: list[str] = []
        errors: list[str] = []
        while not types or types[-1] != "synthesize-stopped":
            event = await asyncio.wait_for(client.read_event(), 120)
            assert event is not None, types
            types.append(event.type)
            if Error.is_type(event.type):
                errors.append(Error.from_event(event).text)
    assert any(f"over the limit of {MAX_TEXT} characters" in e for e in errors)
    assert types[0] == "audio-start" and types[-2:] == ["audio-stop", "synthesize-stopped"]
    await wait_for_idle(server, engine)

"""Hostile request fields (voice, language, weights) through the schema and every door.

One check (``schema.py`` and the voice parser) serves every door, so each hostile value is tried
at the engine and then once per door over a real socket: the answer must be a clear error, at
once, quoting at most a short prefix of the value, while the rest of the server keeps answering.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
import pytest_asyncio
from websockets.asyncio.client import connect
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize, SynthesizeVoice

from wyoming_kokoro.config import Limits
from wyoming_kokoro.engine import Engine, InvalidRequestError
from wyoming_kokoro.schema import MAX_VOICE_CHARS, RequestError, check_request, quote
from wyoming_kokoro.server.host import LiveServer
from wyoming_kokoro.server.wyoming import WyomingServer

from .helpers import TEST_SETTINGS, start_live_server

#: The red team's voice: backtracked quadratically in the old blend pattern (33 s on the loop).
SLOW_VOICE = "af_heart:" + "1" * 48_000 + "x"
#: A 4 MB language: must not be echoed back or logged whole.
HUGE_LANGUAGE = "x" * 4_000_000
#: The longest error message any of these may give (the value itself is quoted to 40 chars).
MAX_MESSAGE = 300
#: "At once": far below the old 33 s and below Home Assistant's 1 s describe timeout.
PROMPT = 0.5


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def live(engine: Engine) -> AsyncIterator[LiveServer]:
    server = await start_live_server(engine, limits=Limits(max_sessions=8))
    yield server
    await server.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def wyoming(engine: Engine) -> AsyncIterator[WyomingServer]:
    server = WyomingServer(engine, replace(TEST_SETTINGS))
    await server.start()
    yield server
    await server.close()


# ------------------------------------------------------------------------------ the check itself


def test_quote_keeps_a_short_prefix() -> None:
    quoted = quote(HUGE_LANGUAGE)
    assert quoted.startswith("'xxxx") and "4000000 characters" in quoted
    assert len(quoted) < 80
    assert quote("en-us") == "'en-us'"
    assert len(quote(list(range(100_000)))) < 80
    nested: list[object] = []
    for _ in range(100_000):
        nested = [nested]
    assert len(quote(nested)) < 80  # no recursion either


@pytest.mark.parametrize(
    ("field", "value"),
    [("voice", SLOW_VOICE), ("voice", "a" * (MAX_VOICE_CHARS + 1)), ("language", HUGE_LANGUAGE)],
)
def test_overlong_fields_are_refused_before_any_pattern(field: str, value: str) -> None:
    started = time.monotonic()
    with pytest.raises(RequestError, match=f"'{field}' must be .*at most") as error:
        check_request({field: value})
    assert time.monotonic() - started < 0.05
    assert len(str(error.value)) < MAX_MESSAGE


@pytest.mark.parametrize(
    ("voice", "message"),
    [
        (SLOW_VOICE, "'voice' must be at most 256 characters"),
        # The same backtracking shape within the length bound: linear now.
        ("af_heart:" + "1" * 240 + "x", "Malformed voice"),
        ("af_heart:" + "1." * 120 + "x", "Malformed voice"),
        ("af_heart:1e999", "Voice weight '1e999' for af_heart must be a finite number above 0"),
        ("af_heart:" + "9" * 200 + "e200", "must be a finite number above 0"),  # overflows
        ("af_heart:1e308+am_michael:1e308", "too large to add up"),
        (
            "af_heart:0+am_michael:1",
            "Voice weight '0' for af_heart must be a finite number above 0",
        ),
        ("af_heart:1e-400", "must be a finite number above 0"),  # underflows to 0
        ("af_heart:nan", "Malformed voice"),
        ("af_heart:inf", "Malformed voice"),
        ("af_heart:-1", "Malformed voice"),
    ],
)
def test_hostile_voices_get_a_clear_error_at_once(engine: Engine, voice: str, message: str) -> None:
    started = time.monotonic()
    with pytest.raises(InvalidRequestError, match=message.replace("+", r"\+")) as error:
        engine.speech_params(voice)
    assert time.monotonic() - started < 0.05
    assert len(str(error.value)) < MAX_MESSAGE


def test_blends_still_work(engine: Engine) -> None:
    params = engine.speech_params(" af_heart : 0.6 + am_michael:.4 ")
    assert params.voice == "af_heart:0.6+am_michael:.4"
    params = engine.speech_params("af_heart:1e-3+am_michael:2E1")
    assert params.voice == "af_heart:1e-3+am_michael:2E1"


# ------------------------------------------------------------------------------------- the doors


async def health_status(server: LiveServer) -> int:
    """``GET /health`` over a plain socket: the status code."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    status = await reader.readline()
    writer.close()
    return int(status.split()[1])


async def describe(server: WyomingServer) -> Info:
    async with AsyncTcpClient("127.0.0.1", server.port) as client:
        await client.write_event(Describe().event())
        event = await client.read_event()
    assert event is not None and Info.is_type(event.type)
    return Info.from_event(event)


async def live_init_error(server: LiveServer, init: dict[str, object]) -> str:
    async with connect(f"ws://127.0.0.1:{server.port}/ws/tts/live", max_size=None) as ws:
        await ws.send(json.dumps(init))
        reply = json.loads(await ws.recv())
    assert reply["type"] == "error", reply
    message: str = reply["message"]
    return message


async def wyoming_error(server: WyomingServer, voice: SynthesizeVoice) -> str:
    async with AsyncTcpClient("127.0.0.1", server.port) as client:
        await client.write_event(Synthesize(text="Hello.", voice=voice).event())
        event = await client.read_event()
    assert event is not None and Error.is_type(event.type), event
    return Error.from_event(event).text


async def test_a_slow_voice_on_the_live_door_leaves_the_server_answering(
    live: LiveServer, wyoming: WyomingServer
) -> None:
    started = time.monotonic()
    hostile = asyncio.create_task(live_init_error(live, {"voice": SLOW_VOICE}))
    # Meanwhile /health and describe (Home Assistant gives describe 1 s) answer at once.
    status, info = await asyncio.wait_for(asyncio.gather(health_status(live), describe(wyoming)), 1)
    assert status == 200 and info.tts
    message = await asyncio.wait_for(hostile, 2)
    assert time.monotonic() - started < 1
    assert "'voice' must be at most 256 characters" in message
    assert len(message) < MAX_MESSAGE


async def test_a_huge_language_on_the_live_door_is_quoted_not_echoed(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="wyoming_kokoro"):
        message = await live_init_error(live, {"language": HUGE_LANGUAGE})
    assert "'language' must be a language code" in message
    assert len(message) < MAX_MESSAGE
    assert all(len(record.getMessage()) < 1000 for record in caplog.records)


async def test_a_slow_voice_on_the_wyoming_door_leaves_describe_answering(
    wyoming: WyomingServer,
) -> None:
    started = time.monotonic()
    hostile = asyncio.create_task(wyoming_error(wyoming, SynthesizeVoice(name=SLOW_VOICE)))
    info = await asyncio.wait_for(describe(wyoming), 1)
    assert info.tts
    message = await asyncio.wait_for(hostile, 2)
    assert time.monotonic() - started < 1
    assert "'voice' must be at most 256 characters" in message
    assert len(message) < MAX_MESSAGE


async def test_an_overflowing_weight_on_the_wyoming_door_is_refused(
    wyoming: WyomingServer,
) -> None:
    message = await wyoming_error(wyoming, SynthesizeVoice(name="af_heart:1e999+am_michael:1"))
    assert "must be a finite number above 0" in message


async def test_a_huge_wyoming_language_is_quoted_not_echoed(
    wyoming: WyomingServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="wyoming_kokoro"):
        message = await wyoming_error(wyoming, SynthesizeVoice(language="q" * 60_000))
    assert "No voice for language 'qqqq" in message
    assert len(message) < MAX_MESSAGE
    assert all(len(record.getMessage()) < 1000 for record in caplog.records)

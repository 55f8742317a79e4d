"""Hostile input at every door, over real sockets with the real clients and the real model.

Lone and split UTF-16 surrogates, JSON that ``json.loads`` cannot take (a 5000-digit integer,
50 000 levels of nesting), input with nothing to say, the protocol 1 words, and what the server
logs for clients that break HTTP or leave mid-reply. Each must end in an answer the client can
act on (or audio), with no ERROR in the log and nothing counted as the server's own fault.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp
import av
import openai
import pytest
import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from wyoming.event import async_read_event

from wyoming_kokoro.config import Limits
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.audio import SAMPLE_RATE, duration_seconds
from wyoming_kokoro.server.host import LiveServer
from wyoming_kokoro.server.openai_api import NOTHING_TO_SAY_SECONDS
from wyoming_kokoro.server.wyoming import WyomingServer
from wyoming_kokoro.text.surrogates import REPLACEMENT, SurrogateJoiner

from .helpers import TEST_SETTINGS, assert_speech, engine_idle, rms, start_live_server, wait_for

#: Over ``sys.get_int_max_str_digits()`` (4300): ``json.loads`` raises a plain ValueError.
HUGE_NUMBER = "1" * 5000
#: Far over the interpreter's recursion limit: ``json.loads`` raises RecursionError.
DEEP = "[" * 50_000
FORMATS = ["mp3", "opus", "aac", "flac", "wav", "pcm"]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def live(engine: Engine) -> AsyncIterator[LiveServer]:
    server = await start_live_server(engine, limits=Limits(auto_sessions=False, max_sessions=8))
    yield server
    await server.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def wyoming(engine: Engine) -> AsyncIterator[WyomingServer]:
    server = WyomingServer(engine, replace(TEST_SETTINGS))
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def errors_logged(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """What the test logged at WARNING or above, or with a traceback, so far."""
    caplog.set_level(logging.DEBUG)

    def found() -> list[str]:
        return [
            f"{r.levelname} {r.name}: {r.getMessage()}"
            for r in caplog.records
            if r.levelno >= logging.WARNING or r.exc_info
        ]

    return found


def errors_counted(server: LiveServer, door: str, kind: str) -> float:
    value = server.metrics.registry.get_sample_value(
        "kokoro_errors_total", {"door": door, "kind": kind}
    )
    return value or 0.0


def live_url(server: LiveServer, path: str = "/ws/tts/live") -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


@dataclass
class Reply:
    """What a WebSocket session received, in order, and how it was closed."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)
    close_code: int | None = None
    close_reason: str = ""

    @property
    def pcm(self) -> bytes:
        return b"".join(self.chunks)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == kind]


async def read_all(ws: ClientConnection, reply: Reply, until: str | None = None) -> Reply:
    """Read until the close (or until a message of type ``until``)."""
    try:
        while True:
            message = await asyncio.wait_for(ws.recv(), 120)
            if isinstance(message, bytes):
                reply.chunks.append(message)
                continue
            data = json.loads(message)
            reply.messages.append(data)
            if until is not None and data.get("type") == until:
                return reply
    except ConnectionClosed:
        pass
    reply.close_code = ws.close_code
    reply.close_reason = ws.close_reason or ""
    return reply


async def session(server: LiveServer, *frames: str | bytes, path: str = "/ws/tts/live") -> Reply:
    """Send ``frames`` (the init first) and read everything back."""
    async with connect(live_url(server, path), max_size=None) as ws:
        for frame in frames:
            await ws.send(frame)
        return await read_all(ws, Reply())


async def post_speech(server: LiveServer, body: bytes) -> tuple[int, str, bytes]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"http://127.0.0.1:{server.port}/v1/audio/speech",
            data=body,
            headers={"Content-Type": "application/json"},
        ) as response,
    ):
        return response.status, response.content_type, await response.read()


def decode(data: bytes, response_format: str) -> bytes:
    """Any reply to PCM s16le mono at 24 kHz (PyAV): it must be a valid file to decode."""
    if response_format == "pcm":
        return data
    with av.open(io.BytesIO(data), "r") as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        pcm = bytearray()
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                pcm += out.to_ndarray().astype("<i2").tobytes()
        for out in resampler.resample(None):
            pcm += out.to_ndarray().astype("<i2").tobytes()
    return bytes(pcm)


# ------------------------------------------------------------------------ surrogates: the joiner


def test_split_halves_are_joined_and_lone_ones_replaced() -> None:
    joiner = SurrogateJoiner()
    assert joiner.push("Great \ud83d") == "Great "
    assert joiner.push("\ude00 news") == "Great \U0001f600 news"[6:]
    assert joiner.push("a \udc00 b \ud800 c") == f"a {REPLACEMENT} b {REPLACEMENT} c"
    assert joiner.push("end \ud83d") == "end "
    assert joiner.finish() == REPLACEMENT
    assert joiner.push("plain text") == "plain text"


# ------------------------------------------------------------------ surrogates: through each door


async def test_openai_input_with_a_lone_surrogate_is_spoken(
    live: LiveServer, errors_logged: Callable[[], list[str]]
) -> None:
    body = b'{"input": "Hello \\ud800 world.", "response_format": "wav"}'
    status, content_type, data = await post_speech(live, body)
    assert status == 200 and content_type == "audio/wav"
    assert_speech(decode(data, "wav"), 2)
    assert errors_logged() == []


async def test_protocol_2_emoji_halves_in_two_texts_are_joined(
    live: LiveServer, errors_logged: Callable[[], list[str]]
) -> None:
    text = '{"type": "text", "context_id": "%s", "text": "%s"}'
    async with connect(live_url(live)) as ws:
        await ws.send(json.dumps({"protocol": 2}))
        await read_all(ws, Reply(), until="ready")
        await ws.send(text % ("split", "Great news \\ud83d"))
        await ws.send(text % ("split", "\\ude00 the lights are on."))
        await ws.send(json.dumps({"type": "flush", "context_id": "split"}))
        split = await read_all(ws, Reply(), until="end")
        await ws.send(text % ("lone", "Hello \\udc00 world, \\ud83d"))
        await ws.send(json.dumps({"type": "flush", "context_id": "lone"}))
        lone = await read_all(ws, Reply(), until="end")
    for reply, words in ((split, 6), (lone, 2)):
        assert reply.of_type("error") == []
        assert_speech(reply.pcm, words)
    assert errors_logged() == []


async def test_protocol_1_text_from_a_browser_with_replaced_halves_is_spoken(
    live: LiveServer, errors_logged: Callable[[], list[str]]
) -> None:
    # A browser's WebSocket sends a sliced emoji's halves as U+FFFD each (UTF-8 has no halves).
    reply = await session(
        live, "{}", f"Great news {REPLACEMENT}", f"{REPLACEMENT} the lights are on.", ""
    )
    assert reply.close_code == 1000 and reply.of_type("end")
    assert_speech(reply.pcm, 6)
    assert errors_logged() == []


async def test_protocol_1_frame_that_is_not_utf8_is_refused_cleanly(
    live: LiveServer, errors_logged: Callable[[], list[str]]
) -> None:
    async with connect(live_url(live)) as ws:
        await ws.send("{}")
        await read_all(ws, Reply(), until="ready")
        await ws.send(b"Hello \xed\xa0\xbd world.", text=True)  # a surrogate half in CESU-8
        reply = await read_all(ws, Reply())
    assert reply.close_code == 1007  # the WebSocket close for text that is not UTF-8
    assert errors_logged() == []


async def write_raw_event(writer: asyncio.StreamWriter, event_type: str, data: str) -> None:
    """A Wyoming event as a JavaScript client writes it (JSON escapes in the data)."""
    body = data.encode()
    header = json.dumps({"type": event_type, "data_length": len(body)}).encode()
    writer.write(header + b"\n" + body)
    await writer.drain()


async def test_wyoming_chunks_with_split_and_lone_halves_are_spoken(
    wyoming: WyomingServer, errors_logged: Callable[[], list[str]]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", wyoming.port)
    try:
        await write_raw_event(writer, "synthesize-start", "{}")
        await write_raw_event(writer, "synthesize-chunk", '{"text": "Great news \\ud83d"}')
        await write_raw_event(writer, "synthesize-chunk", '{"text": "\\ude00 the lights"}')
        await write_raw_event(writer, "synthesize-chunk", '{"text": " are on. \\udc00"}')
        await write_raw_event(writer, "synthesize-stop", "{}")
        pcm, types = bytearray(), []
        while True:
            event = await asyncio.wait_for(async_read_event(reader), 120)
            assert event is not None
            types.append(event.type)
            if event.type == "audio-chunk" and event.payload:
                pcm += event.payload
            if event.type == "synthesize-stopped":
                break
        assert "error" not in types and "audio-stop" in types
        assert_speech(bytes(pcm), 6)
        await write_raw_event(writer, "synthesize", '{"text": "Hello \\ud800 world."}')
        single = bytearray()
        while (event := await asyncio.wait_for(async_read_event(reader), 120)) is not None:
            assert event.type != "error"
            if event.type == "audio-chunk" and event.payload:
                single += event.payload
            if event.type == "audio-stop":
                break
        assert_speech(bytes(single), 2)
    finally:
        writer.close()
    assert errors_logged() == []


# ------------------------------------------------------------------- JSON json.loads cannot take


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (f'{{"input": "Hi", "speed": {HUGE_NUMBER}}}', "more than 4300 digits"),
        (f'{{"input": {DEEP}', "nested too deeply"),
    ],
    ids=["huge-number", "deep"],
)
async def test_openai_body_json_edges_are_client_errors(
    live: LiveServer, errors_logged: Callable[[], list[str]], body: str, expected: str
) -> None:
    internal = errors_counted(live, "openai", "internal")
    client = errors_counted(live, "openai", "invalid_request")
    status, content_type, data = await post_speech(live, body.encode())
    assert status == 400 and content_type == "application/json"
    error = json.loads(data)["error"]
    assert error["code"] == "invalid_json" and expected in error["message"]
    assert errors_counted(live, "openai", "invalid_request") == client + 1
    assert errors_counted(live, "openai", "internal") == internal
    assert errors_logged() == []


def json_edges() -> list[Any]:
    return [
        pytest.param(f'{{"voice": "af_heart", "speed": {HUGE_NUMBER}}}', id="huge-number"),
        pytest.param(f'{{"voice": {DEEP}', id="deep"),
    ]


@pytest.mark.parametrize("init", json_edges())
@pytest.mark.parametrize("path", ["/ws/tts/live", "/ws/tts/stream"])
async def test_init_json_edges_close_1008(
    live: LiveServer, errors_logged: Callable[[], list[str]], init: str, path: str
) -> None:
    door = "live" if path.endswith("live") else "buffered"
    internal = errors_counted(live, door, "internal")
    reply = await session(live, init, path=path)
    assert reply.close_code == 1008
    (error,) = reply.of_type("error") or [m for m in reply.messages if "error_code" in m]
    assert "digits" in error["message"] or "nested too deeply" in error["message"]
    assert errors_counted(live, door, "internal") == internal
    assert errors_logged() == []


@pytest.mark.parametrize("message", json_edges())
async def test_protocol_2_message_json_edges_close_1008(
    live: LiveServer, errors_logged: Callable[[], list[str]], message: str
) -> None:
    internal = errors_counted(live, "live", "internal")
    reply = await session(live, json.dumps({"protocol": 2}), message)
    assert reply.close_code == 1008
    errors = reply.of_type("error")
    assert len(errors) == 1 and "Protocol 2 messages are JSON objects" in errors[0]["message"]
    assert errors_counted(live, "live", "internal") == internal
    assert errors_logged() == []


async def test_protocol_1_text_that_looks_like_deep_json_is_just_text(
    live: LiveServer, errors_logged: Callable[[], list[str]]
) -> None:
    reply = await session(live, "{}", '{"": ' + "[" * 3000, "")
    assert reply.close_code == 1000 and reply.of_type("end")[0]["total_chunks"] == 0
    assert errors_logged() == []


async def test_wyoming_event_with_a_huge_number_gets_an_error_and_goes_on(
    wyoming: WyomingServer, errors_logged: Callable[[], list[str]]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", wyoming.port)
    try:
        writer.write(f'{{"type": "synthesize", "data": {{"n": {HUGE_NUMBER}}}}}\n'.encode())
        await writer.drain()
        event = await asyncio.wait_for(async_read_event(reader), 10)
        assert event is not None and event.type == "error"
        assert "4300 digits" in event.data["text"]
        writer.write(b'{"type": "describe"}\n')
        event = await asyncio.wait_for(async_read_event(reader), 10)
        assert event is not None and event.type == "info"
    finally:
        writer.close()
    assert errors_logged() == []


# ------------------------------------------------------------------------- nothing to say (OpenAI)


@pytest.mark.parametrize("response_format", FORMATS)
async def test_nothing_speakable_is_a_valid_short_silent_file(
    live: LiveServer, response_format: str
) -> None:
    client = openai.AsyncOpenAI(
        base_url=f"http://127.0.0.1:{live.port}/v1", api_key="unused", max_retries=0
    )
    async with client:
        reply = await client.audio.speech.create(
            model="kokoro",
            voice="jf_alpha",
            input="🎉🎉 👍",
            response_format=response_format,  # type: ignore[arg-type]
        )
        data = reply.content
    pcm = decode(data, response_format)  # a valid file: it decodes
    assert 0 < duration_seconds(pcm) <= NOTHING_TO_SAY_SECONDS + 0.1
    assert rms(pcm) < 0.001


async def test_nothing_speakable_streams_as_sse_events_too(live: LiveServer) -> None:
    body = json.dumps({"input": "🎉", "response_format": "wav", "stream_format": "sse"})
    status, content_type, data = await post_speech(live, body.encode())
    assert status == 200 and content_type == "text/event-stream"
    events = [json.loads(line[6:]) for line in data.decode().splitlines() if line]
    assert [e["type"] for e in events][-1] == "speech.audio.done"
    assert any(e["type"] == "speech.audio.delta" and e["audio"] for e in events)


# -------------------------------------------------------------------- protocol 1 word timestamps


async def test_protocol_1_word_timestamps(live: LiveServer) -> None:
    text = "Okay, I turned on the kitchen lights. The front door is locked."
    reply = await session(live, json.dumps({"word_timestamps": True}), text, "")
    assert reply.close_code == 1000
    ready = reply.of_type("ready")[0]
    assert ready["word_timestamps"] is True and ready["protocol"] == 1
    seconds = duration_seconds(reply.pcm)
    words: list[dict[str, Any]] = []
    for index, message in enumerate(reply.messages):
        if message["type"] == "words":
            assert "context_id" not in message
            following = reply.messages[index + 1]
            assert following["type"] == "audio" and following["chunk_id"] == message["chunk_id"]
            words.extend(message["words"])
    spoken = " ".join(w["word"] for w in words).replace(",", "").replace(".", "")
    assert spoken.split() == text.replace(",", "").replace(".", "").split()
    starts = [w["start"] for w in words]
    assert starts == sorted(starts) and words[-1]["end"] <= seconds + 0.05
    assert words[-1]["start"] > seconds / 2  # on the whole reply's timeline, not per segment


async def test_protocol_1_without_word_timestamps_sends_no_words(live: LiveServer) -> None:
    reply = await session(live, "{}", "Hello there.", "")
    assert reply.of_type("ready")[0]["word_timestamps"] is False
    assert reply.of_type("words") == [] and reply.chunks


async def test_protocol_1_bad_word_timestamps_is_refused(live: LiveServer) -> None:
    reply = await session(live, json.dumps({"word_timestamps": "yes"}))
    assert reply.close_code == 1008
    assert "'word_timestamps' must be true or false" in reply.of_type("error")[0]["message"]


# ------------------------------------------------------------------------------------- log noise


def http_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "wyoming_kokoro.server.http"]


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET /\x00 HTTP/1.1\r\n\r\n",
    ],
    ids=["content-length", "chunk-size", "nul"],
)
async def test_a_malformed_http_request_is_one_line(
    live: LiveServer,
    caplog: pytest.LogCaptureFixture,
    errors_logged: Callable[[], list[str]],
    request_bytes: bytes,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", live.port)
    writer.write(request_bytes)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    assert answer.startswith(b"HTTP/1.") and b" 400 " in answer.split(b"\r\n")[0]
    await wait_for(lambda: bool(http_records(caplog)), 5)
    (record,) = http_records(caplog)
    assert record.levelno == logging.INFO and record.exc_info is None
    assert "bad HTTP request (400" in record.getMessage()
    assert "\n" not in record.getMessage()
    assert errors_logged() == []


async def test_a_body_upload_dropped_midway_is_one_line(
    live: LiveServer, caplog: pytest.LogCaptureFixture, errors_logged: Callable[[], list[str]]
) -> None:
    with socket.create_connection(("127.0.0.1", live.port)) as sock:
        sock.sendall(
            b"POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"input": "Hello'
        )
        await asyncio.sleep(0.2)
    await wait_for(lambda: bool(http_records(caplog)), 5)
    (record,) = http_records(caplog)
    assert record.levelno == logging.INFO and record.exc_info is None
    assert "the client went away" in record.getMessage()
    assert errors_logged() == []
    assert (await post_speech(live, b'{"input": "Still here."}'))[0] == 200


@pytest.mark.parametrize("streaming", [False, True], ids=["synthesize", "stream"])
async def test_a_wyoming_client_leaving_mid_reply_is_no_error(
    engine: Engine,
    tmp_path: Path,
    errors_logged: Callable[[], list[str]],
    streaming: bool,
) -> None:
    """The client stops reading, its reply backs up until the server's sends wait (a Unix
    socket's buffer fills in seconds), then it leaves: the waiting send fails with a reset
    connection, which is the client leaving, not a synthesis that failed."""
    path = tmp_path / "wyoming.sock"
    server = WyomingServer(engine, replace(TEST_SETTINGS, uri=f"unix://{path}"))
    await server.start()
    try:
        _, writer = await asyncio.open_unix_connection(str(path))
        text = "This is a long reply that keeps going for quite a while. " * 6
        if streaming:
            await write_raw_event(writer, "synthesize-start", "{}")
            await write_raw_event(writer, "synthesize-chunk", json.dumps({"text": text}))
        else:
            await write_raw_event(writer, "synthesize", json.dumps({"text": text}))

        def backed_up() -> bool:
            return any(h.writer.transport.get_write_buffer_size() > 0 for h in server.handlers)

        await wait_for(backed_up, 120)
        # An answer that waits behind that audio too: the server's reader is not reading, so
        # the reset reaches the waiting sends first.
        await write_raw_event(writer, "describe", "{}")
        await asyncio.sleep(0.2)
        writer.transport.abort()
        await wait_for(lambda: not server.handlers and engine_idle(engine), 60)
    finally:
        await server.close()
    assert errors_logged() == []

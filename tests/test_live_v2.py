"""Protocol 2 of /ws/tts/live over a real socket with the real model (PROTOCOL.md, Protocol 2)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from wyoming_kokoro.config import Limits
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.audio import duration_seconds
from wyoming_kokoro.engine.timestamps import words_of
from wyoming_kokoro.server.host import LiveServer

from .helpers import assert_speech, engine_idle, start_live_server, wait_for

REPLY = (
    "Okay, I turned on the kitchen lights and set the thermostat to twenty one degrees. "
    "The front door is locked, and the garage is closed. "
    "Tomorrow it will rain in the afternoon, so take an umbrella."
)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[LiveServer]:
    live = await start_live_server(
        engine, limits=Limits(auto_sessions=False, max_sessions=32, max_contexts=2)
    )
    yield live
    await live.close()


def url(server: LiveServer) -> str:
    return f"ws://127.0.0.1:{server.port}/ws/tts/live"


@dataclass
class Context:
    """What one context received, framing checked as it arrived."""

    chunks: list[bytes] = field(default_factory=list)
    words: list[dict[str, Any]] = field(default_factory=list)
    last: dict[str, Any] | None = None  # end, cancelled or error

    @property
    def pcm(self) -> bytes:
        return b"".join(self.chunks)


class Reader:
    """Reads a v2 connection, sorting messages by context and checking the framing rules."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.contexts: dict[str, Context] = {}
        self.errors: list[dict[str, Any]] = []
        self.after_cancel: list[dict[str, Any]] = []
        self._cancelled: set[str] = set()
        self._words_for: tuple[str, int] | None = None

    async def until(self, context_id: str, *types: str) -> dict[str, Any]:
        """Read until a message of one of ``types`` arrives for ``context_id``."""
        while True:
            data = await self.next()
            if data.get("context_id") == context_id and data["type"] in types:
                return data

    async def finished(self, context_id: str) -> dict[str, Any]:
        """The context's end, cancelled or error, whenever it arrived."""
        while (context := self.contexts.get(context_id)) is None or context.last is None:
            await self.next()
        return context.last

    async def next(self) -> dict[str, Any]:
        message = await asyncio.wait_for(self.ws.recv(), 120)
        assert isinstance(message, str), "binary frame without an audio message before it"
        data: dict[str, Any] = json.loads(message)
        context_id = data.get("context_id")
        if context_id in self._cancelled:
            self.after_cancel.append(data)
        context = self.contexts.setdefault(context_id, Context()) if context_id else None
        if data["type"] == "words":
            assert context is not None
            self._words_for = (context_id, data["chunk_id"])
            context.words.extend(data["words"])
        elif data["type"] == "audio":
            assert context is not None
            assert data["chunk_id"] == len(context.chunks) + 1
            if self._words_for is not None:  # words come right before their chunk's audio
                assert self._words_for == (context_id, data["chunk_id"])
                self._words_for = None
            payload = await asyncio.wait_for(self.ws.recv(), 120)
            assert isinstance(payload, bytes) and len(payload) == data["size"] > 0
            context.chunks.append(payload)
        else:
            assert self._words_for is None, "words not followed by their audio"
            if data["type"] in ("end", "cancelled") or (data["type"] == "error" and context):
                assert context is not None
                context.last = data
            if data["type"] == "cancelled":
                self._cancelled.add(data["context_id"])
            if data["type"] == "error":
                self.errors.append(data)
        return data


async def open_v2(
    server: LiveServer, **init: Any
) -> tuple[ClientConnection, Reader, dict[str, Any]]:
    ws = await connect(url(server))
    await ws.send(json.dumps({"protocol": 2, **init}))
    ready = json.loads(await ws.recv())
    assert ready["type"] == "ready" and ready["protocol"] == 2
    return ws, Reader(ws), ready


async def send(ws: ClientConnection, kind: str, context_id: str, text: str | None = None) -> None:
    message: dict[str, Any] = {"type": kind, "context_id": context_id}
    if text is not None:
        message["text"] = text
    await ws.send(json.dumps(message))


async def say(ws: ClientConnection, context_id: str, pieces: list[str]) -> None:
    for piece in pieces:
        await send(ws, "text", context_id, piece)
    await send(ws, "flush", context_id)


def check_words(context: Context, text: str) -> None:
    """Words cover the text in order, on the context's timeline, ordered and within the audio."""
    assert " ".join(w["word"] for w in context.words).split() == words_of(text)
    seconds = duration_seconds(context.pcm)
    previous = 0.0
    for word in context.words:
        assert previous <= word["start"] < word["end"] <= seconds + 1e-3, word
        previous = word["end"]


async def test_many_replies_on_one_connection_with_word_timestamps(server: LiveServer) -> None:
    ws, reader, ready = await open_v2(server, word_timestamps=True, voice="af_heart")
    assert ready["word_timestamps"] is True
    assert ready["max_contexts"] == 2
    async with ws:
        for n, text in enumerate(["Hello there, how are you?", REPLY, "It costs $12.50."]):
            context_id = f"reply-{n}"
            await say(ws, context_id, text.split(" ") and [w + " " for w in text.split(" ")])
            end = await reader.finished(context_id)
            assert end == {
                "type": "end",
                "context_id": context_id,
                "total_chunks": len(reader.contexts[context_id].chunks),
            }
            assert_speech(reader.contexts[context_id].pcm, len(text.split()))
            check_words(reader.contexts[context_id], text)
        assert not reader.errors


async def test_two_contexts_open_at_once_share_the_connection(server: LiveServer) -> None:
    ws, reader, ready = await open_v2(server)
    assert ready["word_timestamps"] is False
    async with ws:
        await send(ws, "text", "now", "The front door is locked, and the garage is closed.")
        await send(ws, "text", "next", "Tomorrow it will rain in the afternoon.")
        await send(ws, "flush", "next")
        await send(ws, "flush", "now")
        for cid, words in (("now", 10), ("next", 7)):
            assert (await reader.finished(cid))["type"] == "end"
            assert_speech(reader.contexts[cid].pcm, words)
            assert not reader.contexts[cid].words  # not asked for
        # The same id may start a new utterance once its end was sent.
        reader.contexts.pop("now")
        await say(ws, "now", ["Okay."])
        assert (await reader.until("now", "end", "error"))["type"] == "end"


async def test_cancel_stops_audio_at_once_and_the_connection_goes_on(
    server: LiveServer, engine: Engine
) -> None:
    ws, reader, _ = await open_v2(server, word_timestamps=True)
    before = server.context_counters.cancelled
    stats = engine.stats()
    async with ws:
        await send(ws, "text", "long", REPLY * 3)  # no flush: the reply is still streaming in
        await reader.until("long", "audio")
        await send(ws, "cancel", "long")
        confirm = await reader.until("long", "cancelled")
        assert confirm == {"type": "cancelled", "context_id": "long"}
        heard = duration_seconds(reader.contexts["long"].pcm)
        assert heard < 15
        assert all(w["end"] <= heard + 1e-3 for w in reader.contexts["long"].words)
        # The next reply works on the same connection, and nothing of "long" came after cancelled.
        await say(ws, "after", ["Still here."])
        assert (await reader.until("after", "end", "error"))["type"] == "end"
        assert reader.after_cancel == []
        assert server.context_counters.cancelled == before + 1
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{server.port}/health") as response,
        ):
            health = await response.json()
        assert health["contexts"]["cancelled"] == before + 1
        assert health["contexts"]["open"] == 0
        await wait_for(lambda: engine_idle(engine))
        after = engine.stats()
        # Nine sentences were queued; the cancel dropped what had not run.
        assert after["segments_synthesized"] - stats["segments_synthesized"] <= 6


async def test_context_mistakes_get_errors_and_the_connection_stays(server: LiveServer) -> None:
    ws, reader, _ = await open_v2(server)
    async with ws:
        await send(ws, "cancel", "ghost")
        error = await reader.until("ghost", "error")
        assert error["code"] == "unknown_context"
        assert "Unknown context 'ghost' in cancel" in error["message"]

        await send(ws, "flush", "ghost")
        error = await reader.until("ghost", "error")
        assert error["code"] == "unknown_context"
        assert "in flush" in error["message"]

        await send(ws, "text", "a", "The front door is locked, and the garage is closed.")
        await send(ws, "flush", "a")
        await send(ws, "text", "a", "More text.")
        error = await reader.until("a", "error")
        assert error["code"] == "context_flushed"
        reader.contexts["a"].last = None  # the context itself goes on
        assert "Context 'a' was flushed" in error["message"]

        await send(ws, "text", "b", "Waiting for more")
        await send(ws, "text", "c", "One too many.")
        error = await reader.until("c", "error")
        assert error["code"] == "too_many_contexts"
        assert not reader.contexts["c"].chunks
        assert "2 already open" in error["message"]

        await send(ws, "flush", "b")
        for cid in ("a", "b"):
            assert (await reader.finished(cid))["type"] == "end"
        assert reader.contexts["a"].chunks and reader.contexts["b"].chunks


async def test_protocol_mistakes_close_the_connection(server: LiveServer) -> None:
    cases = [
        ("not json", "Protocol 2 messages are JSON objects"),
        ('{"type": "speak", "context_id": "a"}', "Unknown message type 'speak'"),
        ('{"type": "text", "text": "Hi"}', "'context_id' of a text message must be a string"),
        ('{"type": "text", "context_id": "a", "text": 5}', "'text' of a text message"),
    ]
    for message, expected in cases:
        ws, reader, _ = await open_v2(server)
        async with ws:
            await ws.send(message)
            error = await reader.next()
            assert error["type"] == "error" and expected in error["message"], error
            await ws.wait_closed()
            assert ws.close_code == 1008

    async with connect(url(server)) as ws:
        await ws.send(json.dumps({"protocol": 3}))
        error = json.loads(await ws.recv())
        assert "Unsupported protocol 3" in error["message"]

    # A huge bad value is quoted by a short prefix, not echoed back whole.
    ws, reader, _ = await open_v2(server)
    async with ws:
        await ws.send(json.dumps({"type": "flush", "context_id": "x" * 3000}))
        error = await reader.next()
        assert "(3000 characters)" in error["message"] and len(error["message"]) < 300, error


async def test_v2_message_on_a_v1_session_is_refused(server: LiveServer) -> None:
    async with connect(url(server)) as ws:
        await ws.send("{}")
        assert json.loads(await ws.recv())["protocol"] == 1
        await send(ws, "text", "a", "Hello.")
        error = json.loads(await ws.recv())
        assert error["type"] == "error"
        assert 'send "protocol": 2 in the init message' in error["message"]
        with contextlib.suppress(ConnectionClosed):
            await ws.recv()
        assert ws.close_code == 1008


async def test_wordless_language_says_so_in_ready_and_sends_no_words(server: LiveServer) -> None:
    ws, reader, ready = await open_v2(server, word_timestamps=True, language="ja")
    assert ready["word_timestamps"] is False
    assert "No word timestamps for ja" in ready["word_timestamps_unavailable"]
    async with ws:
        await say(ws, "j", ["こんにちは。"])
        assert (await reader.until("j", "end"))["total_chunks"] > 0
        assert reader.contexts["j"].chunks and not reader.contexts["j"].words


async def test_idle_context_is_dropped_with_an_error(engine: Engine) -> None:
    limited = await start_live_server(
        engine, limits=Limits(idle_timeout=0.5, auto_sessions=False, max_sessions=2)
    )
    try:
        ws, reader, _ = await open_v2(limited)
        async with ws:
            await send(ws, "text", "slow", "Hello")
            error = await reader.until("slow", "error")
            assert error["code"] == "context_timeout"
            assert "No text or flush for context 'slow' in 0.5 s" in error["message"]
            # The connection itself is fine.
            await say(ws, "quick", ["Okay."])
            assert (await reader.until("quick", "end"))["type"] == "end"
        assert limited.context_counters.failed == 1
    finally:
        await limited.close()


@pytest.mark.timeout(120)
async def test_a_v2_client_that_stops_reading_loses_its_slot(engine: Engine) -> None:
    """A context's send that the client does not take ends the whole connection (1008) after
    ``--send-timeout``, cancelling its contexts, as a protocol 1 session is ended."""
    limited = await start_live_server(
        engine, limits=Limits(auto_sessions=False, max_sessions=2, send_timeout=2.0)
    )
    try:
        ws = await connect(url(limited), max_queue=1)
        ws.transport.get_extra_info("socket").setsockopt(
            socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024
        )
        await ws.send(json.dumps({"protocol": 2}))
        await say(ws, "long", [REPLY * 6])
        await say(ws, "next", [REPLY])
        await wait_for(lambda: limited.context_counters.opened == 2, seconds=5)
        await wait_for(lambda: limited.sessions.sessions == 0, seconds=60)
        counters = limited.context_counters
        # Each context ends in an outcome: failed under the send that timed out, or cut off
        # (disconnected) when the heartbeat that got no pong closed the connection first.
        assert counters.open == 0 and counters.failed + counters.disconnected == 2, counters
        # Ended by its send timing out (client_error), or by the heartbeat's close noticed by
        # a send before the reader saw why (disconnected): either way, one outcome.
        assert sum(limited.sessions.outcomes.values()) == 1, limited.sessions.outcomes
        assert set(limited.sessions.outcomes) <= {"client_error", "disconnected"}
        await wait_for(lambda: engine.stats()["sessions"] == 0, seconds=10)
        ws.transport.abort()
    finally:
        await limited.close()


@pytest.mark.timeout(120)
async def test_a_draining_server_lets_replies_end_then_closes_going_away(engine: Engine) -> None:
    """A protocol 2 connection lives as long as the conversation: a drain must not wait for it
    to the drain timeout. An idle one goes at once, a speaking one after its reply (1001)."""
    draining = await start_live_server(engine, limits=Limits(auto_sessions=False, max_sessions=4))
    try:
        idle, _, _ = await open_v2(draining)
        busy, reader, _ = await open_v2(draining, word_timestamps=True)
        await say(busy, "last", [REPLY])
        await reader.until("last", "audio")
        draining.drain()
        with pytest.raises(ConnectionClosed) as idle_closed:
            await asyncio.wait_for(idle.recv(), 5)
        assert idle_closed.value.rcvd is not None and idle_closed.value.rcvd.code == 1001
        assert (await reader.until("last", "end"))["type"] == "end"
        check_words(reader.contexts["last"], REPLY)
        with pytest.raises(ConnectionClosed) as busy_closed:
            await reader.next()
        assert busy_closed.value.rcvd is not None and busy_closed.value.rcvd.code == 1001
        await wait_for(lambda: draining.in_progress == 0, seconds=10)
        assert draining.context_counters.completed == 1
    finally:
        await draining.close()

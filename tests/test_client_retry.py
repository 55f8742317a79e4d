"""The client's retry, against real servers: a live session cut off before any audio is tried
once more on a fresh connection (here a loopback forwarder sends it to a second server, as a load
balancer would), with the text sent so far; after audio has played the error is raised instead.
Also ``/ready`` of a full server, and a drained server's refusal on both WebSocket doors."""

from __future__ import annotations

import asyncio
import contextlib
import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import connect

from wyoming_kokoro.client import KokoroClient, KokoroConnectionError, KokoroServerError
from wyoming_kokoro.config import Limits
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.server.host import LiveServer
from wyoming_kokoro.texttape import TextTape

from .helpers import assert_speech, start_live_server, wait_for

TEXT = ["Okay, the kitchen lights ", "are on now. ", "The front door is locked."]
WORDS = 11


class Forwarder:
    """Loopback TCP: the n-th connection goes to ``backends[n]`` (the last one after that)."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.connections: list[int] = []
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def __aenter__(self) -> Forwarder:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for pipe in self._pipes:
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = self.backends[min(len(self.connections), len(self.backends) - 1)]
        self.connections.append(port)
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
        pipes = [
            asyncio.create_task(_pipe(reader, up_writer)),
            asyncio.create_task(_pipe(up_reader, writer)),
        ]
        self._pipes.update(pipes)
        await asyncio.wait(pipes)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        with contextlib.suppress(ConnectionError):
            writer.close()


@pytest.fixture
async def two(engine: Engine) -> AsyncIterator[tuple[LiveServer, LiveServer]]:
    first, second = await start_live_server(engine), await start_live_server(engine)
    yield first, second
    await first.close()
    await second.close()


async def pieces(before_wait: list[str], gate: asyncio.Event | None = None) -> AsyncIterator[str]:
    for piece in before_wait:
        yield piece
    if gate is not None:
        await gate.wait()


async def test_refused_by_a_draining_server_the_client_retries_elsewhere(
    two: tuple[LiveServer, LiveServer],
) -> None:
    draining, healthy = two
    draining.drain()
    async with Forwarder([draining.port, healthy.port]) as forwarder:
        client = KokoroClient(forwarder.url, language="en-us")
        pcm = b"".join([chunk async for chunk in client.stream_synthesis(pieces(TEXT))])
    assert forwarder.connections == [draining.port, healthy.port]
    assert_speech(pcm, WORDS)
    assert draining.sessions.outcomes.total() == 0
    assert healthy.sessions.outcomes["completed"] == 1


async def test_cut_off_before_audio_the_text_sent_so_far_is_sent_again(
    two: tuple[LiveServer, LiveServer],
) -> None:
    first, second = two
    gate = asyncio.Event()

    async def text() -> AsyncIterator[str]:
        yield "The kitchen lights are"  # no audio yet: not a whole phrase
        await gate.wait()
        yield " on now. The front door is locked."

    ports = [first.port, second.port]
    async with Forwarder(ports) as forwarder:
        client = KokoroClient(forwarder.url, language="en-us")
        heard: list[bytes] = []

        async def listen() -> None:
            async for chunk in client.stream_synthesis(text()):
                heard.append(chunk)

        listener = asyncio.create_task(listen())
        await wait_for(lambda: first.sessions.sessions == 1)
        await first.close()  # the server goes away (1001) before any audio
        await wait_for(lambda: second.sessions.sessions == 1)
        gate.set()
        await asyncio.wait_for(listener, 30)
    assert forwarder.connections == ports
    assert_speech(b"".join(heard), 11)  # the first words were sent again, none lost


async def test_after_audio_played_the_error_is_raised_not_retried(
    two: tuple[LiveServer, LiveServer],
) -> None:
    first, second = two
    gate = asyncio.Event()
    ports = [first.port, second.port]
    async with Forwarder(ports) as forwarder:
        client = KokoroClient(forwarder.url, language="en-us")
        stream = client.stream_synthesis(pieces(["Hello there, how are you today? "], gate))
        async with contextlib.aclosing(stream):
            assert await anext(stream)  # audio played
            await first.close()
            with pytest.raises(KokoroConnectionError, match="code 1001"):
                async for _ in stream:
                    pass
    assert forwarder.connections == ports[:1]


async def test_a_bad_request_is_not_retried(two: tuple[LiveServer, LiveServer]) -> None:
    first, second = two
    async with Forwarder([first.port, second.port]) as forwarder:
        client = KokoroClient(forwarder.url, voice="no_such_voice")
        with pytest.raises(KokoroServerError, match="no_such_voice"):
            async for _ in client.stream_synthesis(pieces(TEXT)):
                pass
    assert forwarder.connections == [first.port]


async def test_busy_twice_raises_the_busy_error(engine: Engine) -> None:
    server = await start_live_server(engine, limits=Limits(max_sessions=1))
    try:
        async with connect(f"ws://127.0.0.1:{server.port}/ws/tts/live"):
            await wait_for(lambda: server.sessions.full)
            client = KokoroClient(f"ws://127.0.0.1:{server.port}")
            with pytest.raises(KokoroServerError, match="busy"):
                async for _ in client.stream_synthesis(pieces(TEXT)):
                    pass
        exposition = server.metrics.exposition().decode()
        assert 'kokoro_sessions_refused_busy_total{door="live"} 2.0' in exposition  # one retry
    finally:
        await server.close()


def get(port: int, path: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


async def test_ready_is_503_full_at_the_admission_limit(engine: Engine) -> None:
    server = await start_live_server(engine, limits=Limits(max_sessions=1))
    try:
        assert (await asyncio.to_thread(get, server.port, "/ready"))[0] == 200
        async with connect(f"ws://127.0.0.1:{server.port}/ws/tts/live"):
            await wait_for(lambda: server.sessions.full)
            status, body = await asyncio.to_thread(get, server.port, "/ready")
            assert (status, body["status"], body["sessions"]) == (503, "full", 1)
            assert (await asyncio.to_thread(get, server.port, "/health"))[0] == 200
        await wait_for(lambda: not server.sessions.sessions)
        assert (await asyncio.to_thread(get, server.port, "/ready"))[0] == 200
    finally:
        await server.close()


async def test_text_tape_replays_and_reraises() -> None:
    async def source() -> AsyncIterator[str]:
        yield "a"
        yield "b"
        raise ValueError("the LLM failed")

    tape = TextTape(source())
    for _ in range(2):  # every replay from the first piece, with the source's error at its place
        seen: list[str] = []
        with pytest.raises(ValueError, match="the LLM failed"):
            async for piece in tape.replay():
                seen.append(piece)
        assert seen == ["a", "b"]
    await tape.aclose()

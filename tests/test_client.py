"""The voicebot client against a real server on a real socket with the real model."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import subprocess
import sys
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from websockets.asyncio.client import connect
from websockets.asyncio.server import Server, ServerConnection, serve

from wyoming_kokoro.client import (
    KokoroClientConfig,
    KokoroConnectionError,
    KokoroEndpointUnavailableError,
    KokoroLocalProvider,
    KokoroProtocolError,
    KokoroServerError,
    collect,
    endpoint_urls,
)
from wyoming_kokoro.config import Limits
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.server.buffered import BUFFERED_PATH
from wyoming_kokoro.server.host import LiveServer
from wyoming_kokoro.server.live import LIVE_PATH

from .helpers import start_live_server, synthesize_text, wait_for

HELLO = "Hello there, this is a test."
#: Two sentences: more than one segment, little CPU.
REPLY = "Okay, the kitchen lights are on. The front door is locked."
LONG_TEXT = " ".join(
    f"This is sentence number {n}, and it goes on for a little while." for n in range(1, 25)
)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[LiveServer]:
    live = await start_live_server(engine)
    yield live
    await live.close()


def provider_for(port: int, **options: Any) -> KokoroLocalProvider:
    config = KokoroClientConfig(
        kokoro_local_url=f"ws://127.0.0.1:{port}/ws/tts/stream", language="en-us", **options
    )
    return KokoroLocalProvider(config)


async def pieces(*texts: str, delay: float = 0.0) -> AsyncIterator[str]:
    for text in texts:
        if delay:
            await asyncio.sleep(delay)
        yield text


def words(text: str) -> list[str]:
    parts = text.split(" ")
    return [part + " " for part in parts[:-1]] + [parts[-1]]


_expected: dict[str, bytes] = {}


async def expected_audio(engine: Engine, text: str) -> bytes:
    """What the engine itself makes of ``text`` with the server's defaults (cached)."""
    if text not in _expected:
        _expected[text] = await synthesize_text(
            engine, text, engine.speech_params(None, "en-us", None)
        )
    return _expected[text]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_client_imports_without_the_engine_dependencies() -> None:
    blocked = ("numpy", "onnxruntime", "kokoro_onnx")
    code = (
        f"import sys\nfor name in {blocked!r}: sys.modules[name] = None\n"
        "import wyoming_kokoro.client, wyoming_kokoro.connection, wyoming_kokoro.say\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize(
    ("url", "live", "buffered"),
    [
        ("ws://h:8880", "ws://h:8880/ws/tts/live", "ws://h:8880/ws/tts/stream"),
        ("http://h:8880/", "ws://h:8880/ws/tts/live", "ws://h:8880/ws/tts/stream"),
        ("https://h", "wss://h/ws/tts/live", "wss://h/ws/tts/stream"),
        ("ws://h:1/ws/tts/stream", "ws://h:1/ws/tts/live", "ws://h:1/ws/tts/stream"),
        ("wss://h/ws/tts/live", "wss://h/ws/tts/live", "wss://h/ws/tts/stream"),
        (
            "wss://p/kokoro/ws/tts/stream?k=1",
            "wss://p/kokoro/ws/tts/live?k=1",
            "wss://p/kokoro/ws/tts/stream?k=1",
        ),
    ],
)
def test_endpoint_urls_from_base_or_endpoint(url: str, live: str, buffered: str) -> None:
    assert endpoint_urls(url) == (live, buffered)


@pytest.mark.parametrize("url", ["h:8880", "ftp://h", "ws://"])
def test_invalid_url_is_refused_clearly(url: str) -> None:
    with pytest.raises(KokoroConnectionError, match="Invalid Kokoro server URL"):
        endpoint_urls(url)


async def test_live_audio_is_exactly_what_the_server_synthesizes(
    server: LiveServer, engine: Engine
) -> None:
    provider = provider_for(server.port)
    received = await collect(provider.live_stream_synthesis(pieces(REPLY)))
    assert received == await expected_audio(engine, REPLY)


async def test_stream_synthesis_of_an_llm_token_stream(server: LiveServer, engine: Engine) -> None:
    provider = provider_for(server.port)
    chunks = [c async for c in provider.stream_synthesis(pieces(*words(REPLY), delay=0.01))]
    assert len(chunks) > 1
    assert b"".join(chunks) == await expected_audio(engine, REPLY)


async def test_server_error_carries_the_message_and_is_not_retried(server: LiveServer) -> None:
    provider = provider_for(server.port, voice_id="xx_nobody")
    for synthesize in (provider.live_stream_synthesis, provider.stream_synthesis):
        with pytest.raises(KokoroServerError, match="Unknown voice 'xx_nobody'") as caught:
            await collect(synthesize(pieces(HELLO)))
        assert "Available:" in caught.value.message


async def test_unreachable_server_is_a_connection_error() -> None:
    provider = provider_for(free_port(), open_timeout=2.0)
    for synthesize in (provider.live_stream_synthesis, provider.stream_synthesis):
        with pytest.raises(KokoroConnectionError, match="is the Kokoro server running"):
            await collect(synthesize(pieces(HELLO)))


@pytest.mark.parametrize("how", ["break", "aclose"])
async def test_stopping_early_cancels_the_server_session(
    server: LiveServer, engine: Engine, how: str
) -> None:
    provider = provider_for(server.port)
    before = engine.stats()["segments_synthesized"]
    stream = provider.stream_synthesis(pieces(LONG_TEXT))
    if how == "break":
        async for _chunk in stream:
            break
        del stream  # the caller drops it: the event loop's finalizer closes it
    else:
        await anext(stream)
        await stream.aclose()
    await wait_for(
        lambda: (
            server.counters.sessions == 0
            and engine.stats()["sessions"] == 0
            and engine.stats()["running_segments"] == 0
        )
    )
    settled = engine.stats()["segments_synthesized"]
    await asyncio.sleep(1.0)
    assert engine.stats()["segments_synthesized"] == settled
    # The text has 24 sentences; only the few already running or queued were synthesized.
    assert settled - before < 8


async def test_text_source_failure_reaches_the_caller_and_ends_the_session(
    server: LiveServer,
) -> None:
    async def failing() -> AsyncIterator[str]:
        yield "Hello there. "
        await asyncio.sleep(0.1)
        raise RuntimeError("the LLM went away")

    provider = provider_for(server.port)
    with pytest.raises(RuntimeError, match="the LLM went away"):
        await collect(provider.stream_synthesis(failing()))
    await wait_for(lambda: server.counters.sessions == 0)


async def test_same_provider_works_across_a_server_restart(engine: Engine) -> None:
    first = await start_live_server(engine)
    port = first.port
    provider = provider_for(port)
    try:
        assert await collect(provider.stream_synthesis(pieces("Before."))) != b""
    finally:
        await first.close()
    with pytest.raises(KokoroConnectionError):
        await collect(provider.stream_synthesis(pieces("While down.")))
    second = await start_live_server(engine, port=port)
    try:
        assert await collect(provider.stream_synthesis(pieces("After."))) != b""
    finally:
        await second.close()


async def test_falls_back_to_buffered_when_live_is_refused_and_logs_once(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    old = await start_live_server(engine, doors=[BUFFERED_PATH])  # no live endpoint
    provider = provider_for(old.port)
    try:
        with caplog.at_level(logging.WARNING, logger="wyoming_kokoro.client"):
            first = await collect(provider.stream_synthesis(pieces(*words(HELLO))))
            second = await collect(provider.stream_synthesis(pieces(HELLO)))
    finally:
        await old.close()
    expected = await expected_audio(engine, HELLO)
    assert first == second == expected
    warnings = [r for r in caplog.records if r.name == "wyoming_kokoro.client"]
    assert len(warnings) == 1
    assert "HTTP 404" in warnings[0].getMessage()
    assert "buffered" in warnings[0].getMessage()


@pytest.mark.parametrize("mode", ["live", "buffered"])
async def test_busy_server_is_a_server_error(engine: Engine, mode: str) -> None:
    busy = await start_live_server(engine, limits=Limits(auto_sessions=False, max_sessions=1))
    try:
        async with connect(f"ws://127.0.0.1:{busy.port}/ws/tts/live"):
            await wait_for(lambda: busy.counters.sessions == 1)
            provider = provider_for(busy.port, mode=mode)
            with pytest.raises(KokoroServerError, match="Server busy"):
                await collect(provider.stream_synthesis(pieces(HELLO)))
    finally:
        await busy.close()


async def test_buffered_mode_uses_the_buffered_endpoint(
    server: LiveServer, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    provider = provider_for(server.port, mode="buffered")
    with caplog.at_level(logging.DEBUG, logger="wyoming_kokoro.client"):
        audio = await collect(provider.stream_synthesis(pieces(*words(HELLO))))
    assert audio == await expected_audio(engine, HELLO)
    assert not caplog.records  # live was never tried
    only_live = await start_live_server(engine, doors=[LIVE_PATH])
    try:
        provider = provider_for(only_live.port, mode="buffered")
        with pytest.raises(KokoroEndpointUnavailableError, match="/ws/tts/stream refused"):
            await collect(provider.stream_synthesis(pieces(HELLO)))
    finally:
        await only_live.close()


# -- protocol checks against a scripted server (a misbehaving server cannot exist otherwise) --

Script = Callable[[ServerConnection], Awaitable[None]]


@contextlib.asynccontextmanager
async def scripted(script: Script) -> AsyncIterator[int]:
    async def handler(ws: ServerConnection) -> None:
        await ws.recv()  # init
        await ws.send(json.dumps({"type": "ready", "sample_rate": 24000, "format": "pcm_s16le"}))
        await script(ws)

    server: Server = await serve(handler, "127.0.0.1", 0)
    try:
        yield next(iter(server.sockets)).getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def read_until_end(ws: ServerConnection) -> list[str | bytes]:
    received = []
    while (message := await ws.recv()) != "":
        received.append(message)
    return received


async def send_audio(ws: ServerConnection, chunk_id: int, size: int, payload: bytes) -> None:
    await ws.send(json.dumps({"type": "audio", "chunk_id": chunk_id, "size": size}))
    await ws.send(payload)


@pytest.mark.parametrize(
    ("script", "match"),
    [
        (lambda ws: send_audio(ws, 2, 4, b"\0" * 4), "chunk 2 arrived after chunk 0"),
        (lambda ws: send_audio(ws, 1, 8, b"\0" * 4), "announced 8 bytes and carried 4"),
        (lambda ws: send_audio(ws, 1, 4, "text"), "followed by text"),  # type: ignore[arg-type]
        (lambda ws: ws.send("not json"), "Expected a control message as JSON"),
        (lambda ws: ws.send(json.dumps({"type": "end", "total_chunks": 3})), "announced 3"),
    ],
)
async def test_protocol_violations_are_reported(script: Script, match: str) -> None:
    async def run(ws: ServerConnection) -> None:
        await read_until_end(ws)
        await script(ws)
        await ws.wait_closed()

    async with scripted(run) as port:
        with pytest.raises(KokoroProtocolError, match=match):
            await collect(provider_for(port).live_stream_synthesis(pieces(HELLO)))


async def test_drop_mid_stream_is_a_connection_error() -> None:
    async def run(ws: ServerConnection) -> None:
        await read_until_end(ws)
        await send_audio(ws, 1, 4, b"\0" * 4)
        await ws.close(1011, "engine crashed")

    async with scripted(run) as port:
        received: list[bytes] = []
        with pytest.raises(KokoroConnectionError, match=r"code 1011: engine crashed"):
            async for chunk in provider_for(port).live_stream_synthesis(pieces(HELLO)):
                received.append(chunk)
        assert received == [b"\0" * 4]


async def test_receive_timeout_counts_from_the_last_text_sent() -> None:
    async def run(ws: ServerConnection) -> None:
        text = await read_until_end(ws)
        if text == ["one ", "two ", "three."]:  # only answers once the text has ended
            await send_audio(ws, 1, 2, b"\1\0")
            await ws.send(json.dumps({"type": "end", "total_chunks": 1}))
        await ws.wait_closed()

    async with scripted(run) as port:
        provider = provider_for(port, receive_timeout=0.5)
        # Text keeps coming for longer than the timeout: the session stays up.
        slow = pieces("one ", "two ", "three.", delay=0.3)
        assert await collect(provider.live_stream_synthesis(slow)) == b"\1\0"
        # The text has ended and the server stays silent: the timeout fires.
        with pytest.raises(KokoroConnectionError, match=r"sent nothing for 0.5 s"):
            await collect(provider.live_stream_synthesis(pieces("silence")))


# -- the say CLI, as a real process --------------------------------------------------------


async def run_say(*args: str, stdin: bytes | None = None) -> tuple[int, bytes, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "wyoming_kokoro.say",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin), 300)
    assert process.returncode is not None
    return process.returncode, out, err.decode()


async def test_say_writes_a_wav_file(server: LiveServer, engine: Engine, tmp_path: Path) -> None:
    target = tmp_path / "hello.wav"
    url = f"ws://127.0.0.1:{server.port}"
    code, _, err = await run_say(HELLO, "--url", url, "--language", "en-us", "-o", str(target))
    assert code == 0, err
    assert "first audio after" in err
    with wave.open(str(target), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 24000)
        pcm = wav.readframes(wav.getnframes())
    assert pcm == await expected_audio(engine, HELLO)


async def test_say_streams_stdin_lines_to_raw_pcm(server: LiveServer, engine: Engine) -> None:
    first, second = "Okay, the kitchen lights are on.\n", "The front door is locked.\n"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "wyoming_kokoro.say", "--url", f"http://127.0.0.1:{server.port}/"),
        *("--language", "en-us", "-o", "-"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(first.encode())
    await process.stdin.drain()
    # Audio for the first line comes out while standard input is still open.
    head = await asyncio.wait_for(process.stdout.read(4096), 120)
    assert head
    process.stdin.write(second.encode())
    process.stdin.close()
    rest, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    assert head + rest == await expected_audio(engine, first + second)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--url", f"ws://127.0.0.1:{free_port()}"], "is the Kokoro server running?"),
        (["--url", "nowhere"], "Invalid Kokoro server URL"),
    ],
)
async def test_say_reports_errors_in_one_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    code, _, err = await run_say("Hello.", *args, "-o", str(tmp_path / "x.wav"))
    assert code != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


async def test_say_reports_server_errors(server: LiveServer) -> None:
    url = f"ws://127.0.0.1:{server.port}"
    code, _, err = await run_say("Hi.", "--url", url, "--voice", "xx_nobody", "-o", "-")
    assert code == 1
    assert err.startswith("wyoming-kokoro say: server error: Unknown voice 'xx_nobody'")

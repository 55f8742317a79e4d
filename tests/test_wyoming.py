"""The Wyoming server over a real socket, with the ``wyoming`` library's own client and the real
model, driven the way Home Assistant's ``wyoming`` integration drives it."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
import pytest_asyncio
from wyoming.audio import AudioChunk, AudioStart
from wyoming.client import AsyncClient, AsyncTcpClient, AsyncUnixClient
from wyoming.error import Error
from wyoming.event import Event, read_event
from wyoming.info import Describe, Info
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeVoice,
)

from wyoming_kokoro import __version__
from wyoming_kokoro.config import Limits
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.audio import duration_seconds
from wyoming_kokoro.engine.languages import describe_voice
from wyoming_kokoro.server.wyoming import WyomingServer
from wyoming_kokoro.server.wyoming.info import build_info, voice_for_locale, voice_locales
from wyoming_kokoro.server.wyoming.zeroconf import ZEROCONF_TYPE, advertised_address

from .helpers import TEST_SETTINGS, assert_speech, engine_idle, synthesize_text, wait_for

REPLY = (
    "Okay, I turned on the kitchen lights and set the thermostat to twenty one degrees. "
    "The front door is locked, and the garage is closed. "
    "Tomorrow it will rain in the afternoon, so take an umbrella."
)
SHORT = "The front door is locked, and the garage is closed."
SAMPLES_PER_CHUNK = 1024
TIMEOUT = 90.0


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[WyomingServer]:
    wyoming = WyomingServer(engine, replace(TEST_SETTINGS, samples_per_chunk=SAMPLES_PER_CHUNK))
    await wyoming.start()
    yield wyoming
    await wyoming.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def whole(server: WyomingServer) -> Reply:
    """The reference reply, asked for in one piece (the one-shot path)."""
    return await synthesize(server, REPLY)


def client(server: WyomingServer) -> AsyncTcpClient:
    return AsyncTcpClient("127.0.0.1", server.port, read_timeout=TIMEOUT)


@dataclass
class Reply:
    """The events one request got back, with when the first audio chunk arrived."""

    events: list[Event] = field(default_factory=list)
    first_audio_at: float | None = None

    @property
    def types(self) -> list[str]:
        return [event.type for event in self.events]

    @property
    def chunks(self) -> list[AudioChunk]:
        return [AudioChunk.from_event(e) for e in self.events if AudioChunk.is_type(e.type)]

    @property
    def pcm(self) -> bytes:
        return b"".join(chunk.audio for chunk in self.chunks)

    @property
    def errors(self) -> list[str]:
        return [Error.from_event(e).text for e in self.events if Error.is_type(e.type)]

    def assert_one_audio_stream(self) -> None:
        """audio-start first, then only chunks, then audio-stop: each exactly once."""
        types = [t for t in self.types if t != "synthesize-stopped"]
        assert types.count("audio-start") == 1, self.types
        assert types.count("audio-stop") == 1, self.types
        assert types[0] == "audio-start" and types[-1] == "audio-stop", self.types
        assert set(types[1:-1]) <= {"audio-chunk"}, self.types
        start = AudioStart.from_event(self.events[self.types.index("audio-start")])
        assert (start.rate, start.width, start.channels) == (24_000, 2, 1)
        for chunk in self.chunks:
            assert (chunk.rate, chunk.width, chunk.channels) == (24_000, 2, 1)


async def read_until(connection: AsyncClient, last: str, reply: Reply | None = None) -> Reply:
    """Events until one of type ``last`` (or an error, for requests that fail)."""
    reply = reply or Reply()
    while True:
        event = await connection.read_event()
        assert event is not None, f"connection closed after {reply.types}"
        reply.events.append(event)
        if AudioChunk.is_type(event.type) and reply.first_audio_at is None:
            reply.first_audio_at = time.monotonic()
        if event.type == last or (Error.is_type(event.type) and last == "audio-stop"):
            return reply


async def synthesize(
    server: WyomingServer, text: str, voice: SynthesizeVoice | None = None
) -> Reply:
    """A one-shot request, as Home Assistant sends it to a server without streaming."""
    async with client(server) as connection:
        await connection.write_event(Synthesize(text=text, voice=voice).event())
        return await read_until(connection, "audio-stop")


@dataclass
class StreamResult:
    reply: Reply
    stop_sent_at: float


async def stream(
    server: WyomingServer | int,
    pieces: Sequence[str],
    interval: float = 0.0,
    voice: SynthesizeVoice | None = None,
) -> StreamResult:
    """A streamed request exactly as Home Assistant writes it: start, chunks, the full text
    again as ``synthesize``, stop; audio is read while the text is still being written."""
    port = server if isinstance(server, int) else server.port
    async with AsyncTcpClient("127.0.0.1", port, read_timeout=TIMEOUT) as connection:
        reading = asyncio.create_task(read_until(connection, "synthesize-stopped"))
        await connection.write_event(SynthesizeStart(voice=voice).event())
        for piece in pieces:
            await connection.write_event(SynthesizeChunk(text=piece).event())
            if interval:
                await asyncio.sleep(interval)
        await connection.write_event(Synthesize(text="".join(pieces), voice=voice).event())
        stop_sent_at = time.monotonic()
        await connection.write_event(SynthesizeStop().event())
        reply = await asyncio.wait_for(reading, TIMEOUT)
    return StreamResult(reply, stop_sent_at)


def cut(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


async def describe(connection: AsyncClient) -> Info:
    await connection.write_event(Describe().event())
    event = await connection.read_event()
    assert event is not None and Info.is_type(event.type)
    return Info.from_event(event)


async def wait_for_idle(server: WyomingServer, engine: Engine) -> None:
    await wait_for(lambda: engine_idle(engine) and not server.handlers, seconds=10)


# -- describe ---------------------------------------------------------------------------------


async def test_describe_lists_the_program_and_every_voice_under_the_spoken_locale(
    server: WyomingServer, engine: Engine
) -> None:
    async with client(server) as connection:
        info = await describe(connection)
    [program] = info.tts
    assert program.name == "kokoro-live"
    assert program.version == __version__
    assert program.installed and program.supports_synthesize_streaming
    assert program.attribution.name == "hexgrad"
    assert program.attribution.url == "https://huggingface.co/hexgrad/Kokoro-82M"
    assert [voice.name for voice in program.voices] == engine.voices.names
    # The server was started with --language en-us: every voice speaks English (US).
    assert {tuple(voice.languages) for voice in program.voices} == {("en_US",)}
    assert len(program.voices) == 54
    heart = next(voice for voice in program.voices if voice.name == "af_heart")
    assert heart.description == "Heart (English (US), female)"
    assert heart.installed


async def test_without_language_each_voice_is_listed_under_its_own_locale(engine: Engine) -> None:
    native = Engine(
        engine._model, engine.voices, replace(engine.settings, language=None), engine.description
    )
    try:
        [program] = build_info(native, streaming=True).tts
    finally:
        await asyncio.to_thread(native.close)
    languages = {voice.name: voice.languages for voice in program.voices}
    assert languages["jm_kumo"] == ["ja_JP"]
    assert languages["ff_siwis"] == ["fr_FR"] and languages["bf_emma"] == ["en_GB"]
    assert languages["zf_xiaobei"] == ["zh_CN"] and languages["pf_dora"] == ["pt_BR"]
    locales = voice_locales(native)
    # Home Assistant asks by locale alone: each language's natural voice answers.
    assert voice_for_locale(locales, "fr_FR", native.default_params.voice) == "ff_siwis"
    assert voice_for_locale(locales, "es-ES", native.default_params.voice) == "ef_dora"
    assert voice_for_locale(locales, "en_GB", native.default_params.voice) == "bf_emma"
    assert voice_for_locale(locales, "en", native.default_params.voice) == "af_heart"
    assert describe_voice("af_heart") == "Heart (English (US), female)"
    assert describe_voice("bm_george") == "George (English (UK), male)"
    assert describe_voice("zm_yunxi") == "Yunxi (Chinese (Mandarin), male)"


async def test_describe_answers_at_once_while_others_synthesize(
    server: WyomingServer, engine: Engine
) -> None:
    started = asyncio.Event()
    busy = 0

    async def load() -> Reply:
        nonlocal busy
        async with client(server) as connection:
            await connection.write_event(Synthesize(text=SHORT).event())
            reply = await read_until(connection, "audio-start")
            busy += 1
            if busy == 3:
                started.set()
            return await read_until(connection, "audio-stop", reply)

    loads = [asyncio.create_task(load()) for _ in range(3)]
    await asyncio.wait_for(started.wait(), TIMEOUT)
    waits = []
    async with client(server) as connection:
        for _ in range(5):
            began = time.monotonic()
            await describe(connection)
            waits.append(time.monotonic() - began)
            await asyncio.sleep(0.05)
    still_busy = engine.stats()["sessions"]
    replies = await asyncio.gather(*loads)
    assert still_busy > 0, "the load ended before the describes: nothing was measured"
    assert all(reply.pcm for reply in replies)
    assert max(waits) < 1.0, waits


# -- one-shot synthesize ----------------------------------------------------------------------


async def test_synthesize_is_one_audio_stream_in_fixed_size_chunks(whole: Reply) -> None:
    reply = whole
    reply.assert_one_audio_stream()
    sizes = [len(chunk.audio) for chunk in reply.chunks]
    assert all(size == SAMPLES_PER_CHUNK * 2 for size in sizes[:-1]), sizes
    assert 0 < sizes[-1] <= SAMPLES_PER_CHUNK * 2
    assert_speech(reply.pcm, len(REPLY.split()))


async def test_wyoming_audio_is_the_engine_audio(server: WyomingServer, engine: Engine) -> None:
    voice = "am_michael"
    expected = await synthesize_text(engine, SHORT, engine.speech_params(voice))
    reply = await synthesize(server, SHORT, SynthesizeVoice(name=voice))
    assert reply.pcm == expected
    streamed = await stream(server, [SHORT], voice=SynthesizeVoice(name=voice))
    assert streamed.reply.pcm == expected


async def test_empty_text_gives_an_empty_audio_stream(server: WyomingServer) -> None:
    reply = await synthesize(server, "  \n ")
    assert reply.types == ["audio-start", "audio-stop"]
    streamed = await stream(server, [])
    assert streamed.reply.types == ["audio-start", "audio-stop", "synthesize-stopped"]


async def test_voice_by_language_and_unknown_voice(server: WyomingServer) -> None:
    by_language = await synthesize(server, "Hello.", SynthesizeVoice(language="en_US"))
    by_language.assert_one_audio_stream()
    assert by_language.pcm

    unknown = await synthesize(server, "Hello.", SynthesizeVoice(name="nobody"))
    assert unknown.types == ["error"]
    assert "Unknown voice 'nobody'" in unknown.errors[0]
    assert "af_heart" in unknown.errors[0]  # says what is available

    no_such_language = await synthesize(server, "Hello.", SynthesizeVoice(language="de_DE"))
    assert no_such_language.types == ["error"]
    assert "de_DE" in no_such_language.errors[0]

    # Streaming: the error comes at once, the rest of the stream is dropped and still ended.
    streamed = await stream(server, cut(SHORT, 4), voice=SynthesizeVoice(name="nobody"))
    assert streamed.reply.types == ["error", "synthesize-stopped"]


# -- streaming --------------------------------------------------------------------------------


async def test_streamed_deltas_are_spoken_once_and_heard_before_the_text_ends(
    server: WyomingServer, whole: Reply
) -> None:
    # As Home Assistant forwards an LLM's output: 4 characters (cut mid-word) every 100 ms,
    # then the whole text again as ``synthesize``, then ``synthesize-stop``.
    result = await stream(server, cut(REPLY, 4), interval=0.1)
    reply = result.reply
    assert reply.types[-1] == "synthesize-stopped"
    reply.assert_one_audio_stream()
    assert_speech(reply.pcm, len(REPLY.split()))
    assert reply.first_audio_at is not None
    assert reply.first_audio_at < result.stop_sent_at, "no audio until the text had ended"
    # The full-text ``synthesize`` inside the stream was not spoken a second time.
    ratio = duration_seconds(reply.pcm) / duration_seconds(whole.pcm)
    assert 0.85 < ratio < 1.15, ratio


async def test_stream_without_pauses_between_pieces(server: WyomingServer) -> None:
    result = await stream(server, cut(SHORT, 3))
    result.reply.assert_one_audio_stream()
    assert_speech(result.reply.pcm, len(SHORT.split()))


# -- robustness -------------------------------------------------------------------------------


async def test_unknown_and_stray_events_are_ignored(server: WyomingServer) -> None:
    async with client(server) as connection:
        await connection.write_event(Event(type="bogus-event", data={"x": 1}))
        await connection.write_event(SynthesizeChunk(text="outside a stream").event())
        await connection.write_event(SynthesizeStop().event())
        await connection.write_event(Event(type="synthesize", data={"voice": {}}))  # no text
        malformed = await connection.read_event()
        assert malformed is not None and Error.is_type(malformed.type)
        assert "Malformed synthesize event" in Error.from_event(malformed).text
        assert (await describe(connection)).tts  # same connection, still served
        await connection.write_event(Synthesize(text="Still here.").event())
        reply = await read_until(connection, "audio-stop")
    reply.assert_one_audio_stream()
    assert reply.pcm


async def test_client_vanishing_mid_stream_cancels_its_synthesis(
    server: WyomingServer, engine: Engine
) -> None:
    connection = client(server)
    await connection.connect()
    await connection.write_event(SynthesizeStart().event())
    await connection.write_event(SynthesizeChunk(text=REPLY[:100]).event())
    reply = await read_until(connection, "audio-chunk")
    assert reply.pcm
    await connection.disconnect()  # mid-stream, text unfinished, audio unread
    await wait_for_idle(server, engine)

    connection = client(server)
    await connection.connect()
    await connection.write_event(Synthesize(text=REPLY * 3).event())
    await read_until(connection, "audio-chunk")
    await connection.disconnect()  # one-shot request, most of it not yet synthesized
    await wait_for_idle(server, engine)
    done = engine.stats()["segments_synthesized"]
    await asyncio.sleep(1.0)
    assert engine.stats()["segments_synthesized"] == done  # no work goes on for nobody

    again = await synthesize(server, SHORT)  # the server still serves
    again.assert_one_audio_stream()


async def test_five_clients_at_once(server: WyomingServer, engine: Engine) -> None:
    jobs = [
        synthesize(server, SHORT),
        synthesize(server, SHORT, SynthesizeVoice(name="am_michael")),
        stream(server, cut(SHORT, 4)),
        stream(server, cut(SHORT, 7), voice=SynthesizeVoice(name="af_nova")),
        stream(server, SHORT.split(" ")),
    ]
    results = await asyncio.gather(*jobs)
    for result in results:
        reply = result if isinstance(result, Reply) else result.reply
        reply.assert_one_audio_stream()
        assert_speech(reply.pcm, len(SHORT.split()))
    await wait_for_idle(server, engine)


async def test_no_streaming_is_not_advertised_but_a_stream_is_still_served(
    engine: Engine,
) -> None:
    settings = replace(TEST_SETTINGS, streaming=False)
    wyoming = WyomingServer(engine, settings)
    await wyoming.start()
    try:
        async with client(wyoming) as connection:
            info = await describe(connection)
        assert not info.tts[0].supports_synthesize_streaming
        result = await stream(wyoming, cut(SHORT, 5))
        assert result.reply.types[-1] == "synthesize-stopped"
        result.reply.assert_one_audio_stream()
        assert_speech(result.reply.pcm, len(SHORT.split()))
    finally:
        await wyoming.close()


async def test_unix_socket(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "kokoro.sock"
    wyoming = WyomingServer(engine, replace(TEST_SETTINGS, uri=f"unix://{path}"))
    await wyoming.start()
    try:
        async with AsyncUnixClient(str(path), read_timeout=TIMEOUT) as connection:
            assert (await describe(connection)).tts[0].name == "kokoro-live"
            await connection.write_event(Synthesize(text="Hello.").event())
            reply = await read_until(connection, "audio-stop")
        reply.assert_one_audio_stream()
        assert reply.pcm
    finally:
        await wyoming.close()


def test_advertised_address_is_never_a_wildcard() -> None:
    assert advertised_address("192.168.7.9") == "192.168.7.9"
    for wildcard in ("0.0.0.0", "::"):
        address = advertised_address(wildcard)
        assert address not in ("0.0.0.0", "::", "")


async def test_zeroconf_announces_the_real_address(engine: Engine) -> None:
    pytest.importorskip("zeroconf")
    from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

    name = f"kokoro-test-{time.monotonic_ns()}"
    settings = replace(TEST_SETTINGS, uri="tcp://0.0.0.0:0", zeroconf=name)

    async def lookup() -> AsyncServiceInfo | None:
        browser = AsyncZeroconf()
        try:
            info = AsyncServiceInfo(ZEROCONF_TYPE, f"{name}.{ZEROCONF_TYPE}")
            return info if await info.async_request(browser.zeroconf, 3000) else None
        finally:
            await browser.async_close()

    wyoming = WyomingServer(engine, settings)
    await wyoming.start()
    try:
        found = await lookup()
        assert found is not None, "not announced"
        assert found.port == wyoming.port
        assert found.parsed_addresses() == [advertised_address("0.0.0.0")]
        assert "0.0.0.0" not in found.parsed_addresses()
    finally:
        await wyoming.close()
    assert await lookup() is None, "still announced after close"


async def test_zeroconf_without_the_package_is_a_clear_error(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "zeroconf", None)  # how Python marks a module unavailable
    wyoming = WyomingServer(engine, replace(TEST_SETTINGS, zeroconf="kokoro-missing"))
    await wyoming.start()
    try:
        async with client(wyoming) as connection:
            assert (await describe(connection)).tts  # serving anyway
    finally:
        await wyoming.close()
    assert "pip install 'wyoming-kokoro[zeroconf]'" in caplog.text


async def test_text_over_the_limit_is_refused_and_the_server_goes_on(engine: Engine) -> None:
    limited = WyomingServer(engine, replace(TEST_SETTINGS, limits=Limits(max_text_chars=60)))
    await limited.start()
    try:
        async with client(limited) as connection:
            await connection.write_event(Synthesize(text="word " * 20).event())
            reply = Reply()
            while "audio-stop" not in reply.types:
                await read_until(connection, "audio-stop", reply)
            assert any("over the limit of 60 characters" in e for e in reply.errors)
            assert reply.pcm == b""

            streamed = await stream(limited.port, [SHORT, " " + SHORT])
            assert any("over the limit of 60" in e for e in streamed.reply.errors)
            assert streamed.reply.types[-1] == "synthesize-stopped"
            assert streamed.reply.pcm, "the text within the limit is still spoken"

            await connection.write_event(Synthesize(text="Still here.").event())
            fine = await read_until(connection, "audio-stop")
            fine.assert_one_audio_stream()
            assert fine.pcm
    finally:
        await limited.close()


def test_stdio_server_answers_and_exits_when_stdin_closes() -> None:
    """``--uri stdio:// --no-live``: one client on stdin/stdout; the process ends with it."""
    request = (
        json.dumps({"type": "describe"})
        + "\n"
        + json.dumps({"type": "synthesize", "data": {"text": "Hello there."}})
        + "\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "wyoming_kokoro", "--uri", "stdio://", "--no-live"],
        input=request.encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    stdout = io.BytesIO(done.stdout)
    types = []
    while (event := read_event(stdout)) is not None:
        types.append(event.type)
    assert types[0] == "info"
    assert types.count("audio-start") == types.count("audio-stop") == 1
    assert "audio-chunk" in types
    assert b"Traceback" not in done.stderr

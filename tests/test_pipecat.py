"""KokoroLiveTTSService in a real Pipecat pipeline against a real server (issue 14).

The pipeline is Pipecat's test harness (``pipecat.tests.utils``: the queued source and sink
processors of ``run_test``, a ``PipelineWorker`` and a ``WorkerRunner``), driven step by step so
a test can wait for audio before it interrupts.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
import socket
import sys
import time
import wave
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import ModuleType

import pytest
import pytest_asyncio
from pipecat.frames.frames import (
    EndFrame,
    ErrorFrame,
    Frame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TTSAudioRawFrame,
    TTSSpeakFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    TTSTextFrame,
    TTSUpdateSettingsFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineWorker
from pipecat.processors.frame_processor import FrameDirection
from pipecat.tests.utils import QueuedFrameProcessor
from pipecat.workers.runner import WorkerRunner

from wyoming_kokoro.config import Limits
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.timestamps import words_of
from wyoming_kokoro.integrations.pipecat import KokoroLiveTTSService
from wyoming_kokoro.server.host import LiveServer

from .helpers import assert_speech, engine_idle, start_live_server, wait_for

REPLY = "Sure, the kitchen lights are on now. The front door is locked, and the garage is closed."
LONG_REPLY = " ".join(
    f"Here is sentence number {n}, which keeps the speaker busy for a while." for n in range(1, 13)
)
NEXT = "Anything else I can do?"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[LiveServer]:
    live = await start_live_server(engine, limits=Limits(auto_sessions=False, max_sessions=8))
    yield live
    await live.close()


class Bot:
    """A pipeline [source, KokoroLiveTTSService, sink] that tests feed and read frame by frame."""

    def __init__(self, tts: KokoroLiveTTSService) -> None:
        self.tts = tts
        self.down: asyncio.Queue[Frame] = asyncio.Queue()
        self.up: asyncio.Queue[Frame] = asyncio.Queue()
        source = QueuedFrameProcessor(queue=self.up, queue_direction=FrameDirection.UPSTREAM)
        sink = QueuedFrameProcessor(queue=self.down, queue_direction=FrameDirection.DOWNSTREAM)
        self.worker = PipelineWorker(Pipeline([source, tts, sink]), cancel_on_idle_timeout=False)
        self.seen: list[Frame] = []

    async def start(self) -> None:
        started = asyncio.Event()

        @self.worker.event_handler("on_pipeline_started")  # type: ignore[misc]
        async def _started(worker: object, frame: Frame) -> None:
            started.set()

        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(self.worker)
        self._running = asyncio.create_task(runner.run())
        await asyncio.wait_for(started.wait(), 10)

    async def stop(self) -> None:
        await self.worker.queue_frame(EndFrame())
        await asyncio.wait_for(self._running, 30)

    async def reply(self, text: str, token_chars: int = 6) -> None:
        """An LLM turn: start, the text in token-sized pieces, end."""
        await self.worker.queue_frame(LLMFullResponseStartFrame())
        for i in range(0, len(text), token_chars):
            await self.worker.queue_frame(LLMTextFrame(text[i : i + token_chars]))
        await self.worker.queue_frame(LLMFullResponseEndFrame())

    async def until(self, match: Callable[[Frame], bool], seconds: float = 120) -> list[Frame]:
        """Frames pushed downstream up to and including the first that matches."""
        frames: list[Frame] = []
        async with asyncio.timeout(seconds):
            while True:
                frame = await self.down.get()
                frames.append(frame)
                self.seen.append(frame)
                if match(frame):
                    return frames

    async def drain(self, seconds: float) -> list[Frame]:
        """Whatever comes downstream within ``seconds``."""
        with contextlib.suppress(TimeoutError):
            await self.until(lambda frame: False, seconds)
        return [frame for frame in self.seen]


@contextlib.asynccontextmanager
async def bot(server: LiveServer) -> AsyncIterator[Bot]:
    tts = KokoroLiveTTSService(
        url=f"ws://127.0.0.1:{server.port}",
        settings=KokoroLiveTTSService.Settings(voice="af_heart", language="en-us"),
    )
    running = Bot(tts)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


def pcm_of(frames: list[Frame]) -> bytes:
    return b"".join(f.audio for f in frames if isinstance(f, TTSAudioRawFrame))


def spoken_words(frames: list[Frame]) -> list[TTSTextFrame]:
    return [f for f in frames if isinstance(f, TTSTextFrame)]


@pytest.mark.timeout(240)
async def test_replies_stream_audio_and_word_timestamps_on_one_connection(
    server: LiveServer,
) -> None:
    before = server.context_counters.completed
    async with bot(server) as running:
        connection = running.tts.connection
        assert connection is not None and not connection.closed
        await running.reply(REPLY)
        frames = await running.until(lambda f: isinstance(f, TTSStoppedFrame))
        assert any(isinstance(f, TTSStartedFrame) for f in frames)
        audio = [f for f in frames if isinstance(f, TTSAudioRawFrame)]
        assert audio and all(f.sample_rate == 24_000 and f.num_channels == 1 for f in audio)
        assert_speech(pcm_of(frames), len(REPLY.split()))
        # Word frames: the reply's words, in order, stamped on the audio's timeline.
        words = spoken_words(frames)
        assert [w.text.strip() for w in words] == words_of(REPLY)
        stamps = [w.pts for w in words]
        assert all(s is not None for s in stamps) and stamps == sorted(stamps)
        # The next reply: same connection, no new handshake.
        await running.reply(NEXT)
        frames = await running.until(lambda f: isinstance(f, TTSStoppedFrame))
        assert_speech(pcm_of(frames), len(NEXT.split()))
        assert [w.text.strip() for w in spoken_words(frames)] == words_of(NEXT)
        assert running.tts.connection is connection
        await wait_for(lambda: server.context_counters.completed == before + 2)
    await wait_for(lambda: server.sessions.sessions == 0)


@pytest.mark.timeout(240)
async def test_interruption_stops_the_audio_and_cancels_the_context_on_the_server(
    server: LiveServer, engine: Engine
) -> None:
    before = server.context_counters.cancelled
    async with bot(server) as running:
        connection = running.tts.connection
        await running.reply(LONG_REPLY)
        await running.until(lambda f: isinstance(f, TTSAudioRawFrame))
        assert server.context_counters.open == 1
        interrupted_at = time.monotonic()
        await running.worker.queue_frame(InterruptionFrame())
        await running.until(lambda f: isinstance(f, InterruptionFrame))
        await wait_for(lambda: server.context_counters.cancelled == before + 1, seconds=5)
        assert time.monotonic() - interrupted_at < 5
        assert server.context_counters.open == 0
        await wait_for(lambda: engine_idle(engine), seconds=5)  # its synthesis stopped too
        # Nothing of the interrupted reply comes after the interruption.
        after = await running.drain(1.5)
        tail = after[after.index(next(f for f in after if isinstance(f, InterruptionFrame))) :]
        assert not any(isinstance(f, TTSAudioRawFrame) for f in tail)
        heard = pcm_of(after)
        assert 0 < len(heard) < 24_000 * 2 * 15  # far from the whole reply (over a minute)
        # The next reply works on the same connection.
        running.seen.clear()
        await running.reply(NEXT)
        frames = await running.until(lambda f: isinstance(f, TTSStoppedFrame))
        assert_speech(pcm_of(frames), len(NEXT.split()))
        assert running.tts.connection is connection


@pytest.mark.timeout(240)
async def test_a_dropped_connection_is_reopened(server: LiveServer) -> None:
    async with bot(server) as running:
        first = running.tts.connection
        assert first is not None
        first.websocket.transport.abort()  # the network drops under the bot
        await wait_for(
            lambda: (
                running.tts.connection not in (None, first) and not running.tts.connection.closed
            ),
            seconds=30,
        )
        await running.reply(NEXT)
        frames = await running.until(lambda f: isinstance(f, TTSStoppedFrame))
        assert_speech(pcm_of(frames), len(NEXT.split()))


@pytest.mark.timeout(240)
async def test_a_speak_frame_is_spoken_as_its_own_context(server: LiveServer) -> None:
    before = server.context_counters.completed
    async with bot(server) as running:
        await running.worker.queue_frame(TTSSpeakFrame("Hello there, how can I help?"))
        frames = await running.until(lambda f: isinstance(f, TTSStoppedFrame))
        assert_speech(pcm_of(frames), 6)
        assert [w.text.strip() for w in spoken_words(frames)] == words_of(
            "Hello there, how can I help?"
        )
        await wait_for(lambda: server.context_counters.completed == before + 1)


@pytest.mark.timeout(240)
async def test_a_new_voice_opens_a_new_connection_that_speaks_with_it(server: LiveServer) -> None:
    async with bot(server) as running:
        first = running.tts.connection
        assert first is not None and first.ready["voice"] == "af_heart"
        await running.worker.queue_frame(
            TTSUpdateSettingsFrame(delta=KokoroLiveTTSService.Settings(voice="am_michael"))
        )
        await wait_for(lambda: running.tts.connection not in (None, first), seconds=10)
        second = running.tts.connection
        assert second is not None and second.ready["voice"] == "am_michael"
        await wait_for(lambda: first.closed, seconds=10)
        await running.reply(NEXT)
        frames = await running.until(lambda f: isinstance(f, TTSStoppedFrame))
        assert_speech(pcm_of(frames), len(NEXT.split()))
        assert running.tts.connection is second


@pytest.mark.timeout(60)
async def test_a_voice_the_server_does_not_have_is_one_permanent_error(server: LiveServer) -> None:
    tts = KokoroLiveTTSService(
        url=f"ws://127.0.0.1:{server.port}",
        settings=KokoroLiveTTSService.Settings(voice="zz_nobody"),
    )
    running = Bot(tts)
    await running.start()
    try:
        await running.reply(NEXT)
        await asyncio.sleep(2.0)
    finally:
        await running.stop()
    errors = []
    while not running.up.empty():
        frame = running.up.get_nowait()
        if isinstance(frame, ErrorFrame):
            errors.append(frame)
    [error] = [e.error for e in errors]
    assert error.startswith("Kokoro Live: Unknown voice 'zz_nobody'. Available: af_alloy, ")
    assert "af_heart" in error and error.endswith("zm_yunyang")
    assert not tts.is_usable
    down = [running.down.get_nowait() for _ in range(running.down.qsize())]
    assert not any(isinstance(f, TTSAudioRawFrame) for f in down)


@pytest.mark.timeout(60)
async def test_a_server_that_is_down_costs_an_error_per_turn_not_per_token() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tts = KokoroLiveTTSService(url=f"ws://127.0.0.1:{port}")
    running = Bot(tts)
    await running.start()
    try:
        await running.reply(REPLY, token_chars=3)  # 30 tokens
        await asyncio.sleep(1.0)
    finally:
        await running.stop()
    errors = [f.error for f in iter_queue(running.up) if isinstance(f, ErrorFrame)]
    refused = [e for e in errors if e.startswith("Kokoro Live:")]
    assert 1 <= len(refused) <= 2, errors  # at the start, and at the turn's first token
    assert all(str(port) in e for e in refused), refused
    assert tts.is_usable  # the server may come back: not a permanent error


def iter_queue(queue: asyncio.Queue[Frame]) -> list[Frame]:
    return [queue.get_nowait() for _ in range(queue.qsize())]


def test_without_pipecat_the_import_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pipecat.services.tts_service", None)
    monkeypatch.delitem(sys.modules, "wyoming_kokoro.integrations.pipecat")
    with pytest.raises(ImportError, match=r"pip install 'wyoming-kokoro\[pipecat\]'"):
        importlib.import_module("wyoming_kokoro.integrations.pipecat")


def load_example() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "examples" / "pipecat" / "bot.py"
    spec = importlib.util.spec_from_file_location("pipecat_example_bot", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.timeout(240)
async def test_example_bot_speaks_each_turn_into_its_wav(
    server: LiveServer, tmp_path: Path
) -> None:
    example = load_example()
    out = tmp_path / "replies.wav"
    turns = ["Turn on the light", "What about the weather?"]
    words = await example.run(
        turns,
        url=f"ws://127.0.0.1:{server.port}",
        out=out,
        voice="af_heart",
        language="en-us",
        tokens_per_second=200,
        wait_for_reply=True,
    )
    replies = [example.scripted_reply(turn) for turn in turns]
    assert [w.strip() for w in words] == [w for r in replies for w in words_of(r)]
    with wave.open(str(out)) as wav:
        assert (wav.getframerate(), wav.getnchannels()) == (24_000, 1)
        pcm = wav.readframes(wav.getnframes())
    assert_speech(pcm, sum(len(r.split()) for r in replies))


@pytest.mark.timeout(240)
async def test_example_bot_barge_in_cancels_the_reply_on_the_server(
    server: LiveServer, tmp_path: Path
) -> None:
    example = load_example()
    before = server.context_counters.cancelled
    long_turn = " ".join(["tell me about the garden and the garage and the front door"] * 4)
    opened = server.context_counters.opened

    async def user() -> AsyncIterator[str]:
        yield long_turn
        await wait_for(lambda: server.context_counters.opened > opened, seconds=30)
        await asyncio.sleep(1.0)
        yield "What about the weather?"

    words = await example.run(
        user(),
        url=f"ws://127.0.0.1:{server.port}",
        out=tmp_path / "replies.wav",
        voice="af_heart",
        language="en-us",
        tokens_per_second=50,
    )
    assert server.context_counters.cancelled == before + 1
    weather = words_of(example.scripted_reply("weather"))
    assert [w.strip() for w in words][-len(weather) :] == weather
    assert len(words) < len(words_of(example.scripted_reply(long_turn))) + len(weather)

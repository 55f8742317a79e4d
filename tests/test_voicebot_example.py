"""The voicebot example end to end: Kokoro server, voicebot server, a user's socket, real model."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect

from wyoming_kokoro.client import KokoroClientConfig
from wyoming_kokoro.config import Limits
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.server.host import LiveServer

from .helpers import TEST_SETTINGS, assert_speech, synthesize_text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples" / "voicebot"))

from fake_llm import LIGHTS_REPLY, WEATHER_REPLY, FakeLLM
from tts_service import TTSService
from voicebot import PATH, Voicebot


class WatchedLLM(FakeLLM):
    """The fake LLM, telling the test when it has written its last token."""

    def __init__(self, tokens_per_second: float) -> None:
        super().__init__(tokens_per_second)
        self.finished = asyncio.Event()

    async def stream(self, user_text: str) -> AsyncIterator[str]:
        self.finished.clear()
        async for token in super().stream(user_text):
            yield token
        self.finished.set()


@dataclass
class Stack:
    kokoro: LiveServer
    bot: Voicebot
    llm: WatchedLLM

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.bot.port}{PATH}"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(engine: Engine) -> AsyncIterator[Stack]:
    kokoro = LiveServer(
        engine, replace(TEST_SETTINGS, limits=Limits(auto_sessions=False, max_sessions=8))
    )
    await kokoro.start()
    # Slower than a real LLM's 15 tokens/s, so that "audio before the text ends" holds on a
    # busy CPU too.
    llm = WatchedLLM(tokens_per_second=6)
    tts = TTSService(
        KokoroClientConfig(kokoro_local_url=f"http://127.0.0.1:{kokoro.port}", language="en-us")
    )
    bot = Voicebot(tts, llm)
    await bot.start("127.0.0.1", 0)
    yield Stack(kokoro, bot, llm)
    await bot.close()
    await kokoro.close()


@dataclass
class Turn:
    messages: list[dict[str, Any]] = field(default_factory=list)
    audio: list[bytes] = field(default_factory=list)
    first_audio_before_text_ended: bool | None = None

    @property
    def pcm(self) -> bytes:
        return b"".join(self.audio)


async def read_turn(ws: ClientConnection, llm: WatchedLLM, turn: Turn | None = None) -> Turn:
    """Frames until the reply's end (or an error)."""
    turn = turn or Turn()
    while True:
        message = await asyncio.wait_for(ws.recv(), 120)
        if isinstance(message, bytes):
            if turn.first_audio_before_text_ended is None:
                turn.first_audio_before_text_ended = not llm.finished.is_set()
            turn.audio.append(message)
            continue
        data = json.loads(message)
        turn.messages.append(data)
        if data["type"] in ("end", "error"):
            return turn


async def test_reply_is_spoken_while_the_llm_is_still_writing(stack: Stack, engine: Engine) -> None:
    async with connect(stack.url) as ws:
        await ws.send("Please turn on the kitchen lights")
        turn = await read_turn(ws, stack.llm)
    assert [m["type"] for m in turn.messages] == ["start", "end"]
    assert turn.messages[0] == {"type": "start", "sample_rate": 24000, "format": "pcm_s16le"}
    assert turn.messages[1]["text"] == LIGHTS_REPLY
    assert turn.first_audio_before_text_ended is True
    # Token by token through two servers, the audio is what the engine makes of the whole text.
    expected = await synthesize_text(
        engine, LIGHTS_REPLY, engine.speech_params(None, "en-us", None)
    )
    assert turn.pcm == expected
    assert_speech(turn.pcm, len(LIGHTS_REPLY.split()))


async def test_new_user_text_interrupts_the_reply(stack: Stack) -> None:
    async with connect(stack.url) as ws:
        await ws.send("Turn on the lights")
        while not isinstance(await asyncio.wait_for(ws.recv(), 120), bytes):
            pass  # until the bot is speaking
        await ws.send("What is the weather tomorrow?")
        # Audio of the old reply may still be in flight until the bot says it stopped.
        while not isinstance(message := await asyncio.wait_for(ws.recv(), 120), str):
            pass
        assert json.loads(message) == {"type": "interrupted"}
        turn = await read_turn(ws, stack.llm)
    assert [m["type"] for m in turn.messages] == ["start", "end"]
    assert turn.messages[-1]["text"] == WEATHER_REPLY
    assert_speech(turn.pcm, len(WEATHER_REPLY.split()))
    for _ in range(400):  # the interrupted Kokoro session was closed, not left running
        if stack.kokoro.counters.sessions == 0:
            break
        await asyncio.sleep(0.05)
    assert stack.kokoro.counters.sessions == 0


async def test_speech_failure_is_reported_and_the_connection_stays_open(stack: Stack) -> None:
    broken = TTSService(
        KokoroClientConfig(
            kokoro_local_url=f"ws://127.0.0.1:{stack.kokoro.port}", voice_id="xx_nobody"
        )
    )
    bot = Voicebot(broken, FakeLLM(tokens_per_second=0))
    await bot.start("127.0.0.1", 0)
    try:
        async with connect(f"ws://127.0.0.1:{bot.port}{PATH}") as ws:
            await ws.send("Hello")
            turn = await read_turn(ws, stack.llm)
            assert turn.messages[-1]["type"] == "error"
            assert "Unknown voice 'xx_nobody'" in turn.messages[-1]["message"]
            await ws.send(b"\0")
            error = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert error == {"type": "error", "message": "Send the user's text as text"}
    finally:
        await bot.close()

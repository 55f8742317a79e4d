"""The plan's original client code, copied verbatim, works against the server unchanged.

``KokoroLocalProvider.live_stream_synthesis`` below is Phase 2 of the live-streaming plan,
byte for byte; only the scaffolding around it (imports, a config, attribute set-up) is ours.
"""

# ruff: noqa: E501, W291, W293, TRY002

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass, replace

import pytest
import pytest_asyncio
import websockets

from wyoming_kokoro.config import Limits
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.server.host import LiveServer

from .helpers import TEST_SETTINGS, synthesize_text


# fmt: off
class KokoroLocalProvider:
    async def live_stream_synthesis(self, text_generator: AsyncGenerator[str, None]) -> AsyncGenerator[bytes, None]:
        """True live streaming implementation"""
        url = self.config.kokoro_local_url.replace("/stream", "/live")
        
        async with websockets.connect(url) as ws:
            # Send initialization
            init_msg = {
                "voice": self.voice_id,
                "language": self.language, 
                "speed": self.speed
            }
            await ws.send(json.dumps(init_msg))
            
            # Wait for ready signal
            ready_msg = await ws.recv()
            ready_data = json.loads(ready_msg)
            assert ready_data["type"] == "ready"
            
            # Process text and audio concurrently
            queue = asyncio.Queue()
            
            async def sender():
                async for text_chunk in text_generator:
                    await ws.send(text_chunk)
                await ws.send("")  # End signal
            
            async def receiver():
                while True:
                    # First receive control message
                    control_msg = await ws.recv()
                    control_data = json.loads(control_msg)
                    
                    if control_data["type"] == "audio":
                        # Then receive binary audio data
                        audio_data = await ws.recv()
                        await queue.put(audio_data)
                    elif control_data["type"] == "end":
                        await queue.put(None)
                        break
                    elif control_data["type"] == "error":
                        raise Exception(control_data["message"])
            
            # Run both tasks
            send_task = asyncio.create_task(sender())
            recv_task = asyncio.create_task(receiver())
            
            try:
                while True:
                    item = await queue.get()
                    if item is None:
                        break
                    yield item
            finally:
                send_task.cancel()
                recv_task.cancel()
                await asyncio.gather(send_task, recv_task, return_exceptions=True)
# fmt: on


@dataclass
class SeedConfig:
    """The attributes the plan's code reads."""

    kokoro_local_url: str
    voice_id: str | None = None
    language: str | None = None
    speed: float | None = None


class SeedProvider(KokoroLocalProvider):
    """Scaffolding: the plan's class reads voice, language and speed from ``self``."""

    def __init__(self, config: SeedConfig) -> None:
        self.config = config
        self.voice_id = config.voice_id
        self.language = config.language
        self.speed = config.speed


TEXT = "Okay, the kitchen lights are on. The front door is locked."


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[LiveServer]:
    live = LiveServer(
        engine, replace(TEST_SETTINGS, limits=Limits(auto_sessions=False, max_sessions=32))
    )
    await live.start()
    yield live
    await live.close()


async def tokens(text: str) -> AsyncIterator[str]:
    words = text.split(" ")
    for word in words[:-1]:
        yield word + " "
        await asyncio.sleep(0.01)
    yield words[-1]


async def whole(text: str) -> AsyncIterator[str]:
    yield text


Request = tuple[str | None, str | None, float | None]


@pytest.mark.parametrize(
    ("source", "request_"),
    [(whole, (None, None, None)), (tokens, ("am_michael", "en-us", 1.2))],
    ids=["whole-text-server-defaults", "tokens-explicit-request"],
)
async def test_plan_client_gets_the_servers_audio(
    server: LiveServer,
    engine: Engine,
    source: Callable[[str], AsyncGenerator[str, None]],
    request_: Request,
) -> None:
    voice, language, speed = request_
    config = SeedConfig(f"ws://127.0.0.1:{server.port}/ws/tts/stream", voice, language, speed)
    provider = SeedProvider(config)
    chunks = [chunk async for chunk in provider.live_stream_synthesis(source(TEXT))]
    assert chunks
    assert all(isinstance(chunk, bytes) for chunk in chunks)
    expected = await synthesize_text(engine, TEXT, engine.speech_params(voice, language, speed))
    assert b"".join(chunks) == expected
    for _ in range(200):
        if server.counters.sessions == 0:
            break
        await asyncio.sleep(0.05)
    assert server.counters.sessions == 0

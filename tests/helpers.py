"""Shared by the tests: a live server on a free port, and audio checks (is this speech)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import replace

import numpy as np

from wyoming_kokoro.aio import once
from wyoming_kokoro.config import Limits, Settings
from wyoming_kokoro.engine import Engine, SpeechParams
from wyoming_kokoro.engine.audio import duration_seconds, pcm16_to_float
from wyoming_kokoro.server.host import DOORS, LiveServer

#: What the README's run command serves: English (af_heart, the default for en-us), on loopback.
#: The speech cache is off: these tests measure what synthesis does (tests/test_speech_cache.py
#: turns a cache of its own on).
TEST_SETTINGS = Settings(
    language="en-us",
    live_host="127.0.0.1",
    live_port=0,
    uri="tcp://127.0.0.1:0",
    speech_cache_mb=0,
)


async def wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    """Poll a server counter until ``condition`` holds (counters have no events to wait on)."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    assert condition(), f"not true within {seconds} s"


def engine_idle(engine: Engine) -> bool:
    """No stream open and no segment being synthesized."""
    stats = engine.stats()
    return stats["sessions"] == stats["running_segments"] == 0


async def start_live_server(
    engine: Engine,
    *,
    port: int = 0,
    limits: Limits | None = None,
    doors: Iterable[str] = tuple(DOORS),
) -> LiveServer:
    """A real live server over ``engine`` (generous session limit unless ``limits`` says)."""
    settings = replace(
        TEST_SETTINGS, live_port=port, limits=limits or Limits(auto_sessions=False, max_sessions=32)
    )
    server = LiveServer(engine, settings, doors)
    await server.start()
    return server


async def synthesize_text(engine: Engine, text: str, params: SpeechParams) -> bytes:
    """All the audio for ``text`` at once, segmented the same way as a stream."""
    async with contextlib.aclosing(engine.stream(once(text), params)) as stream:
        return b"".join([chunk async for chunk in stream])


def rms(pcm: bytes) -> float:
    """Root mean square level of s16le audio, 0..1."""
    samples = pcm16_to_float(pcm)
    return float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0


def assert_speech(pcm: bytes, words: int) -> None:
    """Audible, not clipped noise, and as long as ``words`` words take to say."""
    seconds = duration_seconds(pcm)
    assert 0.15 * words <= seconds <= 0.9 * words + 1.0, f"{seconds:.2f} s for {words} words"
    level = rms(pcm)
    assert 0.02 < level < 0.5, f"RMS {level:.3f} is not speech"
    samples = pcm16_to_float(pcm)
    # Speech has pauses: a good share of 20 ms frames are much quieter than the loudest ones.
    frames = samples[: len(samples) // 480 * 480].reshape(-1, 480)
    energy = np.sqrt(np.mean(frames**2, axis=1))
    assert np.mean(energy < 0.1 * energy.max()) > 0.05, "no pauses: noise, not speech"

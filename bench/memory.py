"""Memory: peak RSS while loading; RSS after warm-up, after kanji read as English, after a reply.

Kanji read with ``en-us`` become "Chinese letter, Japanese letter, ...", the longest batches the
model takes; the process should come back near its warm-up level after each. Also the load
time and the number of voices loaded; ``--voices`` loads another voices file (the five
Japanese voices, say, to compare with the 54)::

    .venv/bin/python bench/memory.py [--voices PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
from pathlib import Path

from wyoming_kokoro.aio import once
from wyoming_kokoro.config import Settings
from wyoming_kokoro.engine import Engine, SpeechParams

KANJI = (
    "今日はとても良い天気ですね。明日は雨が降るそうなので、傘を持って行きましょう。"
    "東京の空は青くて、公園には多くの人が集まっています。"
) * 6
REPLY = (
    "Okay, I turned on the kitchen lights and set the thermostat to twenty one degrees. "
    "The front door is locked, and the garage is closed. "
    "Tomorrow it will rain in the afternoon, so take an umbrella. "
)


def peak_mb() -> float:
    """The process's peak RSS (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmHWM in /proc/self/status")


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


async def speak(engine: Engine, text: str, params: SpeechParams) -> float:
    """Seconds of audio for ``text``."""
    async with contextlib.aclosing(engine.stream(once(text), params)) as stream:
        return sum([len(chunk) async for chunk in stream]) / (engine.sample_rate * 2)


async def run(voices: str | None = None) -> dict[str, float]:
    started = time.monotonic()
    engine = await asyncio.to_thread(Engine.load, Settings(language="en-us", voices=voices))
    load_s = time.monotonic() - started
    load_peak = peak_mb()
    params = engine.speech_params()
    try:
        await speak(engine, REPLY, params)
        figures = {
            "voices": len(engine.voices.names),
            "load_s": round(load_s, 2),
            "load_peak_mb": load_peak,
            "after_warm_up_mb": rss_mb(),
        }
        started = time.monotonic()
        audio = await speak(engine, KANJI[:300], params)
        figures["kanji_audio_s"] = round(audio, 1)
        figures["kanji_rtf"] = round((time.monotonic() - started) / audio, 3)
        figures["after_kanji_mb"] = rss_mb()
        await speak(engine, REPLY * 12, params)
        figures["after_long_reply_mb"] = rss_mb()
        figures["peak_mb"] = peak_mb()
    finally:
        await asyncio.to_thread(engine.close)
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voices", help="a voices file instead of the model's own")
    print(json.dumps(asyncio.run(run(parser.parse_args().voices)), indent=2))

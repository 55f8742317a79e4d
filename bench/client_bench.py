"""Time to first audio and total time: the live endpoint against the buffered one.

Both paths get the same reply, streamed the way an LLM writes it (15 words per second), from
a running Kokoro Live server::

    python bench/client_bench.py --url ws://127.0.0.1:8880
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any

from wyoming_kokoro.client import DEFAULT_URL, SAMPLE_RATE, SAMPLE_WIDTH, KokoroClient

REPLY = (
    "Okay, I turned on the kitchen lights and set the thermostat to twenty one degrees. "
    "The front door is locked, and the garage is closed. "
    "Tomorrow it will rain in the afternoon, so take an umbrella."
)
WORDS_PER_SECOND = 15.0


async def llm_words(text: str, words_per_second: float) -> AsyncIterator[str]:
    """The text a word at a time (with its trailing space), paced like an LLM."""
    for word in re.findall(r"\S+\s*", text):
        await asyncio.sleep(1.0 / words_per_second)
        yield word


async def measure(
    synthesize: Callable[[AsyncIterator[str]], AsyncGenerator[bytes, None]],
    text: str,
    words_per_second: float,
) -> dict[str, Any]:
    """First-audio time, total time and audio length of one synthesis, from the first word."""
    started = time.monotonic()
    first: float | None = None
    audio_bytes = 0
    chunks = 0
    async with contextlib.aclosing(synthesize(llm_words(text, words_per_second))) as stream:
        async for pcm in stream:
            if first is None:
                first = time.monotonic() - started
            audio_bytes += len(pcm)
            chunks += 1
    total = time.monotonic() - started
    return {
        "ttfa_s": round(first, 3) if first is not None else None,
        "total_s": round(total, 3),
        "audio_s": round(audio_bytes / (SAMPLE_RATE * SAMPLE_WIDTH), 3),
        "chunks": chunks,
    }


async def compare(
    url: str,
    text: str = REPLY,
    words_per_second: float = WORDS_PER_SECOND,
    voice: str | None = None,
    language: str | None = "en-us",
) -> dict[str, Any]:
    """The same reply through ``/ws/tts/live`` and ``/ws/tts/stream``, one after the other."""
    provider = KokoroClient(url, voice=voice, language=language)
    text_seconds = len(re.findall(r"\S+\s*", text)) / words_per_second
    live = await measure(provider.live_stream_synthesis, text, words_per_second)
    buffered = await measure(provider.buffered_stream_synthesis, text, words_per_second)
    result: dict[str, Any] = {
        "url": url,
        "words_per_second": words_per_second,
        "text_stream_s": round(text_seconds, 3),
        "live": live,
        "buffered": buffered,
    }
    if live["ttfa_s"] and buffered["ttfa_s"]:
        result["ttfa_speedup"] = round(buffered["ttfa_s"] / live["ttfa_s"], 2)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--voice")
    parser.add_argument("--language", default="en-us")
    parser.add_argument("--words-per-second", type=float, default=WORDS_PER_SECOND)
    args = parser.parse_args(argv)
    result = asyncio.run(
        compare(
            args.url,
            words_per_second=args.words_per_second,
            voice=args.voice,
            language=args.language,
        )
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

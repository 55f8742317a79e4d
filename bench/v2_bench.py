"""Protocol 2 against protocol 1, from a running Kokoro Live server::

    python -m bench.v2_bench --url ws://127.0.0.1:8880 --rounds 8

First audio: a reply on an already open protocol 2 connection (one ``text`` and ``flush``)
against a fresh protocol 1 session (connect, init, ready, text). Cancel: from sending
``cancel`` while a long reply streams to the ``cancelled`` confirmation, after which nothing of
that reply arrives (the last audio frame sent for it came before).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import AsyncIterator

from wyoming_kokoro.client import DEFAULT_URL, KokoroClient
from wyoming_kokoro.connection import KokoroConnection, SpeechAudio

FIRST = "Sure, the kitchen lights are on now."
LONG = "The front door is locked, and the garage is closed. " * 8


async def first_audio_v1(client: KokoroClient) -> float:
    started = time.perf_counter()
    stream = client.live_stream_synthesis(_once(FIRST))
    async for _ in stream:
        elapsed = time.perf_counter() - started
        await stream.aclose()
        return elapsed
    raise RuntimeError("no audio")


async def first_audio_v2(connection: KokoroConnection) -> float:
    started = time.perf_counter()
    stream = connection.speak(connection.new_context_id(), FIRST)
    async for event in stream:
        if isinstance(event, SpeechAudio):
            elapsed = time.perf_counter() - started
            await stream.aclose()
            return elapsed
    raise RuntimeError("no audio")


async def cancel_to_last_frame(connection: KokoroConnection) -> float:
    """Seconds from sending cancel to the confirmation (the last message of the context)."""
    context_id = connection.new_context_id()
    sent = 0.0
    async for event in connection.speak(context_id, LONG):
        if isinstance(event, SpeechAudio) and not sent:
            sent = time.perf_counter()
            await connection.cancel(context_id)
    return time.perf_counter() - sent


async def _once(text: str) -> AsyncIterator[str]:
    yield text


async def main(url: str, rounds: int) -> None:
    client = KokoroClient(url)
    async with await client.connect(word_timestamps=True) as connection:
        await first_audio_v2(connection)  # warm both paths
        await first_audio_v1(client)
        await asyncio.sleep(1.0)
        v1, v2, cancel = [], [], []
        for _ in range(rounds):
            v1.append(await first_audio_v1(client))
            await asyncio.sleep(1.5)
            v2.append(await first_audio_v2(connection))
            await asyncio.sleep(1.5)
            cancel.append(await cancel_to_last_frame(connection))
            await asyncio.sleep(1.5)
    for name, values in (
        ("first audio, fresh v1 session", v1),
        ("first audio, open v2 connection", v2),
        ("cancel -> cancelled (last message of the context)", cancel),
    ):
        print(
            f"{name}: median {statistics.median(values) * 1000:.0f} ms, "
            f"max {max(values) * 1000:.0f} ms ({len(values)} rounds)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.url, args.rounds))

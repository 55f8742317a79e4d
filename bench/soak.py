"""Soak: N minutes of mixed sessions on both doors, then what the process kept, as JSON.

An in-process server (the real model, the live door and Wyoming on loopback only) serves a
few concurrent clients for ``--minutes``: whole replies and streamed replies on
``/ws/tts/live``, one-shot and streamed requests on Wyoming, and clients on both doors that
vanish after their first audio. It prints RSS, threads and open fds after warm-up, at their
highest and at the end, lost and reordered chunks, errors, and first-audio percentiles::

    .venv/bin/python bench/soak.py [--minutes 2] [--clients 2] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop

from wyoming_kokoro.config import Limits, Settings
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.server.host import LiveServer
from wyoming_kokoro.server.wyoming import WyomingServer

REPLIES = (
    "Okay, I turned on the kitchen lights and set the thermostat to twenty one degrees. "
    "The front door is locked, and the garage is closed.",
    "Tomorrow it will rain in the afternoon, so take an umbrella. It is 10:30 now.",
    "Sure! Here are three ideas: a walk in the park, a film at home, or dinner with friends.",
)
SETTINGS = Settings(
    language="en-us",
    live_host="127.0.0.1",
    live_port=0,
    uri="tcp://127.0.0.1:0",
    limits=Limits(max_sessions=32),
    speech_cache_mb=0,  # every segment synthesized: the soak's few replies would be replayed
)
#: Words per second a streaming client sends (an LLM's pace).
WORDS_PER_SECOND = 15.0
#: Seconds a session may take before it counts as hung.
SESSION_TIMEOUT = 120.0


@dataclass
class Tally:
    """What the sessions saw."""

    sessions: Counter[str] = field(default_factory=Counter)
    first_audio: list[float] = field(default_factory=list)
    lost_chunks: int = 0
    reordered_chunks: int = 0
    errors: Counter[str] = field(default_factory=Counter)


@dataclass
class Usage:
    """The process's resources at one moment."""

    rss_mb: float
    threads: int
    fds: int

    @classmethod
    def now(cls) -> Usage:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return cls(
            rss_mb=round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1),
            threads=len(list(Path("/proc/self/task").iterdir())),  # native threads too
            fds=len(list(Path("/proc/self/fd").iterdir())),
        )


def words(text: str) -> list[str]:
    """The text as an LLM streams it: one word (with its space) at a time."""
    return [word + " " for word in text.split()]


async def live(port: int, text: str, tally: Tally, *, stream: bool, vanish: bool) -> None:
    """One /ws/tts/live session: checks that chunk ids come 1, 2, 3 ... and end's count."""
    async with connect(f"ws://127.0.0.1:{port}/ws/tts/live") as ws:
        started = time.monotonic()
        await ws.send(json.dumps({"language": "en-us"}))
        ready = json.loads(await ws.recv())
        if ready.get("type") != "ready":
            tally.errors[str(ready.get("message"))[:80]] += 1
            return

        async def send() -> None:
            for piece in words(text) if stream else [text]:
                await ws.send(piece)
                if stream:
                    await asyncio.sleep(1 / WORDS_PER_SECOND)
            await ws.send("")

        sender = asyncio.create_task(send())
        expected = 1
        try:
            while True:
                message = json.loads(await ws.recv())
                if message["type"] == "audio":
                    await ws.recv()
                    if expected == 1:
                        tally.first_audio.append(time.monotonic() - started)
                    if message["chunk_id"] > expected:
                        tally.lost_chunks += message["chunk_id"] - expected
                    elif message["chunk_id"] < expected:
                        tally.reordered_chunks += 1
                    expected = message["chunk_id"] + 1
                    if vanish:
                        ws.transport.abort()  # the TCP connection drops, no close frame
                        return
                elif message["type"] == "end":
                    tally.lost_chunks += max(0, message["total_chunks"] - (expected - 1))
                    return
                else:
                    tally.errors[str(message.get("message"))[:80]] += 1
                    return
        finally:
            sender.cancel()


async def wyoming(port: int, text: str, tally: Tally, *, stream: bool, vanish: bool) -> None:
    """One Wyoming request: audio-start, chunks, audio-stop, in that order, nothing missing."""
    async with AsyncTcpClient("127.0.0.1", port) as client:
        started = time.monotonic()
        if stream:
            await client.write_event(SynthesizeStart().event())
            for piece in words(text):
                await client.write_event(SynthesizeChunk(text=piece).event())
            await client.write_event(Synthesize(text=text).event())
            await client.write_event(SynthesizeStop().event())
        else:
            await client.write_event(Synthesize(text=text).event())
        state = "start"
        while True:
            event = await client.read_event()
            if event is None:
                tally.lost_chunks += state != "stopped"
                return
            if Error.is_type(event.type):
                tally.errors[Error.from_event(event).text[:80]] += 1
            elif AudioStart.is_type(event.type):
                tally.reordered_chunks += state != "start"
                state = "audio"
            elif AudioChunk.is_type(event.type):
                tally.reordered_chunks += state not in ("audio", "chunks")
                if state == "audio":
                    tally.first_audio.append(time.monotonic() - started)
                    state = "chunks"
                if vanish:
                    writer = client._writer  # the library offers no other way to drop the socket
                    if writer is not None:
                        writer.transport.abort()  # the TCP connection drops mid-reply
                    return
            elif AudioStop.is_type(event.type):
                tally.reordered_chunks += state not in ("audio", "chunks")
                state = "stopped"
                if not stream:
                    return
            elif event.type == "synthesize-stopped":
                return


Session = Callable[[int, int, str, Tally], Awaitable[None]]

SESSIONS: dict[str, Session] = {
    "live-whole": lambda live_port, _, text, t: live(
        live_port, text, t, stream=False, vanish=False
    ),
    "live-stream": lambda live_port, _, text, t: live(
        live_port, text, t, stream=True, vanish=False
    ),
    "live-vanish": lambda live_port, _, text, t: live(live_port, text, t, stream=True, vanish=True),
    "wyoming-whole": lambda _, port, text, t: wyoming(port, text, t, stream=False, vanish=False),
    "wyoming-stream": lambda _, port, text, t: wyoming(port, text, t, stream=True, vanish=False),
    "wyoming-vanish": lambda _, port, text, t: wyoming(port, text, t, stream=False, vanish=True),
}


async def client_loop(
    deadline: float, live_port: int, wyoming_port: int, rng: random.Random, tally: Tally
) -> None:
    """Sessions one after another until the deadline, each of a random kind."""
    while time.monotonic() < deadline:
        kind = rng.choice(list(SESSIONS))
        text = rng.choice(REPLIES)
        try:
            await asyncio.wait_for(
                SESSIONS[kind](live_port, wyoming_port, text, tally), SESSION_TIMEOUT
            )
        except TimeoutError:
            tally.errors["session hung"] += 1
        except (OSError, ConnectionError) as error:
            tally.errors[type(error).__name__] += 1
        tally.sessions[kind] += 1


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 3)


async def run(minutes: float, clients: int, seed: int) -> dict[str, Any]:
    engine = await asyncio.to_thread(Engine.load, SETTINGS)
    live_server = LiveServer(engine, SETTINGS)
    wyoming_server = WyomingServer(engine, replace(SETTINGS))
    await live_server.start()
    await wyoming_server.start()
    tally = Tally()
    try:
        # Warm-up: one session of each kind, so the baseline includes the steady state.
        for session in SESSIONS.values():
            await session(live_server.port, wyoming_server.port, REPLIES[0], Tally())
        baseline = Usage.now()
        highest = baseline
        deadline = time.monotonic() + minutes * 60
        rngs = [random.Random(seed + index) for index in range(clients)]
        loops = [
            asyncio.create_task(
                client_loop(deadline, live_server.port, wyoming_server.port, rng, tally)
            )
            for rng in rngs
        ]
        while not all(loop.done() for loop in loops):
            await asyncio.wait(loops, timeout=5)
            now = Usage.now()
            highest = Usage(
                max(highest.rss_mb, now.rss_mb),
                max(highest.threads, now.threads),
                max(highest.fds, now.fds),
            )
        for loop in loops:
            loop.result()
        # Vanished sessions finish cancelling: wait for the engine to go idle (bounded).
        for _ in range(200):
            stats = engine.stats()
            if stats["sessions"] == stats["running_segments"] == stats["queued_segments"] == 0:
                break
            await asyncio.sleep(0.05)
        end = Usage.now()
        leftover = engine.stats()
    finally:
        await wyoming_server.close()
        await live_server.close()
        await asyncio.to_thread(engine.close)
    return {
        "minutes": minutes,
        "clients": clients,
        "sessions": dict(tally.sessions),
        "lost_chunks": tally.lost_chunks,
        "reordered_chunks": tally.reordered_chunks,
        "errors": dict(tally.errors),
        "first_audio_s": {
            "p50": round(statistics.median(tally.first_audio), 3) if tally.first_audio else 0.0,
            "p95": percentile(tally.first_audio, 0.95),
            "n": len(tally.first_audio),
        },
        "rss_mb": {"after_warm_up": baseline.rss_mb, "highest": highest.rss_mb, "end": end.rss_mb},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "threads": {
            "after_warm_up": baseline.threads,
            "highest": highest.threads,
            "end": end.threads,
        },
        "fds": {"after_warm_up": baseline.fds, "highest": highest.fds, "end": end.fds},
        "engine_at_end": leftover,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=2.0, help="how long (default 2)")
    parser.add_argument("--clients", type=int, default=2, help="concurrent clients (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="the session mix's random seed")
    args = parser.parse_args()
    if not 0 < args.minutes <= 120 or not 1 <= args.clients <= 16:
        parser.error("--minutes must be in (0, 120] and --clients in [1, 16]")
    with contextlib.suppress(KeyboardInterrupt):
        print(json.dumps(asyncio.run(run(args.minutes, args.clients, args.seed)), indent=2))


if __name__ == "__main__":
    main()

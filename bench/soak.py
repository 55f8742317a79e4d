"""Soak: N minutes of mixed sessions on every door, then what the process kept, as JSON.

An in-process server (the real model, the live door and Wyoming on loopback only) serves a
few concurrent clients for ``--minutes``: whole replies and streamed replies on
``/ws/tts/live``, protocol 2 connections speaking two contexts at once (one of them cut short
by a barge-in), one-shot and streamed requests on Wyoming, OpenAI ``/v1/audio/speech``
requests (streamed audio and SSE), and clients on every door that vanish after their first
audio. It prints RSS, threads and open fds after warm-up, at their highest and at the end,
lost and reordered chunks, errors, first-audio percentiles, and how every session and
context ended (each one counted once)::

    .venv/bin/python bench/soak.py [--minutes 2] [--clients 2] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import dataclasses
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

import aiohttp
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
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
    #: Sessions and contexts refused because the server was full (1013, 503, server_busy):
    #: admission at work under ``--max-sessions auto``, not a failure.
    busy: int = 0


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


def not_ready(reply: dict[str, Any], tally: Tally) -> None:
    """An error instead of ``ready``: busy (admission at work) or a real error."""
    message = str(reply.get("message"))
    if message.startswith("Server busy"):
        tally.busy += 1
    else:
        tally.errors[message[:80]] += 1


async def live(port: int, text: str, tally: Tally, *, stream: bool, vanish: bool) -> None:
    """One /ws/tts/live session: checks that chunk ids come 1, 2, 3 ... and end's count."""
    async with connect(f"ws://127.0.0.1:{port}/ws/tts/live") as ws:
        started = time.monotonic()
        await ws.send(json.dumps({"language": "en-us"}))
        ready = json.loads(await ws.recv())
        if ready.get("type") != "ready":
            not_ready(ready, tally)
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


async def contexts(port: int, text: str, tally: Tally, *, barge_in: bool) -> None:
    """One protocol 2 connection, two contexts at once (the second streamed word by word);
    with ``barge_in`` the second is cancelled at its first audio. Chunk ids are checked per
    context."""
    async with connect(f"ws://127.0.0.1:{port}/ws/tts/live") as ws:
        started = time.monotonic()
        await ws.send(json.dumps({"protocol": 2, "language": "en-us"}))
        ready = json.loads(await ws.recv())
        if ready.get("type") != "ready":
            not_ready(ready, tally)
            return

        async def send() -> None:
            await ws.send(json.dumps({"type": "text", "context_id": "a", "text": text}))
            await ws.send(json.dumps({"type": "flush", "context_id": "a"}))
            for piece in words(text):
                await ws.send(json.dumps({"type": "text", "context_id": "b", "text": piece}))
                await asyncio.sleep(1 / WORDS_PER_SECOND)
            await ws.send(json.dumps({"type": "flush", "context_id": "b"}))

        sender = asyncio.create_task(send())
        expected = {"a": 1, "b": 1}
        finished: set[str] = set()
        try:
            while len(finished) < len(expected):
                message = json.loads(await ws.recv())
                kind, context_id = message["type"], message.get("context_id")
                if kind == "audio":
                    await ws.recv()
                    if sum(expected.values()) == len(expected):
                        tally.first_audio.append(time.monotonic() - started)
                    chunk_id = message["chunk_id"]
                    if chunk_id > expected[context_id]:
                        tally.lost_chunks += chunk_id - expected[context_id]
                    elif chunk_id < expected[context_id]:
                        tally.reordered_chunks += 1
                    expected[context_id] = chunk_id + 1
                    if barge_in and context_id == "b" and chunk_id == 1:
                        sender.cancel()
                        await ws.send(json.dumps({"type": "cancel", "context_id": "b"}))
                elif kind == "end":
                    done = message["total_chunks"] - (expected[context_id] - 1)
                    tally.lost_chunks += max(0, done)
                    finished.add(context_id)
                elif kind == "cancelled":
                    finished.add(context_id)
                elif kind == "error":
                    if message.get("code") == "server_busy":
                        tally.busy += 1
                    else:
                        tally.errors[str(message.get("message"))[:80]] += 1
                    if context_id is None:
                        return
                    finished.add(context_id)
        finally:
            sender.cancel()


async def openai(port: int, text: str, tally: Tally, *, sse: bool, vanish: bool) -> None:
    """One ``POST /v1/audio/speech`` (raw PCM, or SSE events): every byte, then a complete
    reply (a whole number of samples; ``speech.audio.done`` last)."""
    body: dict[str, Any] = {"input": text, "response_format": "pcm"}
    if sse:
        body["stream_format"] = "sse"
    async with aiohttp.ClientSession() as http:
        started = time.monotonic()
        url = f"http://127.0.0.1:{port}/v1/audio/speech"
        async with http.post(url, json=body) as response:
            if response.status == 503:
                tally.busy += 1
                return
            if response.status != 200:
                tally.errors[f"openai {response.status}: {(await response.text())[:60]}"] += 1
                return
            received, done = 0, False
            async for line in response.content if sse else response.content.iter_any():
                data = line
                if sse:
                    if not line.startswith(b"data: "):
                        continue
                    event = json.loads(line[len(b"data: ") :])
                    if event["type"] == "speech.audio.done":
                        done = True
                        continue
                    if event["type"] != "speech.audio.delta":
                        tally.errors[str(event.get("error"))[:80]] += 1
                        return
                    data = base64.b64decode(event["audio"])
                if not received:
                    tally.first_audio.append(time.monotonic() - started)
                received += len(data)
                if vanish:
                    response.close()  # the connection drops mid-reply
                    return
            complete = done if sse else received % 2 == 0
            tally.lost_chunks += not received or not complete


Session = Callable[[int, int, str, Tally], Awaitable[None]]

SESSIONS: dict[str, Session] = {
    "live-whole": lambda live_port, _, text, t: live(
        live_port, text, t, stream=False, vanish=False
    ),
    "live-stream": lambda live_port, _, text, t: live(
        live_port, text, t, stream=True, vanish=False
    ),
    "live-vanish": lambda live_port, _, text, t: live(live_port, text, t, stream=True, vanish=True),
    "contexts": lambda live_port, _, text, t: contexts(live_port, text, t, barge_in=False),
    "contexts-barge-in": lambda live_port, _, text, t: contexts(live_port, text, t, barge_in=True),
    "openai-audio": lambda live_port, _, text, t: openai(
        live_port, text, t, sse=False, vanish=False
    ),
    "openai-sse": lambda live_port, _, text, t: openai(live_port, text, t, sse=True, vanish=False),
    "openai-vanish": lambda live_port, _, text, t: openai(
        live_port, text, t, sse=False, vanish=True
    ),
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
        except ConnectionClosed as closed:
            if closed.rcvd is not None and closed.rcvd.code == 1013:
                tally.busy += 1
            else:
                tally.errors[f"closed {closed}"[:80]] += 1
        except (OSError, ConnectionError, aiohttp.ClientError) as error:
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
            # The last close is the server's to finish (a counter: nothing to wait on).
            while live_server.sessions.sessions:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
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
        await asyncio.sleep(0.5)  # the server's side of the last closes
        end = Usage.now()
        leftover = engine.stats()
        outcomes = dict(live_server.sessions.outcomes)
        context_counts = dataclasses.asdict(live_server.context_counters)
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
        "refused_busy": tally.busy,
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
        "live_port_outcomes": outcomes,
        "contexts": context_counts,
        # Every context opened ended in exactly one outcome (0: none left uncounted).
        "contexts_unaccounted": context_counts["opened"]
        - context_counts["open"]
        - sum(context_counts[key] for key in ("completed", "cancelled", "failed", "disconnected")),
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

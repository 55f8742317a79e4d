"""Benchmark: time to first audio, real-time factor and concurrent streams, printed as JSON.

Runs the real model, an in-process /ws/tts/live server on a real socket, and a naive baseline
(kokoro-onnx ``create_stream`` on the whole text) in the same run::

    .venv/bin/python bench/bench.py [--sessions 4] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import connect

from wyoming_kokoro.config import Limits, Settings
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.audio import SAMPLE_RATE, duration_seconds
from wyoming_kokoro.server.host import LiveServer

REPLY = (
    "Okay, I turned on the kitchen lights and set the thermostat to twenty one degrees. "
    "The front door is locked, and the garage is closed. "
    "Tomorrow it will rain in the afternoon, so take an umbrella."
)
WORDS_PER_SECOND = 15.0


@dataclass
class SessionResult:
    """When each chunk arrived, relative to the first text sent."""

    ttfa: float = 0.0
    total: float = 0.0
    audio_seconds: float = 0.0
    arrivals: list[tuple[float, float]] = field(default_factory=list)  # (arrival, chunk seconds)

    def _gaps(self) -> list[float]:
        """Silences a listener playing chunks as they arrive hears, after the first chunk."""
        if not self.arrivals:
            return []
        playhead = self.arrivals[0][0]
        gaps = []
        for arrival, seconds in self.arrivals:
            if arrival > playhead + 0.005:
                gaps.append(arrival - playhead)
                playhead = arrival
            playhead += seconds
        return gaps

    @property
    def underruns(self) -> int:
        """Chunks that arrived after the audio before them had finished playing."""
        return len(self._gaps())

    @property
    def gap_seconds(self) -> float:
        """Total silence heard because audio arrived late."""
        return sum(self._gaps())


async def live_session(port: int, pieces: list[str], interval: float) -> SessionResult:
    """One /ws/tts/live session, sending ``pieces`` every ``interval`` seconds."""
    result = SessionResult()
    async with connect(f"ws://127.0.0.1:{port}/ws/tts/live", max_size=None) as ws:
        await ws.send(json.dumps({}))
        await ws.recv()
        started = time.perf_counter()

        async def send() -> None:
            for index, piece in enumerate(pieces):
                if index and interval:
                    await asyncio.sleep(interval)
                await ws.send(piece)
            await ws.send("")

        sender = asyncio.create_task(send())
        while True:
            message = json.loads(await ws.recv())
            if message["type"] != "audio":
                break
            pcm = await ws.recv()
            assert isinstance(pcm, bytes)
            now = time.perf_counter() - started
            result.arrivals.append((now, duration_seconds(pcm)))
        await sender
        result.total = time.perf_counter() - started
    result.ttfa = result.arrivals[0][0] if result.arrivals else float("nan")
    result.audio_seconds = sum(seconds for _, seconds in result.arrivals)
    return result


def naive_baseline(engine: Engine) -> dict[str, float]:
    """kokoro-onnx's own create_stream on the whole text, as the seed plan did."""
    from kokoro_onnx import Kokoro

    from wyoming_kokoro.modelfiles import resolve_model_files

    files = resolve_model_files(engine.settings)
    kokoro = Kokoro(str(files.model), str(files.voices))
    voice = engine.default_params.voice
    language = engine.default_params.language

    async def first_chunk() -> tuple[float, float, float]:
        started = time.perf_counter()
        ttfa = 0.0
        samples = 0
        async for audio, _ in kokoro.create_stream(REPLY, voice, lang=language):
            if not samples:
                ttfa = time.perf_counter() - started
            samples += len(audio)
        return ttfa, time.perf_counter() - started, samples / SAMPLE_RATE

    asyncio.run(first_chunk())  # warm-up
    ttfa, total, seconds = asyncio.run(first_chunk())
    whole, _ = kokoro.create(REPLY, voice, lang=language)
    return {
        "ttfa_s": ttfa,
        "total_s": total,
        "audio_s": seconds,
        "whole_text_create_audio_s": len(whole) / SAMPLE_RATE,
    }


def summarize(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": statistics.median(ordered), "p95": p95, "max": ordered[-1]}


async def run(sessions: int, repeats: int) -> dict[str, Any]:
    settings = Settings(language="en-us", live_host="127.0.0.1", live_port=0)
    settings = Settings(**{**settings.__dict__, "limits": Limits(max_sessions=64)})
    engine = await asyncio.to_thread(Engine.load, settings)
    server = LiveServer(engine, settings)
    await server.start()
    try:
        words = REPLY.split(" ")
        word_pieces = [w + " " for w in words[:-1]] + [words[-1]]
        whole = [await live_session(server.port, [REPLY], 0) for _ in range(repeats)]
        streamed = [
            await live_session(server.port, word_pieces, 1 / WORDS_PER_SECOND)
            for _ in range(repeats)
        ]
        concurrent = await asyncio.gather(
            *(live_session(server.port, word_pieces, 1 / WORDS_PER_SECOND) for _ in range(sessions))
        )
        baseline = await asyncio.to_thread(naive_baseline, engine)
    finally:
        await server.close()
        engine.close()

    whole_ttfa = statistics.median(r.ttfa for r in whole)
    synth_seconds = statistics.median(r.total for r in whole)
    return {
        "model": engine.description,
        "voice": engine.default_params.voice,
        "language": engine.default_params.language,
        "reply_sent_whole": {
            "ttfa_s": whole_ttfa,
            "total_s": synth_seconds,
            "audio_s": whole[0].audio_seconds,
            "real_time_factor": synth_seconds / whole[0].audio_seconds,
            "underruns": max(r.underruns for r in whole),
        },
        "reply_streamed_15_words_per_s": {
            "ttfa_s": statistics.median(r.ttfa for r in streamed),
            "total_s": statistics.median(r.total for r in streamed),
            "underruns": max(r.underruns for r in streamed),
            "gap_seconds": max(r.gap_seconds for r in streamed),
        },
        "naive_baseline_create_stream": baseline,
        "ttfa_improvement_vs_baseline": baseline["ttfa_s"] / whole_ttfa,
        "streamed_vs_whole_text_duration": whole[0].audio_seconds
        / baseline["whole_text_create_audio_s"],
        f"concurrent_{sessions}_streamed_sessions": {
            "ttfa_s": summarize([r.ttfa for r in concurrent]),
            "sessions_with_underrun": sum(1 for r in concurrent if r.underruns),
            "gap_seconds_per_session": summarize([r.gap_seconds for r in concurrent]),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.sessions, args.repeats)), indent=2))


if __name__ == "__main__":
    main()

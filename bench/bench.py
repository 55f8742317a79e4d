"""Benchmark: time to first audio, real-time factor and concurrent streams, printed as JSON.

Runs the real model, an in-process /ws/tts/live server on a real socket, and naive baselines
(kokoro-onnx ``Kokoro`` on the first clause "Okay," alone, and ``create_stream`` on the whole
text) in the same run. ``--crop both`` runs the engine twice, decoding every frame and only the
kept frames (``--vocoder-crop``); ``--policy both`` runs the concurrent streams (``--sessions``
replies at once, then two) with the scheduler interrupting a later segment for a first one
(``preempt``) and waiting for a worker (``wait``, the default), in turns, so
they compare in one run. Every figure is cold (the speech cache off, every segment synthesized)
except ``reply_sent_whole_speech_cache_warm``, the reply said again with its opener replayed::

    .venv/bin/python bench/bench.py [--sessions 6] [--repeats 3] [--rounds 2]
        [--crop on|off|both] [--policy preempt|wait|both]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from websockets.asyncio.client import connect

from wyoming_kokoro.config import DEVICE_CHOICES, Limits, Settings
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.audio import SAMPLE_RATE, duration_seconds
from wyoming_kokoro.engine.engine import CUDA_MODEL
from wyoming_kokoro.engine.languages import DEFAULT_VOICES
from wyoming_kokoro.engine.model import KokoroModel
from wyoming_kokoro.engine.speech_cache import SpeechCache
from wyoming_kokoro.server.host import LiveServer

REPLY = (
    "Okay, I turned on the kitchen lights and set the thermostat to twenty one degrees. "
    "The front door is locked, and the garage is closed. "
    "Tomorrow it will rain in the afternoon, so take an umbrella."
)
LONG_FIRST_CLAUSE = (
    "The front door is locked and the garage is closed and all the lights downstairs are off now."
)
FIRST_CLAUSE = "Okay,"
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


def naive_baseline(settings: Settings, voice: str, language: str) -> dict[str, float]:
    """kokoro-onnx's own ``Kokoro``: "Okay," alone (the naive limit), and create_stream."""
    from kokoro_onnx import Kokoro

    from wyoming_kokoro.modelfiles import resolve_model_files

    files = resolve_model_files(settings)
    kokoro = Kokoro(str(files.model), str(files.voices))

    def first_clause() -> float:
        started = time.perf_counter()
        kokoro.create(FIRST_CLAUSE, voice, lang=language)
        return time.perf_counter() - started

    first_clause()  # warm-up
    okay = statistics.median(first_clause() for _ in range(3))

    async def first_chunk() -> tuple[float, float, float]:
        started = time.perf_counter()
        ttfa = 0.0
        samples = 0
        async for audio, _ in kokoro.create_stream(REPLY, voice, lang=language):
            if not samples:
                ttfa = time.perf_counter() - started
            samples += len(audio)
        return ttfa, time.perf_counter() - started, samples / SAMPLE_RATE

    ttfa, total, seconds = asyncio.run(first_chunk())
    whole, _ = kokoro.create(REPLY, voice, lang=language)
    return {
        "okay_inference_s": okay,
        "create_stream_ttfa_s": ttfa,
        "create_stream_total_s": total,
        "audio_s": seconds,
        "whole_text_create_audio_s": len(whole) / SAMPLE_RATE,
    }


def summarize(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": statistics.median(ordered), "p95": p95, "max": ordered[-1]}


@dataclass
class QueueClock:
    """Seconds segments waited for a worker, measured around the engine's scheduler."""

    waited: float = 0.0

    def wrap(self, submit: Callable[..., Any]) -> Callable[..., Any]:
        def timed_submit(work: Callable[[], Any], **kwargs: Any) -> Any:
            queued = time.perf_counter()

            def timed_work() -> Any:
                self.waited += time.perf_counter() - queued
                return work()

            return submit(timed_work, **kwargs)

        return timed_submit


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _words(text: str) -> list[str]:
    words = text.split(" ")
    return [w + " " for w in words[:-1]] + [words[-1]]


async def concurrent_streams(port: int, sessions: int) -> list[SessionResult]:
    """``sessions`` replies starting at the same instant, each streamed at 15 words/s."""
    return list(
        await asyncio.gather(
            *(live_session(port, _words(REPLY), 1 / WORDS_PER_SECOND) for _ in range(sessions))
        )
    )


async def staggered_streams(port: int, sessions: int, every: float) -> list[SessionResult]:
    """``sessions`` replies starting ``every`` seconds apart: each new first segment arrives
    while earlier replies' later segments are being synthesized."""

    async def delayed(index: int) -> SessionResult:
        await asyncio.sleep(index * every)
        return await live_session(port, _words(REPLY), 1 / WORDS_PER_SECOND)

    return list(await asyncio.gather(*(delayed(index) for index in range(sessions))))


def concurrency_figures(results: list[SessionResult]) -> dict[str, Any]:
    return {
        "ttfa_s": summarize([r.ttfa for r in results]),
        "sessions_with_underrun": sum(1 for r in results if r.underruns),
        "gap_seconds_per_session": summarize([r.gap_seconds for r in results]),
    }


async def measure_engine(
    settings: Settings, sessions: int, repeats: int, policies: list[bool], rounds: int
) -> dict[str, Any]:
    """Every engine figure for one setting, through a live server on a real socket."""
    engine = await asyncio.to_thread(Engine.load, settings)
    clock = QueueClock()
    scheduler: Any = engine._scheduler
    scheduler.submit = clock.wrap(scheduler.submit)
    server = LiveServer(engine, settings)
    await server.start()
    model = engine._model
    try:
        stages_before = model.stage_times()
        whole = [await live_session(server.port, [REPLY], 0) for _ in range(repeats)]
        stages_after = model.stage_times()
        waited = clock.waited
        streamed = [
            await live_session(server.port, _words(REPLY), 1 / WORDS_PER_SECOND)
            for _ in range(repeats)
        ]
        long_first = [
            await live_session(server.port, [LONG_FIRST_CLAUSE], 0) for _ in range(repeats)
        ]
        scenarios = (f"{sessions}_at_once", "2_at_once", f"{sessions}_one_second_apart")
        by_policy: dict[bool, dict[str, list[SessionResult]]] = {
            preempt: {name: [] for name in scenarios} for preempt in policies
        }
        for _ in range(rounds):
            for preempt in policies:
                scheduler.preempt = preempt
                runs = by_policy[preempt]
                runs[scenarios[0]] += await concurrent_streams(server.port, sessions)
                runs[scenarios[1]] += await concurrent_streams(server.port, 2)
                runs[scenarios[2]] += await staggered_streams(server.port, sessions, 1.0)
        engine_stats = engine.stats()
        # The same reply again with the speech cache on: its opener "Okay," is replayed.
        engine.speech_cache = SpeechCache(16 * 2**20)
        await live_session(server.port, [REPLY], 0)
        warm = [await live_session(server.port, [REPLY], 0) for _ in range(repeats)]
    finally:
        await server.close()
        engine.close()

    synth_seconds = statistics.median(r.total for r in whole)
    audio_seconds = whole[0].audio_seconds

    def per_reply(after: float, before: float) -> float:
        return (after - before) / repeats

    return {
        "model": engine.description,
        "vocoder_crop": settings.vocoder_crop,
        "reply_sent_whole": {
            "ttfa_s": statistics.median(r.ttfa for r in whole),
            "total_s": synth_seconds,
            "audio_s": audio_seconds,
            "real_time_factor": synth_seconds / audio_seconds,
            "underruns": max(r.underruns for r in whole),
        },
        "reply_streamed_15_words_per_s": {
            "ttfa_s": statistics.median(r.ttfa for r in streamed),
            "total_s": statistics.median(r.total for r in streamed),
            "underruns": max(r.underruns for r in streamed),
            "gap_seconds": max(r.gap_seconds for r in streamed),
        },
        "long_first_clause_sent_whole": {"ttfa_s": statistics.median(r.ttfa for r in long_first)},
        "reply_sent_whole_speech_cache_warm": {"ttfa_s": statistics.median(r.ttfa for r in warm)},
        "stages_per_reply_sent_whole_s": {
            "phonemize": per_reply(stages_after.phonemize, stages_before.phonemize),
            "front": per_reply(stages_after.front, stages_before.front),
            "vocoder": per_reply(stages_after.vocoder, stages_before.vocoder),
            "queueing": waited / repeats,
            "frames_decoded_share": (stages_after.frames_decoded - stages_before.frames_decoded)
            / max(1, stages_after.frames_predicted - stages_before.frames_predicted),
        },
        "vocoder_runs_on_one_thread": one_thread_share(model),
        **{
            f"concurrent_{'preempt' if preempt else 'wait'}": {
                name: concurrency_figures(results) for name, results in runs.items()
            }
            for preempt, runs in by_policy.items()
        },
        "engine_stats_after": engine_stats,
        "peak_rss_mb": peak_rss_mb(),
    }


def one_thread_share(model: KokoroModel) -> float:
    """Share of all vocoder runs so far that ran on one thread beside another listener's."""
    stages = model.stage_times()
    return stages.vocoder_one_thread / max(1, stages.runs)


async def run(
    sessions: int,
    repeats: int,
    *,
    crops: list[bool],
    policies: list[bool],
    rounds: int,
    device: str = "cpu",
) -> dict[str, Any]:
    base = Settings(language="en-us", live_host="127.0.0.1", live_port=0)
    # Cold figures: with the speech cache off every segment is synthesized (the identical
    # replies of the concurrent listeners would otherwise be replayed).
    base = replace(
        base,
        device=device,
        limits=Limits(max_sessions=64, auto_sessions=False),
        speech_cache_mb=0,
    )
    if device == "cuda":  # the engine's choice on a GPU, so the naive baseline runs the same file
        base = replace(base, model=CUDA_MODEL)
    results = {}
    for crop in crops:
        name = "vocoder_crop" if crop else "no_vocoder_crop"
        results[name] = await measure_engine(
            replace(base, vocoder_crop=crop), sessions, repeats, policies, rounds
        )
    language = base.language or "en-us"
    voice = base.voice or DEFAULT_VOICES[language]
    baseline = await asyncio.to_thread(naive_baseline, base, voice, language)
    okay = baseline["okay_inference_s"]
    for figures in results.values():
        whole = figures["reply_sent_whole"]
        figures["ttfa_vs_raw_okay"] = whole["ttfa_s"] / okay
        figures["ttfa_vs_raw_okay_speech_cache_warm"] = (
            figures["reply_sent_whole_speech_cache_warm"]["ttfa_s"] / okay
        )
        figures["long_first_clause_ttfa_vs_raw_okay"] = (
            figures["long_first_clause_sent_whole"]["ttfa_s"] / okay
        )
        figures["ttfa_improvement_vs_create_stream"] = (
            baseline["create_stream_ttfa_s"] / whole["ttfa_s"]
        )
        figures["streamed_vs_whole_text_duration"] = (
            whole["audio_s"] / baseline["whole_text_create_audio_s"]
        )
    return {
        "model": next(iter(results.values()))["model"],
        "voice": voice,
        "language": language,
        "naive_baseline": baseline,
        **results,
        "peak_rss_mb_with_baseline": peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2, help="concurrent runs per policy")
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="cpu")
    parser.add_argument(
        "--policy",
        choices=("preempt", "wait", "both"),
        default="both",
        help="a first segment interrupts a later one (preempt), or waits for a worker",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--crop",
        choices=("on", "off", "both"),
        default="off",
        help="decode only the kept frames (on), every frame (off), or both for comparison",
    )
    args = parser.parse_args()
    crops = {"on": [True], "off": [False], "both": [True, False]}[args.crop]
    policies = {"preempt": [True], "wait": [False], "both": [True, False]}[args.policy]
    result = asyncio.run(
        run(
            args.sessions,
            args.repeats,
            crops=crops,
            policies=policies,
            rounds=args.rounds,
            device=args.device,
        )
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

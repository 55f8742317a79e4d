"""Quality: the engine decoding every frame vs decoding only the kept frames, printed as JSON.

Speaks a fixed set of English sentences (short, long, questions, lists) through both paths and
compares, per sentence: length (within 2 %), what Whisper tiny.en hears (WER not worse), clicks
at the joins between segments, how loud each segment's edges are (a cut into speech leaves a
loud edge), and the words' lengths as Whisper times them (they must not shrink)::

    .venv/bin/python bench/quality.py [--voice af_heart] [--language en-us]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent))

from asr import transcribe, word_error_rate, word_spans

from wyoming_kokoro.aio import once
from wyoming_kokoro.config import Settings
from wyoming_kokoro.engine import Engine, SpeechParams
from wyoming_kokoro.engine.audio import SAMPLE_RATE, pcm16_to_float

SENTENCES = (
    "Okay,",
    "Sure.",
    "Yes, it is.",
    "Seven.",
    "What time is it?",
    "Is there anything else I can help you with?",
    "Should I turn off the fan in the bedroom?",
    "Hello there, how are you today?",
    "The meeting starts at nine in the small conference room.",
    "Thanks, that helps a lot.",
    "Sorry, I didn't catch that. Could you say it again?",
    "I need milk, eggs, bread, butter, and a bag of apples.",
    "Your list has three items: batteries, light bulbs, and tape.",
    "Okay, I turned on the kitchen lights and set the thermostat to twenty one degrees.",
    "The front door is locked, and the garage is closed.",
    "Tomorrow it will rain in the afternoon, so take an umbrella.",
    "The front door is locked and the garage is closed and all the lights downstairs are off now.",
    "Did you remember to water the plants, feed the cat, and take out the trash?",
    "First preheat the oven. Then mix the flour, the sugar and the eggs. Bake for twenty minutes.",
    "The weather service says that a band of heavy rain will move in from the west during the "
    "early afternoon, bringing strong gusts along the coast and cooler air behind it.",
    "Good night!",
    "Where did I leave my keys?",
)

#: Limits a candidate must keep (the test uses the same ones).
MAX_DURATION_CHANGE = 0.02
MAX_JOIN_CLICK = 0.5
MAX_EDGE_LEVEL_DB = -30.0
#: Whisper's word timings move by tens of ms between takes: the median ratio is the measure.
MIN_WORD_LENGTH_RATIO = 0.97

_WINDOW = SAMPLE_RATE // 100  # 10 ms


@dataclass(frozen=True)
class Spoken:
    """One text as the engine streamed it: a PCM chunk per segment."""

    chunks: list[bytes]

    @property
    def pcm(self) -> bytes:
        return b"".join(self.chunks)

    @property
    def seconds(self) -> float:
        return sum(len(chunk) for chunk in self.chunks) / 2 / SAMPLE_RATE


async def speak(engine: Engine, text: str, params: SpeechParams) -> Spoken:
    """The engine's chunks for ``text`` sent whole."""
    chunks = []
    async with contextlib.aclosing(engine.stream(once(text), params)) as stream:
        async for chunk in stream:
            chunks.append(chunk)
    return Spoken(chunks)


def join_click(spoken: Spoken) -> float:
    """Largest sample-to-sample step within 5 ms of a join, over the speech's 99th percentile.

    A segment cut while loud, or a join without fade, steps far above what speech does.
    """
    samples = pcm16_to_float(spoken.pcm)
    steps = np.abs(np.diff(samples))
    if len(steps) == 0:
        return 0.0
    typical = float(np.percentile(steps, 99)) or 1e-9
    worst = 0.0
    position = 0
    for chunk in spoken.chunks[:-1]:
        position += len(chunk) // 2
        around = steps[max(0, position - _WINDOW // 2) : position + _WINDOW // 2]
        if len(around):
            worst = max(worst, float(around.max()) / typical)
    return worst


def _levels(samples: NDArray[np.float32]) -> NDArray[np.float64]:
    frames = samples[: len(samples) // _WINDOW * _WINDOW].reshape(-1, _WINDOW)
    return np.asarray(10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12))


def edge_level_db(spoken: Spoken) -> float:
    """Loudest segment edge: 10 ms in from each end of each segment's speech, dB under its peak.

    Trimming leaves the model's own fade-in and fade-out at each edge; a crop that cut into
    speech leaves a loud edge instead (the fade applied afterwards is only a few ms).
    """
    worst = -120.0
    for chunk in spoken.chunks:
        samples = pcm16_to_float(chunk)
        sounding = np.flatnonzero(samples)
        if len(sounding) < 4 * _WINDOW:
            continue
        speech = samples[sounding[0] : sounding[-1] + 1]
        levels = _levels(speech)
        # Skip the engine's few-ms fade: the second window in from each end.
        edges = max(levels[1], levels[-2]) - levels.max()
        worst = max(worst, float(edges))
    return worst


def word_lengths(pcm: bytes) -> list[float]:
    """Seconds each word lasts, as Whisper times it."""
    return [end - start for _, start, end in word_spans(pcm)]


def compare(
    texts: Sequence[str],
    reference: Sequence[Spoken],
    candidate: Sequence[Spoken],
    max_duration_change: float = MAX_DURATION_CHANGE,
) -> dict[str, Any]:
    """Every measure, per sentence and overall, with whether the candidate keeps the limits."""
    rows: list[dict[str, Any]] = []
    heard_ref, heard_new = [], []
    for text, ref, new in zip(texts, reference, candidate, strict=True):
        heard_ref.append(transcribe(ref.pcm))
        heard_new.append(transcribe(new.pcm))
        ref_words, new_words = word_lengths(ref.pcm), word_lengths(new.pcm)
        rows.append(
            {
                "text": text,
                "segments": len(new.chunks),
                "seconds": [round(ref.seconds, 3), round(new.seconds, 3)],
                "duration_ratio": new.seconds / ref.seconds if ref.seconds else float("nan"),
                "heard": [heard_ref[-1], heard_new[-1]],
                "join_click": [join_click(ref), join_click(new)],
                "edge_level_db": [edge_level_db(ref), edge_level_db(new)],
                "word_length_ratio": (
                    sum(new_words) / sum(ref_words)
                    if sum(ref_words) and len(ref_words) == len(new_words)
                    else None
                ),
            }
        )
    ratios = [row["duration_ratio"] for row in rows]
    word_ratios = [row["word_length_ratio"] for row in rows if row["word_length_ratio"]]
    wer_ref = word_error_rate(texts, heard_ref)
    wer_new = word_error_rate(texts, heard_new)
    clicks = max(row["join_click"][1] for row in rows)
    edges = max(row["edge_level_db"][1] for row in rows)
    summary = {
        "sentences": len(rows),
        "duration_ratio": {"min": min(ratios), "max": max(ratios)},
        "wer": {"reference": wer_ref, "candidate": wer_new},
        "max_join_click": {"reference": max(r["join_click"][0] for r in rows), "candidate": clicks},
        "max_edge_level_db": {
            "reference": max(r["edge_level_db"][0] for r in rows),
            "candidate": edges,
        },
        "word_length_ratio": {
            "min": min(word_ratios, default=float("nan")),
            "median": statistics.median(word_ratios) if word_ratios else float("nan"),
        },
    }
    failures = quality_failures(summary, max_duration_change)
    return {"summary": summary, "failures": failures, "passed": not failures, "sentences": rows}


def quality_failures(
    summary: dict[str, Any], max_duration_change: float = MAX_DURATION_CHANGE
) -> list[str]:
    """What the candidate breaks, in words (empty when quality did not move)."""
    failures = []
    ratios = summary["duration_ratio"]
    if max(abs(ratios["min"] - 1), abs(ratios["max"] - 1)) > max_duration_change:
        failures.append(f"duration changed more than {max_duration_change:.0%}: {ratios}")
    if summary["wer"]["candidate"] > summary["wer"]["reference"] + 1e-9:
        failures.append(f"WER got worse: {summary['wer']}")
    if summary["max_join_click"]["candidate"] > MAX_JOIN_CLICK:
        failures.append(f"click at a join: {summary['max_join_click']}")
    if summary["max_edge_level_db"]["candidate"] > MAX_EDGE_LEVEL_DB:
        failures.append(f"a segment edge is loud (cut into speech): {summary['max_edge_level_db']}")
    if summary["word_length_ratio"]["median"] < MIN_WORD_LENGTH_RATIO:
        failures.append(f"words got shorter: {summary['word_length_ratio']}")
    return failures


async def run(voice: str, language: str) -> dict[str, Any]:
    settings = Settings(voice=voice, language=language, speech_cache_mb=0)
    engines = [
        await asyncio.to_thread(Engine.load, replace(settings, vocoder_crop=crop))
        for crop in (False, True)
    ]
    try:
        spoken: list[list[Spoken]] = []
        for engine in engines:
            params = engine.default_params
            spoken.append([await speak(engine, text, params) for text in SENTENCES])
        stages = [engine._model.stage_times() for engine in engines]
    finally:
        for engine in engines:
            engine.close()
    result = await asyncio.to_thread(compare, SENTENCES, spoken[0], spoken[1])
    result["frames_decoded_share"] = [s.frames_decoded / s.frames_predicted for s in stages]
    result["vocoder_seconds"] = [s.vocoder for s in stages]
    return {"voice": voice, "language": language, **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--voice", default="af_heart")
    parser.add_argument("--language", default="en-us")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.voice, args.language)), indent=2))


if __name__ == "__main__":
    main()

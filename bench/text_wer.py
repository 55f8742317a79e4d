"""Benchmark: does speech-ready text make LLM replies heard the way people say them? JSON out.

Each reply of ``text_replies.py`` is synthesized by the in-process engine three times: as
written, as written with the speech-ready text stage switched off (what the engine did before
it), and as spelled out by hand. Whisper tiny.en transcribes each, and the word error rate is
scored against the spelled-out text with ``asr.normalize`` (case, punctuation and digits versus
number words do not count). Target: as written <= spelled out + 0.03::

    .venv/bin/python bench/text_wer.py [--voice af_heart] [--language en-us] [--show]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from asr import transcribe, word_error_rate
from text_replies import REPLIES

from wyoming_kokoro.aio import once
from wyoming_kokoro.config import Settings
from wyoming_kokoro.engine import Engine

TARGET_MARGIN = 0.03


@contextmanager
def stage_off(engine: Engine) -> Iterator[None]:
    """Bypass the verbalizer where the engine looks it up (the text goes to espeak as is)."""
    module: Any = sys.modules[type(engine).__module__]
    original: Callable[[str, str], str] = module.verbalize
    module.verbalize = lambda text, language: text
    try:
        yield
    finally:
        module.verbalize = original


async def heard(engine: Engine, texts: list[str], voice: str, language: str) -> list[str]:
    """What Whisper hears for each text synthesized by the engine."""
    params = engine.speech_params(voice=voice, language=language)
    out = []
    for text in texts:
        async with contextlib.aclosing(engine.stream(once(text), params)) as stream:
            pcm = b"".join([chunk async for chunk in stream])
        out.append(await asyncio.to_thread(transcribe, pcm))
    return out


async def run(voice: str, language: str, show: bool) -> dict[str, Any]:
    engine = await asyncio.to_thread(
        Engine.load, Settings(language=language, voice=voice, speech_cache_mb=0)
    )
    written = [text for text, _ in REPLIES]
    spelled = [text for _, text in REPLIES]
    try:
        as_written = await heard(engine, written, voice, language)
        with stage_off(engine):
            stage_off_heard = await heard(engine, written, voice, language)
        as_spelled = await heard(engine, spelled, voice, language)
    finally:
        engine.close()
    report: dict[str, Any] = {
        "voice": voice,
        "language": language,
        "replies": len(REPLIES),
        "wer_as_written": round(word_error_rate(spelled, as_written), 4),
        "wer_as_written_without_stage": round(word_error_rate(spelled, stage_off_heard), 4),
        "wer_spelled_out": round(word_error_rate(spelled, as_spelled), 4),
    }
    report["target_met"] = report["wer_as_written"] <= report["wer_spelled_out"] + TARGET_MARGIN
    if show:
        report["transcripts"] = [
            {"written": w, "heard": h, "heard_without_stage": o, "heard_spelled": s}
            for w, h, o, s in zip(written, as_written, stage_off_heard, as_spelled, strict=True)
        ]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voice", default="af_heart")
    parser.add_argument("--language", default="en-us")
    parser.add_argument("--show", action="store_true", help="include every transcript")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.voice, args.language, args.show)), indent=2))


if __name__ == "__main__":
    main()

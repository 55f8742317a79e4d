"""Benchmark: does speech-ready text make LLM replies heard the way people say them? JSON out.

Each reply of the language (``text_replies_languages.py``) is synthesized by the in-process
engine three times: as written, as written with the speech-ready text stage switched off (what
the engine did before it), and as spelled out by hand. Whisper transcribes each (tiny.en for
English, the multilingual base model for the others: ``asr_languages.py``), and the error rate
is scored against the spelled-out text (words; characters for Japanese and Chinese; case,
punctuation and digits versus number words do not count). Targets: as written <= spelled out
+ 0.03, and as written <= stage off. The voice defaults to the language's native voice::

    .venv/bin/python bench/text_wer.py [--language es] [--voice ef_dora] [--voices FILE] [--show]
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

from asr_languages import error_rate, transcribe
from text_replies_languages import NATIVE_VOICES, REPLIES_BY_LANGUAGE

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
        out.append(await asyncio.to_thread(transcribe, pcm, language))
    return out


async def run(voice: str, language: str, voices: str | None, show: bool) -> dict[str, Any]:
    engine = await asyncio.to_thread(
        Engine.load, Settings(language=language, voice=voice, voices=voices, speech_cache_mb=0)
    )
    replies = REPLIES_BY_LANGUAGE[language]
    written = [text for text, _ in replies]
    spelled = [text for _, text in replies]
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
        "replies": len(replies),
        "metric": "cer" if language in ("ja", "cmn") else "wer",
        "wer_as_written": round(error_rate(spelled, as_written, language), 4),
        "wer_as_written_without_stage": round(error_rate(spelled, stage_off_heard, language), 4),
        "wer_spelled_out": round(error_rate(spelled, as_spelled, language), 4),
    }
    report["target_met"] = (
        report["wer_as_written"] <= report["wer_spelled_out"] + TARGET_MARGIN
        and report["wer_as_written"] <= report["wer_as_written_without_stage"]
    )
    if show:
        report["transcripts"] = [
            {"written": w, "heard": h, "heard_without_stage": o, "heard_spelled": s}
            for w, h, o, s in zip(written, as_written, stage_off_heard, as_spelled, strict=True)
        ]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", default="en-us", choices=sorted(REPLIES_BY_LANGUAGE))
    parser.add_argument("--voice", help="default: the language's native voice")
    parser.add_argument("--voices", help="a voices file (.npz or .bin) holding that voice")
    parser.add_argument("--show", action="store_true", help="include every transcript")
    args = parser.parse_args()
    voice = args.voice or NATIVE_VOICES[args.language]
    report = asyncio.run(run(voice, args.language, args.voices, args.show))
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

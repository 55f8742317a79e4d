"""Word timestamps: the alignments as pure functions, then real synthesis checked by its energy."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from numpy.typing import NDArray

from wyoming_kokoro.aio import once
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.audio import pcm16_to_float
from wyoming_kokoro.engine.timestamps import (
    WordTiming,
    align_spoken,
    phoneme_words,
    words_of,
    written_units,
)

ASYNC = pytest.mark.asyncio(loop_scope="session")

SAMPLE_RATE = 24000
WINDOW = 600  # one model frame


def test_words_of_strips_punctuation_and_keeps_symbols() -> None:
    assert words_of('"Hello," she said -- it costs $12.50 (today).') == [
        "Hello",
        "she",
        "said",
        "it",
        "costs",
        "$12.50",
        "today",
    ]
    assert words_of("U.S.A. — doesn't! …") == ["U.S.A", "doesn't"]
    assert words_of("नमस्ते, आप?") == ["नमस्ते", "आप"]


def test_written_units_group_a_verbalized_word() -> None:
    written = words_of("It costs $12.50 today.")
    spoken = words_of("It costs twelve dollars and fifty cents today.")
    assert written_units(written, spoken) == [([0], 0), ([1], 1), ([2], 2), ([3], 7)]


def test_written_units_leave_out_unspoken_words() -> None:
    # A word the verbalizer dropped has no unit; the others keep theirs.
    units = written_units(["see", "https://x.y/z", "now"], ["see", "now"])
    assert units == [([0], 0), ([2], 1)]


def test_phoneme_words_skip_punctuation() -> None:
    words = phoneme_words(["həlˈoʊ ðˈɛɹ! hˌaʊ", "ɑːɹ juː?"])
    assert [(w.batch, w.first, w.last) for w in words] == [
        (0, 0, 6),
        (0, 7, 11),
        (0, 13, 17),
        (1, 0, 3),
        (1, 4, 6),
    ]


def test_align_spoken_merges_joined_words() -> None:
    # espeak says "of the" as one phoneme word: both start in it.
    spoken = ["because", "of", "the", "rain"]
    alone = ["bɪkˈʌz", "ʌv", "ðə", "ɹˈeɪn"]
    assert align_spoken(spoken, alone, ["bɪkˈʌz", "ʌvðə", "ɹˈeɪn"]) == [0, 1, 1, 2]


def test_align_spoken_gives_up_when_unsure() -> None:
    assert align_spoken(["hello", "world"], ["həlˈoʊ", "wˈɜːld"], ["kæt", "dɑːɡ"]) is None
    assert align_spoken(["a"], [], ["ə"]) is None


SENTENCES = [
    "Hello there! How are you doing today?",
    "It costs $12.50, doesn't it? I want to go to the store, because of the rain.",
    "Okay, I turned on the **kitchen** lights and set a timer for 3:30 PM.",
    "The U.S.A. and the UK's NHS, e.g. COVID-19, were in the news.",
]


async def _timed(
    engine: Engine, text: str, speed: float = 1.0
) -> tuple[NDArray[np.float32], list[WordTiming]]:
    params = engine.speech_params("af_heart", "en-us", speed)
    pcm, words, offset = b"", [], 0.0
    async with contextlib.aclosing(engine.stream_timed(once(text), params)) as stream:
        async for chunk in stream:
            words.extend(word.shifted(offset) for word in chunk.words)
            pcm += chunk.pcm
            offset = len(pcm) / 2 / SAMPLE_RATE
    return pcm16_to_float(pcm), words


def _voiced(samples: np.ndarray) -> np.ndarray:
    """Per frame: is there speech energy (the pauses between segments are digital silence)?
    Measured against the voice's own speaking level: some voices speak half as loud as others."""
    frames = len(samples) // WINDOW
    rms = np.sqrt(np.mean(samples[: frames * WINDOW].reshape(frames, WINDOW) ** 2, axis=1))
    level = float(np.median(rms[rms > 1e-3]))
    return rms > 0.2 * level


@ASYNC
@pytest.mark.parametrize("speed", [1.0, 1.5])
async def test_word_spans_lie_on_voiced_audio(engine: Engine, speed: float) -> None:
    for text in SENTENCES:
        samples, words = await _timed(engine, text, speed)
        duration = len(samples) / SAMPLE_RATE
        voiced = _voiced(samples)
        assert words, text
        previous_end = 0.0
        for word in words:
            assert previous_end <= word.start < word.end <= duration + 1e-3, (text, word)
            previous_end = word.end
            # Accurate to one model frame: widen by one frame each side.
            first = max(int(word.start * SAMPLE_RATE) // WINDOW - 1, 0)
            frames = voiced[first : -(-int(word.end * SAMPLE_RATE) // WINDOW) + 1]
            # Stops end in a silent closure: a third voiced is plenty for a short word.
            assert frames.mean() >= 1 / 3, (text, word, frames)
        # And the spans cover the speech: hardly a voiced frame falls outside every word.
        covered = np.zeros_like(voiced)
        for word in words:
            covered[
                int(word.start * SAMPLE_RATE) // WINDOW : int(word.end * SAMPLE_RATE) // WINDOW + 1
            ] = True
        assert (voiced & ~covered).sum() <= 0.1 * voiced.sum(), text
        # Every written word is there, in order (joined words share a span).
        assert " ".join(w.word for w in words).split() == words_of(text), text
        # The pauses between segments (digital silence) hold no word.
        for word in words:
            span = samples[int(word.start * SAMPLE_RATE) : int(word.end * SAMPLE_RATE)]
            assert _longest_run(span == 0) < 0.05 * SAMPLE_RATE, (text, word)


def _longest_run(flags: NDArray[np.bool_]) -> int:
    """The longest run of True."""
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return int(np.max(edges[1::2] - edges[::2])) if len(edges) else 0


@ASYNC
async def test_money_is_one_span_over_its_spoken_words(engine: Engine) -> None:
    _, words = await _timed(engine, "That will be $12.50 please.")
    money = next(word for word in words if word.word == "$12.50")
    # "twelve dollars and fifty cents" takes far longer than any one spoken word.
    assert money.end - money.start > 0.9


@ASYNC
async def test_wordless_language_gets_no_timings(engine: Engine) -> None:
    assert engine.word_timestamps_unsupported("ja")
    assert engine.word_timestamps_unsupported("en-us") is None
    params = engine.speech_params("jf_alpha", "ja")
    async with contextlib.aclosing(engine.stream_timed(once("こんにちは。"), params)) as stream:
        chunks = [chunk async for chunk in stream]
    assert chunks and all(chunk.pcm and not chunk.words for chunk in chunks)

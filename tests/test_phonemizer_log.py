"""espeak-ng reads numbers and times as several words; phonemizer warns about the word count
on every such reply unless the engine says that is expected."""

from __future__ import annotations

import logging

import pytest

from wyoming_kokoro.engine import Engine

from .helpers import assert_speech, synthesize_text


async def test_a_reply_with_numbers_and_a_time_logs_no_warning(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    text = "It is 10:30, 21 degrees, and 3 lights are on."
    with caplog.at_level(logging.WARNING):
        pcm = await synthesize_text(engine, text, engine.speech_params())
    assert_speech(pcm, words=12)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_other_phonemizer_warnings_still_reach_the_log(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        logging.getLogger("phonemizer").warning("espeak-mbrola backend cannot preserve punctuation")
        logging.getLogger("phonemizer").warning("words count mismatch on line 1")
    assert [r.getMessage() for r in caplog.records] == [
        "espeak-mbrola backend cannot preserve punctuation"
    ]

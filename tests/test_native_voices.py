"""Each language speaks with its own voice: the defaults chosen by language, heard through the
real engine (the 54-voice bank, real model)."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio

from wyoming_kokoro.cli import parse_settings
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.languages import DEFAULT_VOICES, LANGUAGES, natural_voice

from .helpers import assert_speech, synthesize_text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import asr
import voices_wer

#: Enough replies for the old default's accent to show in what Whisper hears.
WER_REPLIES = 12

#: One ordinary assistant line per language, and how many words it has.
LINES: dict[str, tuple[str, int]] = {
    "en-us": ("The kitchen lights are on now.", 6),
    "en-gb": ("The kitchen lights are on now.", 6),
    "es": ("Las luces de la cocina están encendidas.", 7),
    "fr-fr": ("Les lumières de la cuisine sont allumées.", 7),
    "it": ("Le luci della cucina sono accese.", 6),
    "pt-br": ("As luzes da cozinha estão acesas.", 6),
    "hi": ("रसोई की बत्तियाँ जल गई हैं।", 6),
    "ja": ("台所の電気をつけました。", 6),
    "cmn": ("厨房的灯已经打开了。", 6),
}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def native(engine: Engine) -> AsyncIterator[Engine]:
    """The shared model and bank, served with no --voice and no --language (the defaults)."""
    settings = replace(engine.settings, voice=None, language=None)
    served = Engine(engine._model, engine.voices, settings, engine.description)
    yield served
    await asyncio.to_thread(served.close)


def test_the_bank_has_every_language_and_its_default(engine: Engine) -> None:
    assert len(engine.voices.names) == 54
    assert set(DEFAULT_VOICES) == set(LANGUAGES) == set(LINES)
    for voice in DEFAULT_VOICES.values():
        assert voice in engine.voices


def test_without_a_voice_english_speaks_with_af_heart(native: Engine) -> None:
    params = native.speech_params()
    assert (params.voice, params.language) == ("af_heart", "en-us")


@pytest.mark.parametrize(("language", "voice"), DEFAULT_VOICES.items())
async def test_each_language_speaks_with_its_default_voice(
    native: Engine, language: str, voice: str
) -> None:
    params = native.speech_params(language=language)
    assert (params.voice, params.language) == (voice, language)
    text, words = LINES[language]
    assert_speech(await synthesize_text(native, text, params), words)


@pytest.mark.parametrize(
    ("voice", "language"),
    [("ff_siwis", "fr-fr"), ("bm_george", "en-gb"), ("zm_yunxi", "cmn"), ("jm_kumo", "ja")],
)
def test_a_voice_named_alone_speaks_its_own_language(
    native: Engine, voice: str, language: str
) -> None:
    assert native.speech_params(voice).language == language


def test_the_servers_language_picks_its_voice(native: Engine) -> None:
    french = Engine(
        native._model,
        native.voices,
        replace(native.settings, language="fr-FR"),
        native.description,
    )
    try:
        assert (french.default_params.voice, french.default_params.language) == (
            "ff_siwis",
            "fr-fr",
        )
    finally:
        french.close()


def test_a_given_voice_wins_over_the_language_default(native: Engine) -> None:
    chosen = Engine(
        native._model, native.voices, replace(native.settings, voice="bf_emma"), native.description
    )
    try:
        assert chosen.speech_params(language="es").voice == "bf_emma"
        assert chosen.default_params.voice == "bf_emma"
    finally:
        chosen.close()


def test_auto_means_the_language_default() -> None:
    assert parse_settings(["--voice", "auto"]).voice is None
    assert parse_settings([]).voice is None
    assert parse_settings(["--voice", "am_michael"]).voice == "am_michael"


def test_a_bank_without_the_language_still_speaks() -> None:
    japanese = ["jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo"]
    assert natural_voice("en-us", japanese) == "jf_alpha"
    assert natural_voice("ja", japanese) == "jf_alpha"
    assert natural_voice("en-gb", ["af_heart", "bm_george"]) == "bm_george"


def test_blends_across_languages_keep_working(native: Engine) -> None:
    params = native.speech_params("ff_siwis:0.5+af_heart:0.5")
    assert params.language == "fr-fr"  # the first voice's language
    assert re.fullmatch(r"ff_siwis:0\.5\+af_heart:0\.5", params.voice)


async def test_english_is_understood_better_with_the_new_default(native: Engine) -> None:
    """Whisper tiny.en on a dozen assistant replies: af_heart, the new default for English, is
    misheard less than jf_alpha, the Japanese voice that used to read English
    (``bench/voices_wer.py`` measures it on more replies and voices)."""
    replies = voices_wer.REPLIES[:WER_REPLIES]
    heard: dict[str, float] = {}
    for voice in ("af_heart", "jf_alpha"):
        spoken = [await voices_wer.speak(native, text, voice) for text in replies]
        said = [await asyncio.to_thread(asr.transcribe, pcm) for pcm in spoken]
        heard[voice] = asr.word_error_rate(replies, said)
    assert heard["af_heart"] < heard["jf_alpha"], heard

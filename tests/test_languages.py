"""Language codes: the espeak codes Kokoro speaks, their spellings, voice prefixes."""

from __future__ import annotations

import pytest

from wyoming_kokoro.engine.languages import (
    LANGUAGES,
    VOICE_PREFIX_LANGUAGE,
    UnsupportedLanguageError,
    language_of_voice,
    locale_of,
    normalize_language,
)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en-us", "en-us"),
        ("en-US", "en-us"),
        ("en_GB", "en-gb"),
        (" fr_FR ", "fr-fr"),
        ("en", "en-us"),
        ("pt", "pt-br"),
        ("zh-CN", "cmn"),
        ("ja-JP", "ja"),
        ("es-ES", "es"),
    ],
)
def test_spellings_map_to_the_espeak_code(code: str, expected: str) -> None:
    assert normalize_language(code) == expected


def test_every_code_is_its_own_normal_form() -> None:
    for code in LANGUAGES:
        assert normalize_language(code) == code


def test_unsupported_language_lists_the_choices() -> None:
    with pytest.raises(UnsupportedLanguageError) as caught:
        normalize_language("de-DE")
    message = str(caught.value)
    assert message.startswith("Unsupported language 'de-DE'. Supported: ")
    assert all(code in message for code in LANGUAGES)


@pytest.mark.parametrize(
    ("voice", "language"),
    [("af_heart", "en-us"), ("bm_george", "en-gb"), ("jf_alpha", "ja"), ("zf_xiaoni", "cmn")],
)
def test_voice_prefix_names_its_language(voice: str, language: str) -> None:
    assert language_of_voice(voice) == language


@pytest.mark.parametrize("voice", ["custom", "xf_unknown", ""])
def test_voice_without_a_known_prefix_has_no_language(voice: str) -> None:
    assert language_of_voice(voice) is None


def test_every_prefix_and_code_has_a_locale() -> None:
    assert set(VOICE_PREFIX_LANGUAGE.values()) == set(LANGUAGES)
    assert locale_of("en-us") == "en_US"
    assert locale_of("cmn") == "zh_CN"
    assert all(locale_of(code).count("_") == 1 for code in LANGUAGES)

"""Language codes: the espeak codes Kokoro speaks, their BCP-47 spellings, voice prefixes."""

from __future__ import annotations

from collections.abc import Sequence

#: espeak language code -> (BCP-47 locale, human name).
LANGUAGES: dict[str, tuple[str, str]] = {
    "en-us": ("en_US", "English (US)"),
    "en-gb": ("en_GB", "English (UK)"),
    "es": ("es_ES", "Spanish"),
    "fr-fr": ("fr_FR", "French"),
    "hi": ("hi_IN", "Hindi"),
    "it": ("it_IT", "Italian"),
    "ja": ("ja_JP", "Japanese"),
    "pt-br": ("pt_BR", "Portuguese (Brazil)"),
    "cmn": ("zh_CN", "Chinese (Mandarin)"),
}

#: Kokoro voice names start with a letter naming their language: af_heart, jf_alpha, ...
VOICE_PREFIX_LANGUAGE: dict[str, str] = {
    "a": "en-us",
    "b": "en-gb",
    "e": "es",
    "f": "fr-fr",
    "h": "hi",
    "i": "it",
    "j": "ja",
    "p": "pt-br",
    "z": "cmn",
}

#: The voice each language speaks with when a request names no voice: the natural one.
DEFAULT_VOICES: dict[str, str] = {
    "en-us": "af_heart",
    "en-gb": "bf_emma",
    "es": "ef_dora",
    "fr-fr": "ff_siwis",
    "it": "if_sara",
    "pt-br": "pf_dora",
    "hi": "hf_alpha",
    "ja": "jf_alpha",
    "cmn": "zf_xiaobei",
}

_ALIASES: dict[str, str] = {
    "en": "en-us",
    "fr": "fr-fr",
    "pt": "pt-br",
    "zh": "cmn",
    "zh-cn": "cmn",
    "es-es": "es",
    "it-it": "it",
    "hi-in": "hi",
    "ja-jp": "ja",
}


class UnsupportedLanguageError(ValueError):
    """A language code the model cannot speak; the message lists what it can."""


def normalize_language(code: str) -> str:
    """Map ``en-US``, ``fr_FR``, ``en`` ... to the espeak code Kokoro uses."""
    key = code.strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    if key not in LANGUAGES:
        supported = ", ".join(LANGUAGES)
        raise UnsupportedLanguageError(
            f"Unsupported language {code!r}. Supported: {supported} (or BCP-47 forms like en-US)"
        )
    return key


def language_of_voice(voice: str) -> str | None:
    """The language a voice was made for, from its prefix (``af_heart`` -> ``en-us``)."""
    return VOICE_PREFIX_LANGUAGE.get(voice[:1].lower()) if "_" in voice else None


def natural_voice(language: str, loaded: Sequence[str]) -> str:
    """The voice of ``loaded`` that speaks ``language`` best.

    The language's default voice, else the first voice made for the language, else the
    first voice at all (a bank without the language still speaks, with an accent).
    """
    preferred = DEFAULT_VOICES.get(language)
    if preferred is not None and preferred in loaded:
        return preferred
    own = [name for name in loaded if language_of_voice(name) == language]
    return own[0] if own else loaded[0]


_GENDERS = {"f": "female", "m": "male"}


def describe_voice(name: str) -> str:
    """A readable label: ``jf_alpha`` -> ``Alpha (Japanese, female)``."""
    prefix, _, rest = name.partition("_")
    if not rest:
        return name
    label = rest.replace("_", " ").title()
    details = []
    language = language_of_voice(name)
    if language is not None:
        details.append(LANGUAGES[language][1])
    gender = _GENDERS.get(prefix[1:2].lower())
    if gender is not None:
        details.append(gender)
    return f"{label} ({', '.join(details)})" if details else label


def locale_of(language: str) -> str:
    """``en-us`` -> ``en_US``."""
    return LANGUAGES[language][0]

"""What the Wyoming server answers to ``describe`` (one TTS program, one entry per voice), and
the voice it picks for a request that names only a locale.

Home Assistant groups voices by the locales listed here and sends only the voice name back, so
each voice is listed under the language it will really speak: its own (from the name prefix),
or, when the server runs with ``--language``, that language alone.
"""

from __future__ import annotations

import logging

from wyoming.info import Attribution, Info, TtsProgram, TtsVoice

from ... import __version__
from ...engine import Engine, InvalidRequestError
from ...engine.languages import DEFAULT_VOICES, describe_voice, locale_of
from ...schema import quote

_LOGGER = logging.getLogger(__name__)

PROGRAM_NAME = "kokoro-live"
PROGRAM_DESCRIPTION = "Kokoro Live: streaming Kokoro-82M text to speech"
MODEL_ATTRIBUTION = Attribution(name="hexgrad", url="https://huggingface.co/hexgrad/Kokoro-82M")


def voice_locales(engine: Engine) -> dict[str, str]:
    """Each voice that can speak, with the locale it speaks (``jf_alpha`` -> ``ja_JP``)."""
    locales: dict[str, str] = {}
    for name in engine.voices.names:
        try:
            params = engine.speech_params(name)
        except InvalidRequestError as error:
            _LOGGER.warning("Not listing voice %s: %s", name, error)
            continue
        locales[name] = locale_of(params.language)
    return locales


def build_info(engine: Engine, streaming: bool) -> Info:
    """The ``info`` event's content; built once at start, so ``describe`` costs nothing."""
    voices = [
        TtsVoice(
            name=name,
            description=describe_voice(name),
            attribution=MODEL_ATTRIBUTION,
            installed=True,
            version=None,
            languages=[locale],
        )
        for name, locale in voice_locales(engine).items()
    ]
    program = TtsProgram(
        name=PROGRAM_NAME,
        description=PROGRAM_DESCRIPTION,
        attribution=MODEL_ATTRIBUTION,
        installed=True,
        version=__version__,
        voices=voices,
        supports_synthesize_streaming=streaming,
    )
    return Info(tts=[program])


def voice_for_locale(locales: dict[str, str], language: str, default: str) -> str:
    """A voice listed for ``language`` (``en_US``, or just ``en``): the default voice if it is
    one of them, else the language's natural voice (``af_heart`` for ``en_US``), else the first;
    :class:`InvalidRequestError` when none is."""
    wanted = language.strip().replace("-", "_").lower()
    for exact in (True, False):
        matches = [
            name
            for name, locale in locales.items()
            if locale.lower() == wanted or (not exact and locale.split("_")[0].lower() == wanted)
        ]
        for choice in (default, *DEFAULT_VOICES.values()):
            if choice in matches:
                return choice
        if matches:
            return matches[0]
    available = sorted(set(locales.values()))
    raise InvalidRequestError(
        f"No voice for language {quote(language)}. Available: {', '.join(available)}"
    )

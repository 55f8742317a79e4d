"""OpenAI's voice names (``alloy``, ``nova``, ...) as voices of the loaded bank.

Software written for OpenAI's speech API sends its own voice names. Each one stands for a voice
of ours: the first of its candidates that the loaded bank has (the official bank's namesake or
nearest character, then the Japanese fallback bank's), else the bank's first voice of the same
gender, else the server's default voice. The table is settled once, when the server starts; a
``--openai-voice NAME=VOICE`` flag overrides one entry, and an entry naming a voice that is not
loaded is the request's error, never quietly another voice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

#: Each OpenAI name: female (``f``) or male (``m``), then our voices best first.
OPENAI_VOICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "alloy": ("f", ("af_alloy", "jf_alpha")),
    "ash": ("m", ("am_adam", "jm_kumo")),
    "ballad": ("m", ("bm_george", "jm_kumo")),
    "coral": ("f", ("af_heart", "jf_gongitsune")),
    "echo": ("m", ("am_echo", "jm_kumo")),
    "fable": ("m", ("bm_fable", "jm_kumo")),
    "onyx": ("m", ("am_onyx", "jm_kumo")),
    "nova": ("f", ("af_nova", "jf_nezumi")),
    "sage": ("f", ("af_sarah", "jf_tebukuro")),
    "shimmer": ("f", ("af_bella", "jf_alpha")),
    "verse": ("m", ("am_puck", "jm_kumo")),
    "marin": ("f", ("af_kore", "jf_gongitsune")),
    "cedar": ("m", ("am_michael", "jm_kumo")),
}


def _default_for(
    gender: str, candidates: Sequence[str], loaded: Sequence[str], fallback: str
) -> str:
    for voice in candidates:
        if voice in loaded:
            return voice
    # Kokoro's voice names start with a language letter and a gender letter: af_, jm_, ...
    same_gender = [voice for voice in loaded if voice[1:3] == f"{gender}_"]
    return same_gender[0] if same_gender else fallback


def openai_voice_table(
    loaded: Sequence[str], overrides: Iterable[tuple[str, str]], fallback: str
) -> dict[str, str]:
    """OpenAI name → our voice (or blend) for a bank with voices ``loaded``.

    ``overrides`` (``--openai-voice``) win and may add names; ``fallback`` is the server's
    default voice, for a bank with no voice of the right gender.
    """
    table = {
        name: _default_for(gender, candidates, loaded, fallback)
        for name, (gender, candidates) in OPENAI_VOICES.items()
    }
    for name, voice in overrides:
        table[name.strip().lower()] = voice.strip()
    return table

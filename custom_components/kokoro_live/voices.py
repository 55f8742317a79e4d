"""Readable voice names: the server's own, and names built for blends such as ``a:0.6+b:0.4``.

The server names its voices (``af_heart`` -> ``Heart (English (US), female)``, the same labels
Wyoming shows); a blend is a voice of its own that no list names, so its name is made from
its parts': ``af_heart:0.6+am_michael:0.4`` -> ``Heart 60% + Michael 40%``. Lists put the
voices of the language at hand first, its natural voice at the top.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .api import ServerInfo

#: One part of a blend, as the server parses it: a voice id and an optional weight.
_BLEND_PART = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*(?::\s*([0-9]*\.?[0-9]+)\s*)?$")
#: The details a voice's name ends with, left out inside a blend's name to keep it short
#: (they may nest: ``Heart (English (US), female)``).
_DETAILS = re.compile(r"\s*\(.*\)$")


def blend_parts(spec: str) -> list[tuple[str, float]] | None:
    """``a:3+b:1`` -> ``[("a", 0.75), ("b", 0.25)]`` (weights summing to 1); None if malformed."""
    parts: list[tuple[str, float]] = []
    for part in spec.split("+"):
        match = _BLEND_PART.match(part)
        if match is None:
            return None
        voice, weight = match.groups()
        parts.append((voice, float(weight) if weight is not None else 1.0))
    total = sum(weight for _, weight in parts)
    if total <= 0:
        return None
    return [(voice, weight / total) for voice, weight in parts]


def is_known_voice(spec: str, voices: Iterable[str]) -> bool:
    """A voice the server lists, or a well-formed blend of voices it lists."""
    known = set(voices)
    parts = blend_parts(spec)
    return parts is not None and all(voice in known for voice, _ in parts)


def canonical_voice(spec: str) -> str:
    """The voice as the server echoes it back: without spaces."""
    return "".join(spec.split())


def voice_name(spec: str, names: Mapping[str, str]) -> str:
    """The readable name of a voice or a blend; an id the server does not name stays as it is."""
    if spec in names:
        return names[spec]
    parts = blend_parts(spec)
    if parts is None:
        return spec
    if len(parts) == 1:
        return names.get(parts[0][0], parts[0][0])
    return " + ".join(
        f"{_DETAILS.sub('', names.get(voice, voice))} {round(weight * 100)}%"
        for voice, weight in parts
    )


def voices_by_language(info: ServerInfo, language: str | None) -> list[str]:
    """The server's voices, those made for ``language`` (a server code) first.

    The voice a request in that language gets by default leads; the other voices follow in
    the server's order.
    """
    if language is None:
        return list(info.voices)
    own = [voice for voice in info.voices if info.voice_languages.get(voice) == language]
    default = info.default_voices.get(language)
    if default in own:
        own.remove(default)
        own.insert(0, default)
    return own + [voice for voice in info.voices if voice not in own]


def voice_choices(info: ServerInfo, *saved: object, language: str | None = None) -> dict[str, str]:
    """Voice id -> readable name: the server's voices (``language``'s first), then its
    default and saved voices.

    The default and the saved voices are listed too when they are blends, so a blend the
    server starts with or a user chose shows up by name wherever voices are offered.
    """
    choices = {
        voice: voice_name(voice, info.voice_names) for voice in voices_by_language(info, language)
    }
    for spec in (info.default_voice, *saved):
        if isinstance(spec, str) and spec and spec not in choices:
            choices[spec] = voice_name(spec, info.voice_names)
    return choices

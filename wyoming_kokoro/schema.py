"""The request schema: voice, language and speed as every door receives them, checked once.

The live and buffered inits and Wyoming requests reach it through
:meth:`wyoming_kokoro.engine.Engine.speech_params`; the command line and the add-on options
check their speed and limits here too. Each error names its field, says what the field must be
and what it got. Whether a voice exists is the engine's question (it knows the loaded voices).
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass

import voluptuous as vol

from .config import MAX_SPEED, MIN_SPEED
from .engine.languages import UnsupportedLanguageError, normalize_language

#: What a speed must be, as every door says it.
SPEED_RULE = f"a number from {MIN_SPEED} to {MAX_SPEED}"

#: The longest voice spec read at all: a blend of a dozen voices fits; checked before any
#: pattern sees the text, so no input can make the voice check slow.
MAX_VOICE_CHARS = 256
#: The longest language code read at all (``en-US`` and friends are a few characters).
MAX_LANGUAGE_CHARS = 32
#: How much of an offending value an error message or a log line quotes.
QUOTE_LIMIT = 40


class RequestError(ValueError):
    """A request field is wrong; ``str()`` names the field and the fix."""


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr`` of at most a short prefix of ``value``: a client's 4 MB string must not be
    echoed back to it or written to the log."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value)} characters)"
    short = reprlib.Repr()
    short.maxstring = short.maxother = short.maxlong = limit
    short.maxlevel = 2
    try:
        return short.repr(value)
    except ValueError:  # an int too long to print (Python's digit limit)
        return f"a {type(value).__name__}"


def _fail(field: str, rule: str, value: object) -> vol.Invalid:
    return vol.Invalid(f"'{field}' must be {rule}, got {quote(value)}")


def _voice(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail("voice", "a non-empty string", value)
    if len(value) > MAX_VOICE_CHARS:
        raise _fail("voice", f"at most {MAX_VOICE_CHARS} characters", value)
    return value


def _language(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail("language", "a string such as 'en-us'", value)
    if len(value) > MAX_LANGUAGE_CHARS:
        raise _fail(
            "language",
            f"a language code such as 'en-us' (at most {MAX_LANGUAGE_CHARS} characters)",
            value,
        )
    try:
        return normalize_language(value)
    except UnsupportedLanguageError as error:
        raise vol.Invalid(str(error)) from None


def _speed(value: object) -> float | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not MIN_SPEED <= value <= MAX_SPEED
    ):
        raise _fail("speed", SPEED_RULE, value)
    return float(value)


def _positive_int(field: str) -> vol.Schema:
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise _fail(field, "a whole number of at least 1", value)
        return value

    return vol.Schema(check)


#: A request's voice, language and speed; absent or None means the server's default.
REQUEST = vol.Schema(
    {
        vol.Optional("voice"): _voice,
        vol.Optional("language"): _language,
        vol.Optional("speed"): _speed,
    },
    extra=vol.ALLOW_EXTRA,
)

#: The limits (``Limits``) and counts a user may set: whole numbers of at least 1.
LIMITS = vol.Schema(
    {
        vol.Optional("max_text_chars"): _positive_int("max_text_chars"),
        vol.Optional("max_frame_chars"): _positive_int("max_frame_chars"),
        vol.Optional("max_sessions"): _positive_int("max_sessions"),
        vol.Optional("max_contexts"): _positive_int("max_contexts"),
        vol.Optional("threads"): _positive_int("threads"),
        vol.Optional("samples_per_chunk"): _positive_int("samples_per_chunk"),
    }
)


@dataclass(frozen=True)
class Request:
    """A checked request: ``language`` normalized (``en-US`` -> ``en-us``), None for defaults."""

    voice: str | None = None
    language: str | None = None
    speed: float | None = None


def _check(schema: vol.Schema, data: Mapping[str, object]) -> dict[str, object]:
    try:
        checked: dict[str, object] = schema(dict(data))
    except vol.MultipleInvalid as error:
        raise RequestError(error.errors[0].msg) from None
    return checked


def check_request(data: Mapping[str, object]) -> Request:
    """Voice, language and speed from a door's request; :class:`RequestError` if one is wrong."""
    checked = _check(REQUEST, data)
    return Request(
        voice=checked.get("voice"),  # type: ignore[arg-type]
        language=checked.get("language"),  # type: ignore[arg-type]
        speed=checked.get("speed"),  # type: ignore[arg-type]
    )


def check_speed(value: object) -> float:
    """One speed (command line, add-on options); :class:`RequestError` if out of range."""
    speed = _check(REQUEST, {"speed": value}).get("speed")
    if not isinstance(speed, float):
        raise RequestError(f"'speed' must be {SPEED_RULE}, got {quote(value)}")
    return speed


def check_positive_int(field: str, value: object) -> int:
    """A limit or count such as ``max_sessions``; :class:`RequestError` below 1."""
    checked = _check(LIMITS, {field: value})[field]
    assert isinstance(checked, int)
    return checked

"""The fields of the Wyoming events the server acts on, checked before use.

The ``wyoming`` library's ``from_event`` helpers trust the data (``{"text": 5}`` reaches the
engine as a number, a ``null`` voice is a ``TypeError``); here each field is checked once and a
wrong one becomes a :class:`MalformedEventError` naming the event and the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import voluptuous as vol
from wyoming.event import Event
from wyoming.tts import SynthesizeVoice

from ...schema import quote


class MalformedEventError(ValueError):
    """An event's field is wrong; ``str()`` names the event, the field and what it got."""


def _string(rule: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        if value is not None and not isinstance(value, str):
            raise vol.Invalid(f"must be {rule}, got {quote(value)}")
        return value

    return check


def _object(value: object) -> object:
    if value is not None and not isinstance(value, Mapping):
        raise vol.Invalid(f"must be an object such as {{'name': 'af_heart'}}, got {quote(value)}")
    return value


_VOICE = vol.All(
    _object,
    vol.Any(
        None,
        vol.Schema(
            {
                vol.Optional("name"): _string("a string such as 'af_heart'"),
                vol.Optional("language"): _string("a string such as 'en_US'"),
                vol.Optional("speaker"): _string("a string"),
            },
            extra=vol.ALLOW_EXTRA,
        ),
    ),
)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise vol.Invalid(f"must be a string, got {quote(value)}")
    return value


_TEXT = _text

_SCHEMAS: dict[str, vol.Schema] = {
    "synthesize": vol.Schema(
        {vol.Required("text"): _TEXT, vol.Optional("voice"): _VOICE}, extra=vol.ALLOW_EXTRA
    ),
    "synthesize-start": vol.Schema({vol.Optional("voice"): _VOICE}, extra=vol.ALLOW_EXTRA),
    "synthesize-chunk": vol.Schema({vol.Required("text"): _TEXT}, extra=vol.ALLOW_EXTRA),
}


def _checked(event: Event) -> dict[str, object]:
    schema = _SCHEMAS[event.type]
    try:
        data: dict[str, object] = schema(event.data)
    except vol.MultipleInvalid as error:
        first = error.errors[0]
        where = ".".join(str(key) for key in first.path) or "data"
        message = first.msg if first.msg != "required key not provided" else "is required"
        raise MalformedEventError(f"Malformed {event.type} event: '{where}' {message}") from None
    return data


def text_of(event: Event) -> str:
    """The text of a ``synthesize`` or ``synthesize-chunk`` event."""
    text = _checked(event)["text"]
    assert isinstance(text, str)
    return text


def voice_of(event: Event) -> SynthesizeVoice | None:
    """The voice a ``synthesize`` or ``synthesize-start`` event asks for (None: the default).

    A name wins over a language, as in the ``wyoming`` library.
    """
    voice = _checked(event).get("voice")
    if not isinstance(voice, Mapping):
        return None
    name, language = voice.get("name"), voice.get("language")
    if name is not None:
        return SynthesizeVoice(name=name, speaker=voice.get("speaker"))
    if language is not None:
        return SynthesizeVoice(language=language)
    return None

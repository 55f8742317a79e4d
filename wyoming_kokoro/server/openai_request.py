"""The body of ``POST /v1/audio/speech`` as OpenAI defines it, checked into a request.

Every mistake becomes an :class:`ApiError` in OpenAI's error shape, naming the field (``param``)
and what it must be, so that OpenAI clients show our message as they would show OpenAI's. Voice,
language and speed go through the same request schema as every other door
(:meth:`Engine.speech_params`); OpenAI's voice names go through the voice table first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import voluptuous as vol
from aiohttp import web

from ..engine import Engine, InvalidRequestError, SpeechParams
from ..jsontext import JsonInputError, read_json
from ..schema import RequestError, check_request, check_speed
from .encoders import FORMATS

#: ``model`` values accepted: ours, and OpenAI's speech models as aliases of it.
MODELS = ("kokoro", "tts-1", "tts-1-hd", "gpt-4o-mini-tts")
#: ``stream_format``: the audio bytes themselves, or server-sent events of base64 chunks.
STREAM_FORMATS = ("audio", "sse")


class ApiError(Exception):
    """An error answered in OpenAI's shape: ``{"error": {message, type, param, code}}``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        kind: str = "invalid_request_error",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.kind = kind
        self.headers = dict(headers or {})

    def response(self) -> web.Response:
        """The JSON response that carries this error."""
        body = {
            "error": {
                "message": self.message,
                "type": self.kind,
                "param": self.param,
                "code": self.code,
            }
        }
        return web.json_response(body, status=self.status, headers=self.headers)


@dataclass(frozen=True)
class SpeechRequest:
    """A checked speech request: what to say, how, and in which format to answer."""

    text: str
    params: SpeechParams
    response_format: str
    stream_format: str
    model: str
    #: What the client sent as ``voice`` (an OpenAI name stays an OpenAI name here).
    voice_requested: str | None = None


def _one_of(name: str, choices: Sequence[str]) -> Callable[[object], str]:
    def check(value: object) -> str:
        if not isinstance(value, str) or value not in choices:
            raise vol.Invalid(f"'{name}' must be one of {', '.join(choices)}; got {value!r}")
        return value

    return check


def _input(value: object) -> str:
    if not isinstance(value, str):
        raise vol.Invalid(f"'input' must be the text to speak, a string; got {value!r}")
    if not value.strip():
        raise vol.Invalid("'input' is empty: send the text to speak")
    return value


def _voice(value: object) -> str:
    # OpenAI also takes {"id": "..."} for custom voices: the id is a voice of ours then.
    if isinstance(value, Mapping):
        value = value.get("id")
    if not isinstance(value, str) or not value.strip():
        raise vol.Invalid(
            f"'voice' must be a voice name, a blend like 'af_heart:0.6+am_michael:0.4' or an "
            f"OpenAI voice name such as 'alloy'; got {value!r}"
        )
    return value.strip()


def _speed(value: object) -> float:
    try:
        return check_speed(value)
    except RequestError as error:
        raise vol.Invalid(f"{error} (this server speaks from 0.5 to 2.0 times)") from None


def _language(value: object) -> str:
    try:
        language = check_request({"language": value}).language
    except RequestError as error:
        raise vol.Invalid(str(error)) from None
    if language is None:
        raise vol.Invalid(f"'language' must be a language code such as 'en-us'; got {value!r}")
    return language


def _instructions(value: object) -> str:
    if not isinstance(value, str):
        raise vol.Invalid(f"'instructions' must be a string; got {value!r}")
    return value  # accepted for compatibility; Kokoro has no instructable voice


def _drop_nulls(value: object) -> object:
    # Clients built on OpenAI's types may send null for a field they leave at its default.
    if isinstance(value, Mapping):
        return {key: item for key, item in value.items() if item is not None}
    return value


_BODY = vol.Schema(
    vol.All(
        _drop_nulls,
        {
            vol.Required("input", msg="'input' is required: the text to speak"): _input,
            vol.Optional("model", default=MODELS[0]): _one_of("model", MODELS),
            vol.Optional("voice"): _voice,
            vol.Optional("response_format", default="mp3"): _one_of(
                "response_format", list(FORMATS)
            ),
            vol.Optional("speed"): _speed,
            vol.Optional("language"): _language,
            vol.Optional("instructions"): _instructions,
            vol.Optional("stream_format", default="audio"): _one_of(
                "stream_format", STREAM_FORMATS
            ),
        },
    ),
    extra=vol.ALLOW_EXTRA,
)


def decode_body(content_type: str, raw: bytes) -> dict[str, Any]:
    """The JSON object of a request body; :class:`ApiError` (400) for anything else."""
    if content_type != "application/json":
        raise ApiError(
            400,
            f"Send the request as JSON with 'Content-Type: application/json'; got "
            f"{content_type or 'no content type'!r}",
            code="invalid_content_type",
        )
    try:
        body = read_json(raw)
    except JsonInputError as error:
        raise ApiError(
            400, f"The request body is not valid JSON: {error}", code="invalid_json"
        ) from None
    if not isinstance(body, dict):
        raise ApiError(
            400,
            f"The request body must be a JSON object; got {type(body).__name__}",
            code="invalid_json",
        )
    return body


def parse_speech(
    body: Mapping[str, Any], engine: Engine, voices: Mapping[str, str], max_text_chars: int
) -> SpeechRequest:
    """Check a speech request against the loaded voices and the text limit.

    ``voices`` is the OpenAI voice table (name → our voice). Raises :class:`ApiError`: 400 for
    a wrong field, 413 for text over ``max_text_chars``.
    """
    try:
        checked: dict[str, Any] = _BODY(dict(body))
    except vol.MultipleInvalid as error:
        first = error.errors[0]
        param = str(first.path[0]) if first.path else None
        raise ApiError(400, first.msg, param=param, code="invalid_value") from None
    text: str = checked["input"]
    if len(text) > max_text_chars:
        raise ApiError(
            413,
            f"'input' has {len(text)} characters, over this server's limit of {max_text_chars}; "
            "split the text into several requests",
            param="input",
            code="input_too_long",
        )
    requested: str | None = checked.get("voice")
    voice = voices.get(requested.lower(), requested) if requested is not None else None
    try:
        params = engine.speech_params(voice, checked.get("language"), checked.get("speed"))
    except InvalidRequestError as error:
        message = str(error)
        if requested is not None and voice != requested:
            message = (
                f"OpenAI voice {requested!r} is mapped to {voice!r}, which this server has not "
                f"loaded ({error}); map it to a loaded voice with --openai-voice "
                f"{requested.lower()}=VOICE"
            )
        raise ApiError(400, message, param="voice", code="invalid_voice") from None
    return SpeechRequest(
        text=text,
        params=params,
        response_format=checked["response_format"],
        stream_format=checked["stream_format"],
        model=checked["model"],
        voice_requested=requested,
    )

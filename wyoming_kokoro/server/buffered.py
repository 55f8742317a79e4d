"""The buffered ``/ws/tts/stream`` door, in the async.ai WebSocket shape.

It keeps clients written for async.ai-style TTS working unchanged, and is the fallback of
:class:`wyoming_kokoro.client.KokoroLocalProvider` for servers without the live endpoint.
Buffered means the text is collected until the client ends it (or forces a flush) and only
then spoken; ``/ws/tts/live`` is the low-latency path.

Session::

    -> {"model_id": "...", "voice": {"mode": "id", "id": "af_heart"},
        "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 24000},
        "language": "en"}
    -> {"transcript": "Hello there. "}          (any number; "force": true speaks what is buffered)
    -> {"transcript": ""}                       (or {"text": ""}: end of input)
    <- {"audio": "<base64 PCM>", "final": false}  ...
    <- {"audio": "", "final": true}             then close 1000

Errors are ``{"error_code": "...", "message": "..."}`` followed by a close (1008 for the
client's mistake, 1011 for a server fault, 1013 when the server is full).
"""

from __future__ import annotations

import base64
import contextlib
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ..aio import once
from ..engine import Engine, InvalidRequestError, SpeechParams, audio
from ..schema import quote
from . import auth
from .appkeys import ENGINE_KEY, SETTINGS_KEY
from .protocol import (
    BusyError,
    ClientError,
    IdleTimeoutError,
    InternalError,
    LimitError,
    StoppedReadingError,
    TextBudget,
    UnauthorizedError,
    frame_bytes,
    parse_json,
)
from .sessions import Session
from .websocket import Channel, serve_session

BUFFERED_PATH = "/ws/tts/stream"
DOOR = "buffered"

CONTAINERS = ("raw",)
ENCODINGS = ("pcm_s16le",)


class BufferedError(ClientError):
    """A request this endpoint cannot serve, reported with its own ``error_code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.kind = "invalid_request"


@dataclass(frozen=True)
class _Transcript:
    text: str
    force: bool


async def handle(request: web.Request) -> web.StreamResponse:
    """The route handler of ``/ws/tts/stream``."""
    engine = request.app[ENGINE_KEY]
    limits = request.app[SETTINGS_KEY].limits

    async def session(channel: Channel, session: Session) -> None:
        init = await _receive_object(channel, limits.idle_timeout, "init message")
        auth.check_init(request, DOOR, init)
        params = request_params(engine, init)
        frame_size = frame_bytes(engine)
        budget = TextBudget(limits, "Transcript")

        async def next_transcript() -> _Transcript | None:
            message = await _receive_object(channel, limits.idle_timeout, "transcript")
            text = message.get("transcript", message.get("text"))
            force = message.get("force") is True
            if not isinstance(text, str) and not (text is None and force):
                raise ClientError(
                    'Each message needs a "transcript" string, e.g. {"transcript": "Hello. "}; '
                    '{"transcript": ""} ends the input'
                )
            if text == "":
                return None
            if text:
                budget.take(text)
                session.text_received()
            return _Transcript(text or "", force)

        buffered: list[str] = []

        async def flush() -> None:
            """Speak what is buffered, sending each segment's audio as soon as it is ready."""
            text = "".join(buffered)
            buffered.clear()
            if not text.strip():
                return
            async with contextlib.aclosing(engine.stream(once(text), params)) as stream:
                async for pcm in stream:
                    for frame in audio.slice_frames(pcm, frame_size):
                        payload = base64.b64encode(frame).decode("ascii")
                        await channel.send_json({"audio": payload, "final": False})
                        session.audio_sent(audio.duration_seconds(frame))

        async with channel.read_ahead(next_transcript) as transcripts:
            async for transcript in transcripts:
                buffered.append(transcript.text)
                if transcript.force:
                    await flush()
            await flush()
        await channel.send_json({"audio": "", "final": True})

    return await serve_session(request, DOOR, session, error_message)


def request_params(engine: Engine, init: dict[str, Any]) -> SpeechParams:
    """Voice, language, speed and output format from the init message; refuse what we cannot do.

    The model speaks 16-bit PCM at 24 kHz only: other formats are refused, never resampled.
    """
    output = init.get("output_format", {})
    if not isinstance(output, dict):
        raise BufferedError("unsupported_format", "'output_format' must be an object")
    container = output.get("container", "raw")
    if container not in CONTAINERS:
        raise BufferedError(
            "unsupported_format",
            f"Container {quote(container)} is not supported; use 'raw' (headerless PCM)",
        )
    encoding = output.get("encoding", "pcm_s16le")
    if encoding not in ENCODINGS:
        raise BufferedError(
            "unsupported_format",
            f"Encoding {quote(encoding)} is not supported; use 'pcm_s16le' (16-bit PCM)",
        )
    sample_rate = output.get("sample_rate", engine.sample_rate)
    if sample_rate != engine.sample_rate:
        raise BufferedError(
            "unsupported_format",
            f"Sample rate {quote(sample_rate)} is not supported; the model speaks at "
            f"{engine.sample_rate} Hz only (audio is not resampled)",
        )
    voice = init.get("voice")
    if isinstance(voice, dict):
        mode = voice.get("mode", "id")
        if mode != "id":
            raise BufferedError(
                "invalid_request",
                f'Voice mode {quote(mode)} is not supported; use {{"mode": "id", "id": "<voice>"}}',
            )
        voice = voice.get("id")
    if voice is not None and not isinstance(voice, str):
        raise InvalidRequestError(
            '\'voice\' must be {"mode": "id", "id": "<voice>"} or a voice name'
        )
    return engine.speech_params(voice, init.get("language"), init.get("speed"))


async def _receive_object(
    channel: Channel, idle_seconds: float, waiting_for: str
) -> dict[str, Any]:
    """The next message as a JSON object."""
    message = await channel.receive(idle_seconds, waiting_for)
    if isinstance(message, bytes):
        raise ClientError(f"Binary frames are not accepted: send the {waiting_for} as JSON text")
    try:
        data = parse_json(message)
    except ClientError as error:
        raise ClientError(f"The {waiting_for} must be JSON: {error}") from None
    if not isinstance(data, dict):
        raise ClientError(f"The {waiting_for} must be a JSON object, got {type(data).__name__}")
    return data


def error_code(error: BaseException) -> str:
    """This endpoint's ``error_code`` for an error."""
    if isinstance(error, BufferedError):
        return error.code
    if isinstance(error, BusyError):
        return "server_busy"
    if isinstance(error, UnauthorizedError):
        return "invalid_api_key"
    if isinstance(error, LimitError):
        return "text_too_long"
    if isinstance(error, IdleTimeoutError):
        return "timeout"
    if isinstance(error, StoppedReadingError):
        return "client_stopped_reading"
    if isinstance(error, ClientError):
        return "invalid_message"
    if isinstance(error, InvalidRequestError):
        return "invalid_request"
    if isinstance(error, InternalError):
        return "internal_error"
    return "synthesis_failed"


def error_message(error: BaseException) -> dict[str, Any]:
    """This endpoint's error message."""
    return {"error_code": error_code(error), "message": str(error)}

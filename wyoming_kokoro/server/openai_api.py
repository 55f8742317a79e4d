"""OpenAI's speech API on the live port: ``POST /v1/audio/speech``, ``GET /v1/audio/voices``,
``GET /v1/models``.

The reply streams: the input goes to :meth:`Engine.stream` as one piece, through the same
segmenter and scheduler as ``/ws/tts/live``, and each segment's audio is encoded (one encoder per
request, in a worker thread) and written as a chunk the moment it is ready. With
``stream_format: "sse"`` the same bytes go out base64-encoded in ``speech.audio.delta`` events,
then ``speech.audio.done``. A client that goes away cancels the synthesis still queued for it;
one that stops reading loses its slot after ``--send-timeout``, as on the WebSocket doors, and a
shutdown cuts the replies still streaming once the drain is over.
Errors are answered in OpenAI's JSON shape (:class:`~.openai_request.ApiError`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import socket
import time
from collections.abc import Awaitable
from typing import Any

from aiohttp import web

from ..aio import once
from ..engine import Engine, SynthesisError
from ..engine.audio import duration_seconds, silence, to_pcm16
from ..engine.languages import language_of_voice
from .appkeys import ENGINE_KEY, METRICS_KEY, SESSIONS_KEY, SETTINGS_KEY
from .encoders import FORMATS, Encoder, new_encoder
from .openai_request import MODELS, ApiError, SpeechRequest, decode_body, parse_speech
from .openai_voices import openai_voice_table
from .protocol import BusyError, StoppedReadingError
from .sessions import Session

_LOGGER = logging.getLogger(__name__)

SPEECH_PATH = "/v1/audio/speech"
VOICES_PATH = "/v1/audio/voices"
MODELS_PATH = "/v1/models"
#: The door's name in metrics and session counts.
DOOR = "openai"
#: Seconds a busy client is told to wait (``Retry-After``).
RETRY_AFTER_SECONDS = 1
#: The reply to input with nothing speakable (only emoji, only punctuation): a valid file of
#: this much silence. Zero samples make no valid mp3, aac, opus or wav stream, and OpenAI's own
#: API answers any non-empty input with audio, so its clients expect a file, not a 400.
NOTHING_TO_SAY_SECONDS = 0.05

#: The kernel's send buffer of a speech reply: a client that stops reading holds little audio
#: in flight, so the send timeout notices it soon.
SEND_BUFFER_BYTES = 32 * 1024

_VOICE_TABLE_KEY: web.AppKey[dict[str, str]] = web.AppKey("openai_voice_table", dict)
#: The speech replies streaming now: a shutdown cuts them once the drain is over.
_REPLIES_KEY: web.AppKey[set[asyncio.Task[Any]]] = web.AppKey("openai_replies", set)


def add_openai_routes(app: web.Application) -> None:
    """Register the OpenAI-compatible routes (the app's engine and settings keys must be set
    before it starts)."""
    app[_REPLIES_KEY] = set()
    app.on_startup.append(_settle_voice_table)
    app.on_shutdown.append(_cut_replies)
    app.router.add_post(SPEECH_PATH, speech)
    app.router.add_route("*", SPEECH_PATH, _method_not_allowed)
    app.router.add_get(VOICES_PATH, voices)
    app.router.add_route("*", VOICES_PATH, _method_not_allowed)
    app.router.add_get(MODELS_PATH, models)
    app.router.add_route("*", MODELS_PATH, _method_not_allowed)
    app.router.add_route("*", "/v1/{tail:.*}", _not_found)


async def _settle_voice_table(app: web.Application) -> None:
    """Resolve the OpenAI voice table once, for the bank that is loaded; warn about entries
    that name no loaded voice (requests for them get a clear 400)."""
    engine, settings = app[ENGINE_KEY], app[SETTINGS_KEY]
    table = openai_voice_table(
        engine.voices.names, settings.openai_voices, engine.default_params.voice
    )
    for name, voice in table.items():
        try:
            engine.voices.style(voice)
        except ValueError as error:
            _LOGGER.warning(
                "OpenAI voice %r maps to %r, which is not loaded: %s", name, voice, error
            )
    app[_VOICE_TABLE_KEY] = table


async def _cut_replies(app: web.Application) -> None:
    """The server stops (the drain is over): end the replies still streaming now, rather than
    let the HTTP server wait for them past ``--drain-timeout``."""
    replies = app[_REPLIES_KEY]
    for task in list(replies):
        task.cancel()


def _voice_table(app: web.Application) -> dict[str, str]:
    if _VOICE_TABLE_KEY not in app:  # a sub-application started without our startup hook
        engine, settings = app[ENGINE_KEY], app[SETTINGS_KEY]
        return openai_voice_table(
            engine.voices.names, settings.openai_voices, engine.default_params.voice
        )
    return app[_VOICE_TABLE_KEY]


def _count_error(app: web.Application, kind: str) -> None:
    if METRICS_KEY in app:
        app[METRICS_KEY].error(DOOR, kind)


# -- routes ------------------------------------------------------------------------------------


async def speech(request: web.Request) -> web.StreamResponse:
    """``POST /v1/audio/speech``: check, admit, then stream the encoded audio."""
    app = request.app
    engine, settings = app[ENGINE_KEY], app[SETTINGS_KEY]
    try:
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge as error:
            raise ApiError(
                413, f"The request body is too large: {error.text}", code="body_too_large"
            ) from None
        body = decode_body(request.content_type, raw)
        speech_request = parse_speech(
            body, engine, _voice_table(app), settings.limits.max_text_chars
        )
    except ApiError as error:
        _LOGGER.info("Client %s: %s", request.remote, error.message)
        _count_error(app, "invalid_request" if error.status == 400 else "limit")
        return error.response()
    replies, task = app[_REPLIES_KEY], asyncio.current_task()
    try:
        async with app[SESSIONS_KEY].session(DOOR) as session:
            if task is not None:
                replies.add(task)
            return await _respond(request, speech_request, engine, session)
    except BusyError as error:
        return ApiError(
            503,
            str(error),
            code="server_busy",
            kind="server_error",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ).response()
    finally:
        if task is not None:
            replies.discard(task)


async def voices(request: web.Request) -> web.Response:
    """``GET /v1/audio/voices``: our voices, then the OpenAI names and the voice each means."""
    engine = request.app[ENGINE_KEY]
    table = _voice_table(request.app)
    ours: list[dict[str, Any]] = [
        {"id": name, "name": name, "language": language_of_voice(name)}
        for name in engine.voices.names
    ]
    mapped: list[dict[str, Any]] = [
        {"id": name, "name": f"{name} ({voice})", "voice": voice} for name, voice in table.items()
    ]
    return web.json_response(
        {
            "voices": ours + mapped,
            "openai_voices": table,
            "default_voice": engine.default_params.voice,
        }
    )


async def models(request: web.Request) -> web.Response:
    """``GET /v1/models``: OpenAI's list shape; every model is an alias of the one engine."""
    return web.json_response(
        {
            "object": "list",
            "data": [
                {"id": name, "object": "model", "created": 0, "owned_by": "kokoro-live"}
                for name in MODELS
            ],
        }
    )


async def _method_not_allowed(request: web.Request) -> web.Response:
    allowed = sorted(
        route.method
        for route in request.match_info.route.resource or ()
        if route.method not in ("*", "HEAD")
    )
    return ApiError(
        405,
        f"{request.method} is not allowed on {request.path}; use {', '.join(allowed)}",
        code="method_not_allowed",
        headers={"Allow": ", ".join(allowed)},
    ).response()


async def _not_found(request: web.Request) -> web.Response:
    return ApiError(
        404,
        f"Not found: {request.path}. This server offers {SPEECH_PATH}, {VOICES_PATH} and "
        f"{MODELS_PATH}",
        code="not_found",
    ).response()


# -- streaming ---------------------------------------------------------------------------------


class _Writer:
    """Writes a reply as it comes: raw audio bytes, or SSE events of base64 audio."""

    def __init__(
        self, request: web.Request, speech_request: SpeechRequest, send_timeout: float
    ) -> None:
        self._request = request
        self._send_timeout = send_timeout
        self.sse = speech_request.stream_format == "sse"
        content_type = (
            "text/event-stream"
            if self.sse
            else FORMATS[speech_request.response_format].content_type
        )
        self.response = web.StreamResponse(
            headers={"Content-Type": content_type, "Cache-Control": "no-store"}
        )
        self.response.enable_chunked_encoding()

    @property
    def started(self) -> bool:
        return self.response.prepared

    async def audio(self, data: bytes) -> None:
        if not data:
            return
        if self.sse:
            data = _event({"type": "speech.audio.delta", "audio": base64.b64encode(data).decode()})
        await self._write(data)

    async def done(self) -> None:
        if self.sse:
            # No tokens are counted here: usage is reported, as OpenAI's shape wants, as zeros.
            usage = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
            await self._write(_event({"type": "speech.audio.done", "usage": usage}))
        await self.start()  # nothing speakable in the input: an empty, complete reply
        await self._bounded(self.response.write_eof())

    async def error(self, error: ApiError) -> None:
        """An error after the reply started: an SSE error event; raw audio can only stop."""
        if self.sse:
            body = {"message": error.message, "type": error.kind, "param": None, "code": error.code}
            await self._write(_event({"type": "error", "error": body}))

    async def start(self) -> None:
        """Send the status and headers (at the first bytes, or for an empty reply)."""
        if not self.response.prepared:
            await self.response.prepare(self._request)

    async def _write(self, data: bytes) -> None:
        await self.start()
        await self._bounded(self.response.write(data))

    async def _bounded(self, send: Awaitable[None]) -> None:
        """A send the client must take within ``--send-timeout``, or it stopped reading."""
        try:
            async with asyncio.timeout(self._send_timeout):
                await send
        except TimeoutError:
            raise StoppedReadingError(
                f"The client read nothing for {self._send_timeout:g} s (--send-timeout); closing"
            ) from None


def _event(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


async def _respond(
    request: web.Request, speech_request: SpeechRequest, engine: Engine, session: Session
) -> web.StreamResponse:
    """Stream the reply; a server fault before the first byte is a JSON 500, after it an SSE
    error event or (raw audio) a reply cut short, never a quietly complete-looking one."""
    writer = _Writer(request, speech_request, request.app[SETTINGS_KEY].limits.send_timeout)
    _small_send_buffer(request)
    encoder = new_encoder(speech_request.response_format)
    session.text_received()
    started = time.monotonic()
    try:
        await _stream_audio(speech_request, engine, encoder, writer, session)
    except SynthesisError as error:
        session.failed("synthesis")
        _LOGGER.error("Speech for %s failed: %s", request.remote, error)
        api_error = ApiError(500, str(error), code="synthesis_failed", kind="server_error")
        if not writer.started:
            return api_error.response()
        await writer.error(api_error)
        if not writer.sse and request.transport is not None:
            request.transport.close()  # a truncated chunked body tells the client it failed
        return writer.response
    except StoppedReadingError as error:
        session.client_error(error.kind)
        _LOGGER.info("Client %s: %s", request.remote, error)
        if request.transport is not None:
            request.transport.abort()  # its buffers are full: nothing more can be flushed
        return writer.response
    except ConnectionError:
        session.disconnected()
        _LOGGER.debug("Client %s went away", request.remote)
        return writer.response
    finally:
        # In a thread: a cancelled request's last encode may still be running in one.
        await asyncio.to_thread(encoder.close)
    _LOGGER.debug(
        "Spoke %d characters to %s in %.2f s",
        len(speech_request.text),
        request.remote,
        time.monotonic() - started,
    )
    return writer.response


async def _stream_audio(
    speech_request: SpeechRequest,
    engine: Engine,
    encoder: Encoder,
    writer: _Writer,
    session: Session,
) -> None:
    stream = engine.stream(once(speech_request.text), speech_request.params)
    spoken = False
    async with contextlib.aclosing(stream):
        async for pcm in stream:
            # Encoding costs milliseconds per second of audio: off the event loop.
            data = await asyncio.to_thread(encoder.encode, pcm)
            await writer.audio(data)
            session.audio_sent(duration_seconds(pcm))
            spoken = True
    if not spoken:
        quiet = to_pcm16(silence(NOTHING_TO_SAY_SECONDS))
        await writer.audio(await asyncio.to_thread(encoder.encode, quiet))
    await writer.audio(await asyncio.to_thread(encoder.finish))
    await writer.done()


def _small_send_buffer(request: web.Request) -> None:
    """Keep the audio in flight small (see :data:`SEND_BUFFER_BYTES`)."""
    sock = request.transport.get_extra_info("socket") if request.transport else None
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)

"""The buffered ``/ws/tts/stream`` endpoint, in the async.ai WebSocket shape.

It keeps clients written for async.ai-style TTS working unchanged, and is the fallback of
:class:`wyoming_kokoro.client.KokoroLocalProvider` for servers without the live endpoint.
Buffered means the text is collected until the client ends it (or forces a flush) and only
then spoken; ``/ws/tts/live`` is the low-latency path.

Session::

    -> {"model_id": "...", "voice": {"mode": "id", "id": "jf_alpha"},
        "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 24000},
        "language": "en"}
    -> {"transcript": "Hello there. "}          (any number; "force": true speaks what is buffered)
    -> {"transcript": ""}                       (or {"text": ""}: end of input)
    <- {"audio": "<base64 PCM>", "final": false}  ...
    <- {"audio": "", "final": true}             then close 1000

Errors are ``{"error_code": "...", "message": "..."}`` followed by a close (1008 for the
client's mistake, 1011 for a server fault).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from ..aio import once
from ..config import Limits
from ..engine import Engine, InvalidRequestError, SpeechParams, SynthesisError, audio
from .protocol import (
    CLOSE_NORMAL,
    CLOSE_POLICY,
    CLOSE_SERVER_ERROR,
    LimitError,
    TextBudget,
    frame_bytes,
)

if TYPE_CHECKING:
    from .host import LiveServer

_LOGGER = logging.getLogger(__name__)

BUFFERED_PATH = "/ws/tts/stream"

CONTAINERS = ("raw",)
ENCODINGS = ("pcm_s16le",)


class BufferedError(Exception):
    """A failure to report in this endpoint's error shape; ``str()`` says what to do."""

    def __init__(self, code: str, message: str, close_code: int = CLOSE_POLICY) -> None:
        super().__init__(message)
        self.code = code
        self.close_code = close_code


async def serve_buffered(connection: ServerConnection, server: LiveServer) -> None:
    """Route handler for ``/ws/tts/stream``: every failure is answered here, in this shape."""
    peer = connection.remote_address
    try:
        await _session(connection, server.engine, server.limits)
    except ConnectionClosed:
        raise  # the client left; nothing to answer
    except BufferedError as error:
        _LOGGER.info("Client %s: %s", peer, error)
        await _send_error(connection, error)
    except InvalidRequestError as error:
        _LOGGER.info("Client %s: %s", peer, error)
        await _send_error(connection, BufferedError("invalid_request", str(error)))
    except SynthesisError as error:
        server.counters.failed += 1
        await _send_error(
            connection, BufferedError("synthesis_failed", str(error), CLOSE_SERVER_ERROR)
        )
    except Exception:
        server.counters.failed += 1
        _LOGGER.exception("Buffered session from %s failed", peer)
        await _send_error(
            connection,
            BufferedError(
                "internal_error",
                "Internal server error; the server log has the details",
                CLOSE_SERVER_ERROR,
            ),
        )


async def _session(connection: ServerConnection, engine: Engine, limits: Limits) -> None:
    init = await _receive_object(connection, limits.idle_timeout, "init message")
    params = request_params(engine, init)
    frame_size = frame_bytes(engine)
    budget = TextBudget(limits, "Transcript")
    buffered: list[str] = []

    async def flush() -> None:
        text = "".join(buffered)
        buffered.clear()
        if text.strip():
            await _speak(connection, engine, text, params, frame_size)

    while True:
        message = await _receive_object(connection, limits.idle_timeout, "transcript")
        text = message.get("transcript", message.get("text"))
        force = message.get("force") is True
        if not isinstance(text, str) and not (text is None and force):
            raise BufferedError(
                "invalid_message",
                'Each message needs a "transcript" string, e.g. {"transcript": "Hello. "}; '
                '{"transcript": ""} ends the input',
            )
        if text == "":
            await flush()
            break
        if text:
            try:
                budget.take(text)
            except LimitError as error:
                raise BufferedError("text_too_long", str(error)) from None
            buffered.append(text)
        if force:
            await flush()
    await connection.send(json.dumps({"audio": "", "final": True}))
    await connection.close(CLOSE_NORMAL)


async def _speak(
    connection: ServerConnection,
    engine: Engine,
    text: str,
    params: SpeechParams,
    frame_size: int,
) -> None:
    """Synthesize buffered text, sending each segment's audio as soon as it is ready."""
    async with contextlib.aclosing(engine.stream(once(text), params)) as stream:
        async for pcm in stream:
            for frame in audio.slice_frames(pcm, frame_size):
                payload = base64.b64encode(frame).decode("ascii")
                await connection.send(json.dumps({"audio": payload, "final": False}))


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
            f"Container {container!r} is not supported; use 'raw' (headerless PCM)",
        )
    encoding = output.get("encoding", "pcm_s16le")
    if encoding not in ENCODINGS:
        raise BufferedError(
            "unsupported_format",
            f"Encoding {encoding!r} is not supported; use 'pcm_s16le' (16-bit PCM)",
        )
    sample_rate = output.get("sample_rate", engine.sample_rate)
    if sample_rate != engine.sample_rate:
        raise BufferedError(
            "unsupported_format",
            f"Sample rate {sample_rate!r} is not supported; the model speaks at "
            f"{engine.sample_rate} Hz only (audio is not resampled)",
        )
    voice = init.get("voice")
    if isinstance(voice, dict):
        mode = voice.get("mode", "id")
        if mode != "id":
            raise BufferedError(
                "invalid_request",
                f'Voice mode {mode!r} is not supported; use {{"mode": "id", "id": "<voice>"}}',
            )
        voice = voice.get("id")
    if voice is not None and not isinstance(voice, str):
        raise InvalidRequestError(
            '\'voice\' must be {"mode": "id", "id": "<voice>"} or a voice name'
        )
    return engine.speech_params(voice, init.get("language"), init.get("speed"))


async def _receive_object(
    connection: ServerConnection, idle_seconds: float, waiting_for: str
) -> dict[str, Any]:
    """The next message as a JSON object; silence past ``idle_seconds`` is an error."""
    try:
        message = await asyncio.wait_for(connection.recv(), idle_seconds)
    except TimeoutError:
        raise BufferedError(
            "timeout", f"No {waiting_for} received for {idle_seconds:g} s; closing"
        ) from None
    if isinstance(message, bytes):
        raise BufferedError(
            "invalid_message",
            f"Binary frames are not accepted: send the {waiting_for} as JSON text",
        )
    try:
        data = json.loads(message)
    except json.JSONDecodeError as error:
        raise BufferedError(
            "invalid_message",
            f"The {waiting_for} must be JSON: {error.msg} at position {error.pos}",
        ) from None
    if not isinstance(data, dict):
        raise BufferedError(
            "invalid_message", f"The {waiting_for} must be a JSON object, got {type(data).__name__}"
        )
    return data


async def _send_error(connection: ServerConnection, error: BufferedError) -> None:
    """The error message, then a close; quiet if the client is already gone."""
    with contextlib.suppress(ConnectionClosed):
        await connection.send(json.dumps({"error_code": error.code, "message": str(error)}))
        await connection.close(error.close_code, str(error)[:120])

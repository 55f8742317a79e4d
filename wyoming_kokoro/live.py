"""The ``/ws/tts/live`` WebSocket server (PROTOCOL.md), plus ``GET /health`` and ``GET /voices``.

A thin door: it validates what the client sends, hands text pieces to :meth:`Engine.stream`
and frames the PCM it gets back. Every failure becomes one ``error`` message and a close code.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from . import __version__, audio
from .buffered import serve_buffered
from .config import Limits, Settings
from .engine import Engine, InvalidRequestError, SpeechParams, SynthesisError

_LOGGER = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
LIVE_PATH = "/ws/tts/live"

#: Audio is framed in pieces of at most this long: small enough for clients' default 1 MiB
#: message limit, large enough to keep the message count low.
FRAME_SECONDS = 1.0

#: The largest WebSocket message read at all (the text limits are checked after reading).
MAX_MESSAGE_BYTES = 16 * 2**20

CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008
CLOSE_SERVER_ERROR = 1011
CLOSE_TRY_AGAIN = 1013


class ClientError(Exception):
    """The client broke the protocol or a limit; the message says how to do better."""

    close_code = CLOSE_POLICY


class BusyError(ClientError):
    """Too many sessions at once."""

    close_code = CLOSE_TRY_AGAIN


SessionHandler = Callable[[ServerConnection, "LiveServer"], Awaitable[None]]


@dataclass
class _Counters:
    sessions: int = 0
    completed: int = 0
    failed: int = 0


class LiveServer:
    """Serves the live protocol (and any extra WebSocket routes) over one engine."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.limits: Limits = settings.limits
        self.counters = _Counters()
        self.routes: dict[str, SessionHandler] = {
            LIVE_PATH: _live_session,
            "/ws/tts/stream": serve_buffered,
        }
        self._server: Server | None = None

    @property
    def port(self) -> int:
        """The bound port (useful with ``--live-port 0``)."""
        if self._server is None:
            raise RuntimeError("The live server is not running")
        port: int = next(iter(self._server.sockets)).getsockname()[1]
        return port

    async def start(self) -> None:
        """Listen on the configured host and port."""
        self._server = await serve(
            self._dispatch,
            self.settings.live_host,
            self.settings.live_port,
            process_request=self._process_request,
            compression=None,
            # Far above any sane frame, so an oversized one meets our clear error message
            # rather than the library's bare 1009 close.
            max_size=max(MAX_MESSAGE_BYTES, self.limits.max_frame_chars * 4 + 1024),
            server_header=f"kokoro-live/{__version__}",
        )
        _LOGGER.info("Live server on ws://%s:%d%s", self.settings.live_host, self.port, LIVE_PATH)

    async def close(self) -> None:
        """Stop accepting, close open sessions, wait for them to end."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    # -- HTTP routes ----------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """What ``GET /health`` answers: the server is up, and what it is doing."""
        return {
            "status": "ok",
            "version": __version__,
            "model": self.engine.description,
            "live_sessions": self.counters.sessions,
            **self.engine.stats(),
        }

    def voices(self) -> dict[str, Any]:
        """What ``GET /voices`` answers: voices, languages, defaults."""
        default = self.engine.default
        return {
            "version": __version__,
            "model": self.engine.description,
            "sample_rate": self.engine.sample_rate,
            "voices": self.engine.voices.names,
            "languages": self.engine.languages,
            "default_voice": default.voice,
            "default_language": default.language,
            "default_speed": default.speed,
        }

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path in self.routes:
            return None  # the WebSocket handshake goes on
        if path == "/health":
            return _json_response(http.HTTPStatus.OK, self.health())
        if path == "/voices":
            return _json_response(http.HTTPStatus.OK, self.voices())
        return _json_response(
            http.HTTPStatus.NOT_FOUND,
            {"error": f"Not found: {path}. Try {LIVE_PATH}, /health or /voices"},
        )

    async def _dispatch(self, connection: ServerConnection) -> None:
        path = connection.request.path.split("?", 1)[0] if connection.request else LIVE_PATH
        handler = self.routes[path]
        peer = connection.remote_address
        if self.counters.sessions >= self.limits.max_sessions:
            await send_error(
                connection,
                BusyError(
                    f"Server busy: {self.limits.max_sessions} sessions already open; try again"
                ),
            )
            return
        self.counters.sessions += 1
        try:
            await _cancel_when_closed(connection, handler(connection, self))
            self.counters.completed += 1
        except (ConnectionClosed, asyncio.CancelledError):
            _LOGGER.debug("Client %s went away", peer)
        except ClientError as error:
            _LOGGER.info("Client %s: %s", peer, error)
            await send_error(connection, error)
        except InvalidRequestError as error:
            _LOGGER.info("Client %s: %s", peer, error)
            await send_error(connection, error, CLOSE_POLICY)
        except SynthesisError as error:
            self.counters.failed += 1
            await send_error(connection, error, CLOSE_SERVER_ERROR)
        except Exception:
            self.counters.failed += 1
            _LOGGER.exception("Session from %s failed", peer)
            await send_error(
                connection,
                SynthesisError("Internal server error; the server log has the details"),
                CLOSE_SERVER_ERROR,
            )
        finally:
            self.counters.sessions -= 1


async def _cancel_when_closed(connection: ServerConnection, work: Awaitable[None]) -> None:
    """Run a session, cancelling it the moment the client's connection drops.

    A session busy waiting for inference would otherwise notice a vanished reader only at its
    next send, and keep the CPU busy for nobody until then.
    """
    task = asyncio.ensure_future(work)
    closed = asyncio.ensure_future(connection.wait_closed())
    try:
        await asyncio.wait({task, closed}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        closed.cancel()
        if not task.done():
            task.cancel()
    await task


def _json_response(status: http.HTTPStatus, body: dict[str, Any]) -> Response:
    data = json.dumps(body).encode()
    headers = Headers(
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            ("Connection", "close"),
        ]
    )
    return Response(status.value, status.phrase, headers, data)


async def send_json(connection: ServerConnection, message: dict[str, Any]) -> None:
    """One JSON text frame."""
    await connection.send(json.dumps(message))


async def send_error(
    connection: ServerConnection, error: Exception, close_code: int | None = None
) -> None:
    """The protocol's ``error`` message, then a close; quiet if the client is already gone."""
    code = close_code if close_code is not None else getattr(error, "close_code", CLOSE_POLICY)
    with contextlib.suppress(ConnectionClosed):
        await send_json(connection, {"type": "error", "message": str(error)})
        await connection.close(int(code), str(error)[:120])


async def receive_text(connection: ServerConnection, idle_timeout: float, waiting_for: str) -> str:
    """The next text frame; binary frames and silence past ``idle_timeout`` are client errors."""
    try:
        async with asyncio.timeout(idle_timeout):
            message = await connection.recv()
    except TimeoutError:
        raise ClientError(f"No {waiting_for} received for {idle_timeout:g} s; closing") from None
    if isinstance(message, bytes):
        raise ClientError(f"Binary frames are not accepted: send the {waiting_for} as a text frame")
    return message


def parse_init(message: str) -> dict[str, Any]:
    """The init frame's JSON object; anything else is a client error."""
    try:
        data = json.loads(message)
    except json.JSONDecodeError as error:
        raise ClientError(
            f'The first message must be a JSON object like {{"voice": "...", "speed": 1.0}}: '
            f"{error.msg} at position {error.pos}"
        ) from None
    if not isinstance(data, dict):
        raise ClientError(f"The first message must be a JSON object, got {type(data).__name__}")
    return data


def resolve_init(engine: Engine, init: dict[str, Any]) -> SpeechParams:
    """Voice, language and speed from the init message (missing keys: server defaults)."""
    speed = init.get("speed")
    if speed is not None and (isinstance(speed, bool) or not isinstance(speed, int | float)):
        raise InvalidRequestError(f"'speed' must be a number, got {speed!r}")
    return engine.resolve(init.get("voice"), init.get("language"), speed)


async def _text_pieces(connection: ServerConnection, limits: Limits) -> AsyncIterator[str]:
    """Text frames until the empty end marker, enforcing the per-frame and per-session limits."""
    total = 0
    while True:
        piece = await receive_text(connection, limits.idle_timeout, "text")
        if piece == "":
            return
        if len(piece) > limits.max_frame_chars:
            raise ClientError(
                f"Text frame of {len(piece)} characters is over the limit of "
                f"{limits.max_frame_chars}; send smaller pieces"
            )
        total += len(piece)
        if total > limits.max_text_chars:
            raise ClientError(
                f"Session text is over the limit of {limits.max_text_chars} characters; "
                "start a new session for more"
            )
        yield piece


async def _live_session(connection: ServerConnection, server: LiveServer) -> None:
    """One session of PROTOCOL.md: init, ready, text in, audio out, end."""
    engine, limits = server.engine, server.limits
    init = parse_init(await receive_text(connection, limits.idle_timeout, "init message"))
    params = resolve_init(engine, init)
    await send_json(
        connection,
        {
            "type": "ready",
            "sample_rate": engine.sample_rate,
            "format": "pcm_s16le",
            "channels": engine.channels,
            "voice": params.voice,
            "language": params.language,
            "speed": params.speed,
            "protocol": PROTOCOL_VERSION,
            "server_version": __version__,
        },
    )
    frame_bytes = int(FRAME_SECONDS * engine.sample_rate) * engine.sample_width
    chunk_id = 0
    stream = engine.stream(_text_pieces(connection, limits), params)
    async with contextlib.aclosing(stream):
        async for pcm in stream:
            for frame in audio.slice_frames(pcm, frame_bytes):
                chunk_id += 1
                await send_json(
                    connection, {"type": "audio", "chunk_id": chunk_id, "size": len(frame)}
                )
                await connection.send(frame)
    await send_json(
        connection, {"type": "end", "total_chunks": chunk_id, "message": "Stream completed"}
    )
    await connection.close(CLOSE_NORMAL)

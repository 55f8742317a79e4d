"""The live host: one WebSocket server for ``/ws/tts/live`` and ``/ws/tts/stream``, plus
``GET /health`` and ``GET /voices``.

It accepts connections, enforces the session limit, routes each path to its door's session
handler and turns whatever a session raises into that door's close: the doors themselves only
speak their protocol.
"""

from __future__ import annotations

import asyncio
import http
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from .. import __version__
from ..config import Limits, Settings
from ..engine import Engine, InvalidRequestError, SynthesisError
from .buffered import BUFFERED_PATH, serve_buffered
from .live import LIVE_PATH, live_session
from .protocol import CLOSE_POLICY, CLOSE_SERVER_ERROR, BusyError, ClientError, send_error
from .wyoming.info import describe_voice

_LOGGER = logging.getLogger(__name__)

#: The largest WebSocket message read at all (the text limits are checked after reading).
MAX_MESSAGE_BYTES = 16 * 2**20

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
            LIVE_PATH: live_session,
            BUFFERED_PATH: serve_buffered,
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
        """What ``GET /voices`` answers: voices and their readable names, languages, defaults."""
        default = self.engine.default_params
        names = self.engine.voices.names
        return {
            "version": __version__,
            "model": self.engine.description,
            "sample_rate": self.engine.sample_rate,
            "voices": names,
            "voice_names": {name: describe_voice(name) for name in names},
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

"""One WebSocket session of a door, on ``aiohttp``: admission, bounded sends, eager reading,
and the close that ends it.

Every door runs its session through :func:`serve_session` and supplies only its protocol: the
session body and the shape of its error message. What they share lives here once:

- **Sends are bounded.** A send that cannot complete for ``--send-timeout`` seconds means the
  client stopped reading; the session ends with :class:`~.protocol.StoppedReadingError` and its
  slot is freed, instead of a full socket holding it forever.
- **Reads are eager.** After the init, :meth:`Channel.read_ahead` runs a reader task that takes
  each message as it comes (validated and counted against the text limits by the door) into an
  unbounded queue, bounded in effect by ``--max-text-chars``. The socket is always read, so pings
  are answered however long the audio side waits; backpressure applies to audio only.
- **A dropped connection cancels the session at once**, whatever it was waiting for.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

from ..config import Limits
from ..engine import InvalidRequestError, SynthesisError
from .appkeys import SESSIONS_KEY, SETTINGS_KEY
from .protocol import (
    CLOSE_GOING_AWAY,
    CLOSE_NORMAL,
    BusyError,
    ClientError,
    ClientGoneError,
    IdleTimeoutError,
    InternalError,
    StoppedReadingError,
    UnauthorizedError,
    close_reason,
    error_close_code,
    error_kind,
    max_message_bytes,
)
from .sessions import Session

_LOGGER = logging.getLogger(__name__)

#: The kernel's send buffer of a WebSocket connection. Audio comes at real-time rates, so a
#: small buffer costs no throughput; it keeps the audio in flight, and with it the delay of a
#: pong or a close behind that audio, short for a client that plays as it reads.
SEND_BUFFER_BYTES = 32 * 1024

#: How long the closing handshake (and an error message before it) may take before the
#: connection is simply dropped.
CLOSE_SECONDS = 5.0

#: The same for a client known not to read: its close frame cannot arrive anyway.
STOPPED_READER_CLOSE_SECONDS = 1.0

#: The same when the server stops after its drain: ``--drain-timeout`` was the sessions' time.
SHUTDOWN_CLOSE_SECONDS = 1.0

T = TypeVar("T")

#: One door's session: the channel to speak over and the session to report to.
SessionBody = Callable[["Channel", Session], Awaitable[None]]
#: A door's error message for an error (its protocol's shape).
ErrorMessage = Callable[[BaseException], dict[str, Any]]

#: Open channels of an application, closed with 1001 when it shuts down.
CHANNELS_KEY: web.AppKey[set[Channel]] = web.AppKey("websocket_channels", set)


class _End:
    """The end of a read-ahead queue."""


_END = _End()


class Channel:
    """One accepted WebSocket as a door sees it."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, limits: Limits) -> None:
        self.ws = ws
        self.peer = request.remote
        self._transport = request.transport
        sock = self._transport.get_extra_info("socket") if self._transport else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        self._send_timeout = limits.send_timeout
        self._gone = asyncio.Event()
        #: Why the connection ended under the session, when it was not the client closing it.
        self._ended_by: ClientError | None = None
        self.going_away = False
        #: How long the going-away close may take.
        self.going_away_seconds = CLOSE_SECONDS
        self._reader: asyncio.Task[None] | None = None

    # -- sending --------------------------------------------------------------------------

    async def send_json(self, message: dict[str, Any]) -> None:
        """One JSON text frame."""
        await self._send(functools.partial(self.ws.send_str, json.dumps(message)))

    async def send_bytes(self, data: bytes) -> None:
        """One binary frame."""
        await self._send(functools.partial(self.ws.send_bytes, data))

    async def _send(self, send: Callable[[], Awaitable[None]]) -> None:
        if self.ws.closed:
            raise ClientGoneError
        try:
            async with asyncio.timeout(self._send_timeout):
                await send()
        except TimeoutError:
            raise StoppedReadingError(
                f"The client read nothing for {self._send_timeout:g} s (--send-timeout); closing"
            ) from None
        except ConnectionError:
            raise ClientGoneError from None

    # -- receiving ------------------------------------------------------------------------

    async def receive(self, idle_timeout: float, waiting_for: str) -> str | bytes:
        """The next data frame; silence past ``idle_timeout`` is :class:`IdleTimeoutError`."""
        try:
            message = await self.ws.receive(timeout=idle_timeout)
        except TimeoutError:
            raise IdleTimeoutError(
                f"No {waiting_for} received for {idle_timeout:g} s; closing"
            ) from None
        if message.type is WSMsgType.TEXT:
            text: str = message.data
            return text
        if message.type is WSMsgType.BINARY:
            data: bytes = message.data
            return data
        self._connection_ended(message.data)
        raise ClientGoneError

    async def receive_text(self, idle_timeout: float, waiting_for: str) -> str:
        """The next frame, which must be text."""
        message = await self.receive(idle_timeout, waiting_for)
        if isinstance(message, bytes):
            raise ClientError(
                f"Binary frames are not accepted: send the {waiting_for} as a text frame"
            )
        return message

    @contextlib.asynccontextmanager
    async def read_ahead(
        self, read_one: Callable[[], Awaitable[T | None]]
    ) -> AsyncIterator[AsyncIterator[T]]:
        """Read the rest of the input eagerly: ``read_one`` returns the next item or None at
        the end of input, or raises (an error the session answers after the items before it).

        Yields the items as an async iterator. After the end (or an error), the reader keeps
        the socket read, discarding data, so pings are answered and a drop is noticed.
        """
        queue: asyncio.Queue[T | _End | BaseException] = asyncio.Queue()

        async def reader() -> None:
            try:
                while (item := await read_one()) is not None:
                    queue.put_nowait(item)
                queue.put_nowait(_END)
            except ClientGoneError:
                queue.put_nowait(ClientGoneError())
                return
            except Exception as error:
                queue.put_nowait(error)
            await self._discard_until_closed()

        async def items() -> AsyncIterator[T]:
            while not isinstance(item := await queue.get(), _End):
                if isinstance(item, BaseException):
                    raise item
                yield item

        self._reader = asyncio.create_task(reader())
        try:
            yield items()
        finally:
            await self._stop_reader()

    async def _discard_until_closed(self) -> None:
        while True:
            message = await self.ws.receive()
            if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                self._connection_ended(message.data)
                return

    def _connection_ended(self, detail: object) -> None:
        """The socket closed; a heartbeat that got no pong means the client stopped reading."""
        if isinstance(detail, TimeoutError) and self._ended_by is None:
            self._ended_by = StoppedReadingError(
                f"The client answered no ping for {self._send_timeout:g} s (--send-timeout); "
                "closing"
            )
        self._gone.set()

    async def _stop_reader(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None

    # -- the session's life ---------------------------------------------------------------

    async def run(self, body: Awaitable[None]) -> None:
        """Run the session body; cancel it the moment the connection drops (or the server
        shuts down), raising :class:`ClientGoneError` (or why the server dropped it)."""
        task = asyncio.ensure_future(body)
        gone = asyncio.ensure_future(self._gone.wait())
        try:
            await asyncio.wait({task, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                if self._ended_by is not None:
                    raise self._ended_by
                raise ClientGoneError
        try:
            await task
        except ClientGoneError:
            if self._ended_by is not None:
                raise self._ended_by from None
            raise

    def shut_down(self, seconds: float = CLOSE_SECONDS) -> None:
        """The server is stopping (or draining): end the session now, closing with 1001 within
        ``seconds``."""
        self.going_away = True
        self.going_away_seconds = seconds
        self._gone.set()

    async def close(
        self,
        code: int,
        reason: str = "",
        message: dict[str, Any] | None = None,
        seconds: float = CLOSE_SECONDS,
    ) -> None:
        """Send ``message`` (if any) and close with ``code``; a client that does not take them
        within ``seconds`` is dropped."""
        await self._stop_reader()
        try:
            async with asyncio.timeout(seconds):
                if message is not None and not self.ws.closed:
                    await self.ws.send_str(json.dumps(message))
                await self.ws.close(code=code, message=close_reason(reason).encode())
        except (TimeoutError, ConnectionError):
            _LOGGER.debug("Client %s did not take the close; dropping the connection", self.peer)
        finally:
            transport = self._transport
            # Never leave a connection waiting to flush to a client that does not read.
            if transport is not None and (
                not transport.is_closing() or transport.get_write_buffer_size()
            ):
                transport.abort()


async def serve_session(
    request: web.Request, door: str, body: SessionBody, error_message: ErrorMessage
) -> web.StreamResponse:
    """Accept a WebSocket on ``door``, admit it, run ``body`` and answer how it ended."""
    settings = request.app[SETTINGS_KEY]
    limits = settings.limits
    ws = web.WebSocketResponse(
        heartbeat=heartbeat_seconds(limits),
        max_msg_size=max_message_bytes(limits),
        compress=False,
        # Wait for the socket to take each frame before the next (see SEND_BUFFER_BYTES).
        writer_limit=SEND_BUFFER_BYTES,
        # The closing handshake is bounded by Channel.close, which knows how long it may take.
        timeout=3600.0,
    )
    if not ws.can_prepare(request).ok:
        raise web.HTTPUpgradeRequired(
            text=json.dumps(
                {"error": f"{request.path} is a WebSocket endpoint; connect with ws://"}
            ),
            content_type="application/json",
            headers={"Upgrade": "websocket"},
        )
    await ws.prepare(request)
    channel = Channel(ws, request, limits)
    channels = request.app[CHANNELS_KEY]
    channels.add(channel)
    try:
        failure, unplayed = await _admitted(request, door, channel, body)
        # A listener playing in real time takes the close only after the audio it holds.
        patience = CLOSE_SECONDS + unplayed
        if failure is None:
            await channel.close(CLOSE_NORMAL, seconds=patience)
        elif isinstance(failure, ClientGoneError):
            if channel.going_away:
                await channel.close(
                    CLOSE_GOING_AWAY, "server shutting down", seconds=channel.going_away_seconds
                )
        else:
            reason = failure.close_reason if isinstance(failure, ClientError) else str(failure)
            stopped = isinstance(failure, StoppedReadingError)
            await channel.close(
                error_close_code(failure),
                reason,
                error_message(failure),
                STOPPED_READER_CLOSE_SECONDS if stopped else patience,
            )
    finally:
        channels.discard(channel)
    return ws


async def _admitted(
    request: web.Request, door: str, channel: Channel, body: SessionBody
) -> tuple[BaseException | None, float]:
    """Run one admitted session: the error that ended it (None: completed), and the seconds of
    audio sent that a real-time listener has not played yet."""
    try:
        async with request.app[SESSIONS_KEY].session(door) as session:
            failure = await _run(channel, session, body)
    except BusyError as error:
        _LOGGER.info("Client %s: %s", channel.peer, error)
        return error, 0.0
    return failure, session.unplayed_seconds()


async def _run(channel: Channel, session: Session, body: SessionBody) -> BaseException | None:
    try:
        await channel.run(body(channel, session))
    except ClientGoneError as error:
        _LOGGER.debug("Client %s went away", channel.peer)
        session.disconnected()
        return error
    except (ClientError, SynthesisError) as error:
        if not isinstance(error, UnauthorizedError):  # auth.py logs those, rate-limited
            _LOGGER.info("Client %s: %s", channel.peer, error)
        if isinstance(error, ClientError | InvalidRequestError):
            session.client_error(error_kind(error))
        else:
            session.failed(error_kind(error))
        return error
    except Exception:
        _LOGGER.exception("Session from %s failed", channel.peer)
        session.failed("internal")
        return InternalError()
    return None


def heartbeat_seconds(limits: Limits) -> float:
    """Ping interval: aiohttp closes a connection whose pong takes over half of it, so the pong
    may take as long as ``--send-timeout``, the time a client may go without reading."""
    return 2 * limits.send_timeout

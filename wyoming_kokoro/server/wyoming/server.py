"""The Wyoming server: listens on ``--uri`` (tcp://, unix:// or stdio://), one handler per
connection, all over the shared engine; announces itself over zeroconf when asked to.

Draining (``drain()``, on SIGTERM): a new connection gets one ``error`` event and is closed,
requests in progress run on; ``close()`` ends what is left with an ``error`` event."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import NoReturn
from urllib.parse import urlparse

from wyoming.error import Error
from wyoming.event import Event, async_get_stdin, async_get_stdout
from wyoming.server import AsyncEventHandler, AsyncServer, AsyncStdioServer, AsyncTcpServer
from wyoming.tts import SynthesizeVoice

from ...config import Settings
from ...engine import Engine, SpeechParams
from .handler import KokoroEventHandler
from .info import build_info, voice_for_locale, voice_locales
from .zeroconf import ZeroconfAnnouncer

_LOGGER = logging.getLogger(__name__)

#: How long ``close`` waits for connections to finish their cleanup.
CLOSE_TIMEOUT = 5.0

#: How long the ``error`` event telling a client the server is going away may take to send.
GOING_AWAY_SEND_TIMEOUT = 1.0

#: The ``error`` event of a connection refused or cut off because the server is shutting down.
GOING_AWAY = Error(
    text="Server shutting down: it takes no new request; connect again to reach another",
    code="server-shutting-down",
).event()
CUT_OFF = Error(
    text="Server shut down before this request finished (drain timeout reached)",
    code="server-shutting-down",
).event()


class _Refusal(AsyncEventHandler):
    """A connection that arrives while the server drains: one ``error`` event, then closed."""

    async def handle_event(self, event: Event) -> bool:
        return False

    async def run(self) -> None:
        with contextlib.suppress(ConnectionError, TimeoutError):
            async with asyncio.timeout(GOING_AWAY_SEND_TIMEOUT):
                await self.write_event(GOING_AWAY)
        self.writer.close()


class WyomingServer:
    """Serves Wyoming on ``--uri`` (tcp://, unix:// or stdio://) over the shared engine."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        on_stdio_closed: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        #: Called when the client on stdin/stdout is done (the process may then exit).
        self._on_stdio_closed = on_stdio_closed
        self.info_event = build_info(engine, settings.streaming).event()
        self._locales = voice_locales(engine)
        self.handlers: set[KokoroEventHandler] = set()
        self._server: AsyncServer | None = None
        self._stdio: asyncio.Task[None] | None = None
        self._announcer: ZeroconfAnnouncer | None = None
        self._draining = False

    @property
    def port(self) -> int:
        """The bound TCP port (useful with ``tcp://host:0``)."""
        listener = getattr(self._server, "_server", None)
        if not isinstance(self._server, AsyncTcpServer) or listener is None:
            raise RuntimeError("The Wyoming server is not listening on TCP")
        port: int = listener.sockets[0].getsockname()[1]
        return port

    def params_for(self, voice: SynthesizeVoice | None) -> SpeechParams:
        """The voice asked for by name, else one listed for the language asked for, else the
        default; an unknown voice is an error, never silently replaced."""
        name = voice.name if voice is not None else None
        if name is None and voice is not None and voice.language:
            name = voice_for_locale(self._locales, voice.language, self.engine.default_params.voice)
        return self.engine.speech_params(name)

    def _handler(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> AsyncEventHandler:
        if self._draining:
            return _Refusal(reader, writer)
        return KokoroEventHandler(self, reader, writer)

    def drain(self) -> None:
        """Refuse new connections with an ``error`` event; requests in progress go on."""
        self._draining = True

    @property
    def in_progress(self) -> int:
        """Connections with speech queued or running."""
        return sum(1 for handler in self.handlers if handler.speaking)

    async def start(self) -> None:
        """Listen on ``--uri``; announce over zeroconf if asked to."""
        uri = self.settings.uri
        try:
            self._server = AsyncServer.from_uri(uri)
        except ValueError as error:
            _exit(f"Invalid --uri {uri!r}: {error}", 2)
        if isinstance(self._server, AsyncStdioServer):
            self._stdio = asyncio.create_task(self._serve_stdio())
        else:
            try:
                await self._server.start(self._handler)
            except OSError as error:
                _exit(f"Cannot serve Wyoming on {uri}: {error}", 1)
        shown = uri if not isinstance(self._server, AsyncTcpServer) else _with_port(uri, self.port)
        _LOGGER.info(
            "Wyoming server on %s (%d voices, streaming %s)",
            shown,
            len(self._locales),
            "on" if self.settings.streaming else "off",
        )
        if self.settings.zeroconf:
            await self._announce(self.settings.zeroconf)

    async def _serve_stdio(self) -> None:
        """One connection over stdin/stdout, without the library's own signal handling."""
        reader, writer = await async_get_stdin(), await async_get_stdout()
        handler = KokoroEventHandler(self, reader, writer, finish_on_eof=True)
        await handler.run()  # finishes the speech asked for before it returns
        _LOGGER.info("Wyoming client on stdin/stdout closed the connection")
        if self._on_stdio_closed is not None:
            self._on_stdio_closed()

    async def _announce(self, name: str) -> None:
        if not isinstance(self._server, AsyncTcpServer):
            _LOGGER.error("Zeroconf needs a tcp:// --uri; not announcing %s", self.settings.uri)
            return
        self._announcer = await ZeroconfAnnouncer.start(name, self._server.host, self.port)

    async def close(self) -> None:
        """Stop listening, end every connection (cancelling its synthesis), withdraw zeroconf."""
        if self._announcer is not None:
            await self._announcer.close()
            self._announcer = None
        await asyncio.gather(
            *(_cut_off_event(handler) for handler in self.handlers if handler.speaking)
        )
        if self._server is not None:
            await self._server.stop()
        for handler in list(self.handlers):
            await handler.stop()
        if self._stdio is not None:
            self._stdio.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._stdio
        waiting = [asyncio.create_task(handler.closed.wait()) for handler in self.handlers]
        if waiting:
            _, pending = await asyncio.wait(waiting, timeout=CLOSE_TIMEOUT)
            for task in pending:
                task.cancel()


async def _cut_off_event(handler: KokoroEventHandler) -> None:
    with contextlib.suppress(ConnectionError, TimeoutError):
        async with asyncio.timeout(GOING_AWAY_SEND_TIMEOUT):
            await handler.write_event(CUT_OFF)


def _exit(message: str, code: int) -> NoReturn:
    """Stop the process with a clear message (no traceback): the configuration is wrong."""
    _LOGGER.error("%s", message)
    raise SystemExit(code)


def _with_port(uri: str, port: int) -> str:
    host = urlparse(uri).hostname or ""
    return f"tcp://[{host}]:{port}" if ":" in host else f"tcp://{host}:{port}"

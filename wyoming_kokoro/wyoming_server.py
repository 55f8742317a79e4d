"""The Wyoming TTS server: Home Assistant's ``wyoming`` integration as a client of the engine.

Events in, and what each does:

- ``describe``: the ``info`` built once at start (never waits on synthesis).
- ``synthesize`` (outside a stream): one ``audio-start``, ``audio-chunk`` events of
  ``--samples-per-chunk`` samples (the last one shorter), one ``audio-stop``. Text with nothing
  to say gives ``audio-start`` and ``audio-stop`` with no chunk in between, so a client waiting
  for ``audio-stop`` (Home Assistant does) gets an empty result instead of hanging.
- ``synthesize-start`` / ``synthesize-chunk`` / ``synthesize-stop``: the chunks go into one
  engine stream as they come, cut anywhere, and audio flows back while text still arrives: one
  ``audio-start``, chunks, ``audio-stop``, then ``synthesize-stopped``. The full ``synthesize``
  that Home Assistant sends inside every stream "for backwards compatibility" is ignored.
  ``--no-streaming`` only stops advertising streaming; a client that streams anyway is served.
- Anything else is ignored; the connection stays up.

A request that cannot be served (unknown voice, failed synthesis) gets one ``error`` event; an
audio stream that was open is still closed with ``audio-stop`` (and ``synthesize-stopped`` once
the client ends its text stream), so no client is left waiting. A client that goes away cancels
its synthesis.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import ipaddress
import logging
import socket
from collections.abc import Callable
from typing import Any, NoReturn
from urllib.parse import urlparse

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event, async_get_stdin, async_get_stdout
from wyoming.info import Describe
from wyoming.server import AsyncEventHandler, AsyncServer, AsyncStdioServer, AsyncTcpServer
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeStopped,
    SynthesizeVoice,
)

from .config import Settings
from .engine import Engine, InvalidRequestError, SpeechParams, SynthesisError
from .wyoming_info import build_info, voice_locales

_LOGGER = logging.getLogger(__name__)

#: How long ``close`` waits for connections to finish their cleanup.
CLOSE_TIMEOUT = 5.0

ZEROCONF_TYPE = "_wyoming._tcp.local."


class TextPieces:
    """The text of one request, read by the engine as it arrives: pieces until :meth:`end`.

    A plain async iterator rather than a generator, so that the engine closing its stream
    early (an error) leaves it usable for :meth:`wait_end`.
    """

    def __init__(self, max_chars: int) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._ended = False
        self._max_chars = max_chars
        self._chars = 0

    def put(self, text: str) -> None:
        """Append a piece (any cut: mid-word is fine)."""
        self._queue.put_nowait(text)

    def end(self) -> None:
        """No more text will come."""
        self._queue.put_nowait(None)

    def __aiter__(self) -> TextPieces:
        return self

    async def __anext__(self) -> str:
        if self._ended:
            raise StopAsyncIteration
        piece = await self._queue.get()
        if piece is None:
            self._ended = True
            raise StopAsyncIteration
        self._chars += len(piece)
        if self._chars > self._max_chars:
            raise InvalidRequestError(
                f"Text is over the limit of {self._max_chars} characters (--max-text-chars); "
                "the rest was not spoken"
            )
        return piece

    async def wait_end(self) -> None:
        """Drop text until the client ends the stream."""
        while not self._ended:
            if await self._queue.get() is None:
                self._ended = True


class Chunker:
    """Cuts PCM into audio chunks of a fixed size; only a flushed tail is shorter."""

    def __init__(self, chunk_bytes: int) -> None:
        self.chunk_bytes = chunk_bytes
        self._buffer = bytearray()

    def push(self, pcm: bytes) -> list[bytes]:
        """The whole chunks now available."""
        self._buffer += pcm
        whole = len(self._buffer) - len(self._buffer) % self.chunk_bytes
        chunks = [
            bytes(self._buffer[start : start + self.chunk_bytes])
            for start in range(0, whole, self.chunk_bytes)
        ]
        del self._buffer[:whole]
        return chunks

    def flush(self) -> bytes:
        """Whatever is left (may be empty)."""
        tail = bytes(self._buffer)
        self._buffer.clear()
        return tail


class KokoroEventHandler(AsyncEventHandler):
    """One client connection. Speech runs in tasks, so events keep being read meanwhile."""

    def __init__(
        self,
        server: WyomingServer,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        finish_on_eof: bool = False,
    ) -> None:
        super().__init__(reader, writer)
        self.server = server
        self.engine = server.engine
        #: On end of input, finish the speech already asked for instead of cancelling it: over
        #: stdio, closing stdin means "no more requests", not "nobody is listening".
        self._finish_on_eof = finish_on_eof
        #: Between synthesize-start and synthesize-stop.
        self._streaming = False
        #: The open stream's text; None when its start failed (the rest of it is then ignored).
        self._stream_text: TextPieces | None = None
        #: The latest speech task: a new request waits for it, so replies never interleave.
        self._speaking: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.closed = asyncio.Event()
        server.handlers.add(self)

    async def run(self) -> None:
        """Read events until the client leaves; a reset connection is an ordinary end."""
        try:
            await super().run()
        except ConnectionError:
            _LOGGER.debug("Client connection reset")

    async def handle_event(self, event: Event) -> bool:
        """Answer one event; always True, since returning False would drop the client."""
        try:
            await self._handle(event)
        except (KeyError, TypeError, ValueError) as error:
            _LOGGER.info("Malformed %s event: %r", event.type, error)
            await self._send_error(f"Malformed {event.type} event: {error!r}", "malformed-event")
        except ConnectionError:
            _LOGGER.debug("Client went away while answering %s", event.type)
        except Exception:
            _LOGGER.exception("Failed to handle %s event", event.type)
            await self._send_error(
                "Internal server error; the server log has the details", "internal-error"
            )
        return True

    async def _handle(self, event: Event) -> None:
        if Describe.is_type(event.type):
            await self.write_event(self.server.info_event)
        elif Synthesize.is_type(event.type):
            if self._streaming:
                _LOGGER.debug("Ignoring the full-text synthesize sent inside a stream")
                return
            request = Synthesize.from_event(event)
            text = TextPieces(self.server.settings.limits.max_text_chars)
            text.put(request.text)
            text.end()
            await self._start_speech(request.voice, text, streaming=False)
        elif SynthesizeStart.is_type(event.type):
            if self._streaming:
                await self._send_error(
                    "synthesize-start while a stream is open: send synthesize-stop first",
                    "stream-already-open",
                )
                return
            self._streaming = True
            self._stream_text = TextPieces(self.server.settings.limits.max_text_chars)
            voice = SynthesizeStart.from_event(event).voice
            if not await self._start_speech(voice, self._stream_text, streaming=True):
                self._stream_text = None
        elif SynthesizeChunk.is_type(event.type):
            if self._stream_text is not None:
                self._stream_text.put(SynthesizeChunk.from_event(event).text)
            elif not self._streaming:
                _LOGGER.debug("Ignoring synthesize-chunk outside a stream")
        elif SynthesizeStop.is_type(event.type):
            if not self._streaming:
                _LOGGER.debug("Ignoring synthesize-stop outside a stream")
                return
            self._streaming = False
            if self._stream_text is not None:
                self._stream_text.end()  # the speech task sends synthesize-stopped
                self._stream_text = None
            else:
                await self.write_event(SynthesizeStopped().event())
        else:
            _LOGGER.debug("Ignoring %s event", event.type)

    async def _start_speech(
        self, voice: SynthesizeVoice | None, text: TextPieces, streaming: bool
    ) -> bool:
        """Validate the request and queue its speech; False (after an error event) if invalid."""
        try:
            params = self.server.params_for(voice)
        except InvalidRequestError as error:
            _LOGGER.info("Refused request: %s", error)
            await self._send_error(str(error), "invalid-request")
            return False
        task = asyncio.create_task(self._speak(text, params, streaming, self._speaking))
        self._speaking = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _speak(
        self,
        text: TextPieces,
        params: SpeechParams,
        streaming: bool,
        previous: asyncio.Task[None] | None,
    ) -> None:
        """Audio events for one request, written as the engine produces them."""
        if previous is not None:
            await asyncio.wait([previous])
        engine = self.engine
        rate, width, channels = engine.sample_rate, engine.sample_width, engine.channels
        chunker = Chunker(self.server.settings.samples_per_chunk * width * channels)

        async def send(chunk: bytes) -> None:
            await self.write_event(
                AudioChunk(audio=chunk, rate=rate, width=width, channels=channels).event()
            )

        try:
            await self.write_event(AudioStart(rate=rate, width=width, channels=channels).event())
            try:
                async with contextlib.aclosing(engine.stream(text, params)) as stream:
                    async for pcm in stream:
                        chunks = chunker.push(pcm)
                        if streaming:  # do not hold a segment's tail back for the next one
                            chunks.append(chunker.flush())
                        for chunk in chunks:
                            if chunk:
                                await send(chunk)
                if tail := chunker.flush():
                    await send(tail)
            except SynthesisError as error:
                await self._send_error(str(error), "synthesis-failed")
            except Exception:
                _LOGGER.exception("Synthesis failed")
                await self._send_error(
                    "Internal server error; the server log has the details", "internal-error"
                )
            await self.write_event(AudioStop().event())
            if streaming:
                await text.wait_end()
                await self.write_event(SynthesizeStopped().event())
        except ConnectionError:
            _LOGGER.debug("Client went away during synthesis")

    async def _send_error(self, text: str, code: str) -> None:
        with contextlib.suppress(ConnectionError):
            await self.write_event(Error(text=text, code=code).event())

    async def stop(self) -> None:
        """The server is closing: end the connection and cancel its synthesis."""
        self._finish_on_eof = False
        await super().stop()

    async def disconnect(self) -> None:
        """The client is gone (or the server stops): cancel its synthesis and wait for it."""
        if self._finish_on_eof:
            if self._stream_text is not None:
                self._stream_text.end()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks))
        self.server.handlers.discard(self)
        self.closed.set()


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
            name = self._voice_for_locale(voice.language)
        return self.engine.resolve(name)

    def _voice_for_locale(self, language: str) -> str:
        wanted = language.strip().replace("-", "_").lower()
        default = self.engine.default.voice
        for exact in (True, False):
            matches = [
                name
                for name, locale in self._locales.items()
                if locale.lower() == wanted
                or (not exact and locale.split("_")[0].lower() == wanted)
            ]
            if matches:
                return default if default in matches else matches[0]
        available = sorted(set(self._locales.values()))
        raise InvalidRequestError(
            f"No voice for language {language!r}. Available: {', '.join(available)}"
        )

    def _handler(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> KokoroEventHandler:
        return KokoroEventHandler(self, reader, writer)

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


def _exit(message: str, code: int) -> NoReturn:
    """Stop the process with a clear message (no traceback): the configuration is wrong."""
    _LOGGER.error("%s", message)
    raise SystemExit(code)


def _with_port(uri: str, port: int) -> str:
    host = urlparse(uri).hostname or ""
    return f"tcp://[{host}]:{port}" if ":" in host else f"tcp://{host}:{port}"


class ZeroconfAnnouncer:
    """Advertises the server over mDNS (``_wyoming._tcp``) so Home Assistant discovers it."""

    def __init__(self, zeroconf: Any, service: Any) -> None:
        self._zeroconf = zeroconf
        self._service = service

    @classmethod
    async def start(cls, name: str, host: str, port: int) -> ZeroconfAnnouncer | None:
        """Register ``name`` at the host's real address; None (logged) if that cannot be done."""
        if importlib.util.find_spec("zeroconf") is None:
            _LOGGER.error(
                "--zeroconf needs the zeroconf package: pip install 'wyoming-kokoro[zeroconf]'; "
                "serving without discovery"
            )
            return None
        from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

        address = await asyncio.to_thread(advertised_address, host)
        service = AsyncServiceInfo(
            ZEROCONF_TYPE,
            f"{name}.{ZEROCONF_TYPE}",
            addresses=[ipaddress.ip_address(address).packed],
            port=port,
        )
        zeroconf = AsyncZeroconf()
        try:
            await zeroconf.async_register_service(service)
        except Exception as error:
            _LOGGER.warning("Zeroconf announcement of %r failed, serving without: %s", name, error)
            await zeroconf.async_close()
            return None
        _LOGGER.info("Announced %r over zeroconf at %s:%d", name, address, port)
        return cls(zeroconf, service)

    async def close(self) -> None:
        """Withdraw the announcement."""
        with contextlib.suppress(Exception):
            await self._zeroconf.async_unregister_service(self._service)
        await self._zeroconf.async_close()


def advertised_address(host: str) -> str:
    """The address clients should use: ``host`` itself, or for a wildcard (``0.0.0.0``, ``::``,
    a name) the address of the interface that reaches the network. Blocking: run in a thread."""
    with contextlib.suppress(ValueError):
        address = ipaddress.ip_address(host)
        if not address.is_unspecified:
            return host
    for target in ("224.0.0.251", "192.0.2.1"):  # mDNS group, then a documentation address
        with (
            contextlib.suppress(OSError),
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe,
        ):
            probe.connect((target, 9))  # UDP: selects a route, sends nothing
            found: str = probe.getsockname()[0]
            if not ipaddress.ip_address(found).is_unspecified:
                return found
    with contextlib.suppress(OSError):
        return socket.gethostbyname(socket.gethostname())
    return "127.0.0.1"

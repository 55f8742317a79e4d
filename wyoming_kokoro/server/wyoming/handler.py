"""One Wyoming connection: Home Assistant's ``wyoming`` integration as a client of the engine.

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

Events are read by :mod:`.reader`, bounded in size and time: a malformed event gets an
``error`` event naming the problem (and the connection goes on when the event could be read
whole); an oversized one, or one that stops arriving midway for ``--idle-timeout``, gets an
``error`` event and the connection is closed.

A request that cannot be served (unknown voice, failed synthesis) gets one ``error`` event; an
audio stream that was open is still closed with ``audio-stop`` (and ``synthesize-stopped`` once
the client ends its text stream), so no client is left waiting. A client that goes away cancels
its synthesis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe
from wyoming.server import AsyncEventHandler
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeStopped,
    SynthesizeVoice,
)

from ...config import Settings
from ...engine import Engine, InvalidRequestError, SpeechParams, SynthesisError
from .events import MalformedEventError, text_of, voice_of
from .reader import EventError, EventLimits, read_event
from .text import Chunker, TextPieces

_LOGGER = logging.getLogger(__name__)


class HandlerHost(Protocol):
    """What a connection needs of its server (``server.py``'s ``WyomingServer``): the handler
    depends on this shape, the server on the handler, never the other way round."""

    engine: Engine
    settings: Settings
    info_event: Event
    handlers: set[KokoroEventHandler]

    def params_for(self, voice: SynthesizeVoice | None) -> SpeechParams:
        """The speech parameters for a request's voice (by name, else by locale)."""
        ...


class KokoroEventHandler(AsyncEventHandler):
    """One client connection. Speech runs in tasks, so events keep being read meanwhile."""

    def __init__(
        self,
        server: HandlerHost,
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
        limits = server.settings.limits
        self._limits = EventLimits.for_text(limits.max_text_chars, limits.idle_timeout)
        server.handlers.add(self)

    async def run(self) -> None:
        """Read events until the client leaves or an event breaks the framing.

        Replaces the library's loop, whose reader has no bounds and lets a malformed event
        escape as an exception nobody retrieves. A reset connection is an ordinary end.
        """
        self._is_running = True
        try:
            while self._is_running:
                try:
                    event = await read_event(self.reader, self._limits)
                except EventError as error:
                    _LOGGER.info("Refused an event: %s", error)
                    await self._send_error(str(error), error.code)
                    if error.fatal:
                        break
                    continue
                if event is None or not await self.handle_event(event):
                    break
        except ConnectionError:
            _LOGGER.debug("Client connection reset")
        finally:
            await self.disconnect()
            self.writer.close()

    async def handle_event(self, event: Event) -> bool:
        """Answer one event; always True, since returning False would drop the client."""
        try:
            await self._handle(event)
        except MalformedEventError as error:
            _LOGGER.info("%s", error)
            await self._send_error(str(error), "malformed-event")
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
            text = TextPieces(self.server.settings.limits.max_text_chars)
            text.put(text_of(event))
            text.end()
            await self._start_speech(voice_of(event), text, streaming=False)
        elif SynthesizeStart.is_type(event.type):
            if self._streaming:
                await self._send_error(
                    "synthesize-start while a stream is open: send synthesize-stop first",
                    "stream-already-open",
                )
                return
            voice = voice_of(event)
            self._streaming = True
            self._stream_text = TextPieces(self.server.settings.limits.max_text_chars)
            if not await self._start_speech(voice, self._stream_text, streaming=True):
                self._stream_text = None
        elif SynthesizeChunk.is_type(event.type):
            piece = text_of(event)
            if self._stream_text is not None:
                self._stream_text.put(piece)
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
            except ConnectionError:
                raise  # the client went away: nothing failed, nobody to tell
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

    @property
    def speaking(self) -> bool:
        """A request's speech is queued or running on this connection."""
        return bool(self._tasks)

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

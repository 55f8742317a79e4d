"""Protocol v2 of ``/ws/tts/live`` (PROTOCOL.md, "Protocol 2"): many utterances per connection.

A voicebot speaks many replies over one connection and must be able to stop any of them the
moment the user barges in. Each reply is a *context* named by the client: its text arrives in
``text`` messages, ``flush`` ends its input, ``cancel`` stops it at once. Each context is one
:meth:`Engine.stream_timed` on its own task, so contexts share the engine's scheduler exactly as
sessions do, and cancelling the task drops its queued segments and interrupts its inference.

Each context speaking at once costs what a session costs: the connection's admission covers its
first context, and every further one takes a slot of its own (``reserve``). A context the server
has no room for is refused with ``server_busy`` (its later text and flush are dropped: nothing
of it is half spoken); the connection stays open. The connection's idle timer runs only while
no context is open.

The module talks to its connection through :class:`Channel` only (send JSON, send bytes,
receive text), so it plugs into whichever WebSocket host serves the live door.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ..config import Limits
from ..engine import Engine, InvalidRequestError, SpeechParams, SynthesisError, audio
from ..engine.engine import Rendered
from ..jsontext import JsonInputError, read_json
from ..schema import quote
from .output_format import OutputFormat, StreamEncoder
from .protocol import (
    BusyError,
    ClientError,
    ClientGoneError,
    GoingAwayError,
    IdleTimeoutError,
    LimitError,
    StoppedReadingError,
    TextBudget,
    ready_message,
)
from .wordframes import Framer, word_request

_LOGGER = logging.getLogger(__name__)

PROTOCOL_VERSION = 2

#: The longest ``context_id`` accepted.
MAX_CONTEXT_ID = 128

#: Message types a client sends in protocol 2.
CLIENT_TYPES = ("text", "flush", "cancel")

#: Refused context ids remembered per connection (their later text is dropped, not spoken).
MAX_REFUSED = 64

#: A further context's slot: taking it raises :class:`BusyError` when the server is full; the
#: function returned gives it back.
Reserve = Callable[[], Callable[[], None]]


class Channel(Protocol):
    """What a v2 session needs of its connection."""

    async def send_json(self, message: dict[str, Any]) -> None:
        """One JSON text frame."""

    async def send_bytes(self, data: bytes, seconds: float | None = None) -> None:
        """One binary frame, carrying ``seconds`` of speech (None: PCM, its own length)."""

    async def receive_text(self, idle_timeout: float, waiting_for: str) -> str:
        """The next text frame; a :class:`ClientError` on silence past ``idle_timeout``, or
        on a binary frame."""


@dataclass
class ContextCounters:
    """Contexts of every v2 connection, for ``/health`` and tests."""

    open: int = 0
    opened: int = 0
    completed: int = 0
    cancelled: int = 0
    failed: int = 0
    #: Refused for capacity (``server_busy``) or because the server is shutting down.
    refused: int = 0
    #: Cut off by the connection's close.
    disconnected: int = 0

    def ended(self, outcome: str) -> None:
        """One context ended as ``outcome`` (a field name)."""
        setattr(self, outcome, getattr(self, outcome) + 1)


class ContextError(Exception):
    """A mistake about one context: reported with its ``code``, the connection stays open."""

    def __init__(
        self, code: str, context_id: str | None, message: str, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.context_id = context_id
        self.retry_after = retry_after

    def message(self) -> dict[str, Any]:
        """The ``error`` message that reports it."""
        message: dict[str, Any] = {
            "type": "error",
            "context_id": self.context_id,
            "code": self.code,
            "message": str(self),
        }
        if self.retry_after is not None:
            message["retry_after"] = self.retry_after
        return message


def is_v2_message(text: str) -> bool:
    """Does a v1 text frame look like a v2 message (a client that forgot ``"protocol": 2``)?"""
    if not text.startswith("{"):
        return False
    try:
        data = read_json(text)
    except JsonInputError:
        return False
    return isinstance(data, dict) and data.get("type") in CLIENT_TYPES and "context_id" in data


def requested_protocol(init: dict[str, Any]) -> int:
    """The protocol the init message asks for: 1 (the default) or 2."""
    version = init.get("protocol", 1)
    if version not in (1, 2) or isinstance(version, bool):
        raise ClientError(
            f"Unsupported protocol {quote(version)}: this server speaks protocols 1 and 2"
        )
    return int(version)


@dataclass
class _Context:
    id: str
    queue: asyncio.Queue[str | None]
    budget: TextBudget
    framer: Framer
    flushed: bool = False
    chunks: int = 0
    task: asyncio.Task[None] | None = None


class ContextSession:
    """One v2 connection: reads client messages, runs a task per open context."""

    def __init__(
        self,
        channel: Channel,
        engine: Engine,
        limits: Limits,
        *,
        params: SpeechParams,
        output: OutputFormat,
        word_timestamps: bool,
        counters: ContextCounters,
        going_away: asyncio.Event | None = None,
        leave: Callable[[], None] | None = None,
        reserve: Reserve | None = None,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self._channel = channel
        self._reserve = reserve
        self._report = report
        #: Slots taken beyond the connection's own: one per open context after the first.
        self._slots: list[Callable[[], None]] = []
        self._refused: dict[str, None] = {}
        #: When the last context ended (or the session began): the connection idle timer's start.
        self._quiet_since = time.monotonic()
        self._going_away = going_away
        self._leave = leave
        #: No context open: a draining server may end the connection now.
        self._idle = asyncio.Event()
        self._idle.set()
        self._engine = engine
        self._limits = limits
        self._params = params
        self._output = output
        self._word_timestamps = word_timestamps
        self._counters = counters
        self._contexts: dict[str, _Context] = {}
        self._send_lock = asyncio.Lock()
        #: Why the connection broke under a context's send; it ends the whole session.
        self._broken: BaseException | None = None
        self._reader: asyncio.Task[Any] | None = None
        self._frame_bytes = int(audio.SAMPLE_RATE * 1.0) * audio.SAMPLE_WIDTH

    async def run(self) -> None:
        """Read messages until the client closes the connection (or breaks the protocol).

        A context whose send finds the connection broken (a client that stopped reading, or
        gone) ends the session with that error, as a v1 session's send would.
        """
        self._reader = asyncio.current_task()
        leaving = asyncio.create_task(self._leave_when_drained())
        try:
            while True:
                message = await self._receive()
                try:
                    await self._dispatch(_parse(message))
                except ContextError as error:
                    await self._send(error.message())
        except asyncio.CancelledError:
            if self._broken is None or self._reader is None:
                raise
            self._reader.uncancel()
            raise self._broken from None
        finally:
            leaving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await leaving
            await self._stop_all()

    async def _receive(self) -> str:
        """The next message; the connection idle timer counts only while no context is open
        (a client listening to a long reply has nothing to send)."""
        idle_timeout = self._limits.connection_idle_timeout
        while True:
            quiet = 0.0 if self._contexts else time.monotonic() - self._quiet_since
            try:
                return await self._channel.receive_text(max(idle_timeout - quiet, 0.001), "message")
            except IdleTimeoutError:
                if self._contexts or time.monotonic() - self._quiet_since < idle_timeout:
                    continue  # a context spoke meanwhile: the timer starts again
                raise

    async def _leave_when_drained(self) -> None:
        """The server drains: once no context is open, end the connection (going away), so the
        client reconnects to another server instead of holding this one until the drain's end."""
        if self._going_away is None or self._leave is None:
            return
        await self._going_away.wait()
        while self._contexts:
            self._idle.clear()
            await self._idle.wait()
        self._leave()

    async def _dispatch(self, message: dict[str, Any]) -> None:
        kind, context_id = message["type"], message["context_id"]
        context = self._contexts.get(context_id)
        if context is None and context_id in self._refused:
            # Refused: drop the rest of its text; a flush or cancel ends the refusal.
            if kind != "text":
                del self._refused[context_id]
            if kind == "cancel":
                await self._send({"type": "cancelled", "context_id": context_id})
            return
        if kind == "text":
            if context is None:
                context = self._open(context_id)
            if context.flushed:
                raise ContextError(
                    "context_flushed",
                    context_id,
                    f"Context {context_id!r} was flushed: its input is complete; "
                    "start a new context for more text",
                )
            text = message["text"]
            context.budget.take(text)
            if text:
                context.queue.put_nowait(text)
            return
        if context is None:
            raise ContextError(
                "unknown_context",
                context_id,
                f"Unknown context {context_id!r} in {kind}: no open context has that id "
                "(never opened, or already ended or cancelled)",
            )
        if kind == "flush":
            if not context.flushed:
                context.flushed = True
                context.queue.put_nowait(None)
        else:
            await self._cancel(context)

    def _open(self, context_id: str) -> _Context:
        if len(self._contexts) >= self._limits.max_contexts:
            raise ContextError(
                "too_many_contexts",
                context_id,
                f"Too many open contexts: {self._limits.max_contexts} already open on this "
                f"connection; flush or cancel one before opening {context_id!r}",
            )
        if self._contexts and self._reserve is not None:
            self._slots.append(self._take_slot(context_id))
        context = _Context(
            context_id,
            asyncio.Queue(),
            TextBudget(self._limits, f"Text for {context_id!r}"),
            Framer(self._frame_bytes, self._word_timestamps),
        )
        self._contexts[context_id] = context
        self._idle.clear()
        self._counters.opened += 1
        self._counters.open += 1
        context.task = asyncio.create_task(self._speak(context), name=f"context-{context_id}")
        return context

    def _take_slot(self, context_id: str) -> Callable[[], None]:
        """A slot for one more context speaking at once, or a refusal (``server_busy``)."""
        assert self._reserve is not None
        try:
            return self._reserve()
        except BusyError as error:
            self._refused[context_id] = None
            while len(self._refused) > MAX_REFUSED:
                del self._refused[next(iter(self._refused))]
            self._ended("refused")
            if isinstance(error, GoingAwayError):
                raise ContextError(
                    "server_shutting_down",
                    context_id,
                    f"Context {context_id!r} was not opened: the server is shutting down; "
                    "speak it over a new connection (another server)",
                ) from None
            raise ContextError(
                "server_busy",
                context_id,
                f"Context {context_id!r} was not opened: {error} (each context speaking at "
                "once counts as a session). Its text is dropped; send it again under a new "
                f"context_id after {error.retry_after} s or once a context of yours ends",
                retry_after=error.retry_after,
            ) from None

    def _ended(self, outcome: str) -> None:
        self._counters.ended(outcome)
        if self._report is not None:
            self._report(outcome)

    async def _cancel(self, context: _Context) -> None:
        """Stop a context at once: nothing of it is sent after ``cancelled``."""
        await self._stop(context)
        self._ended("cancelled")
        await self._send({"type": "cancelled", "context_id": context.id})

    async def _stop(self, context: _Context) -> None:
        self._forget(context)
        if context.task is not None and not context.task.done():
            context.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await context.task

    async def _stop_all(self) -> None:
        """The connection ends: contexts still open are cut off (disconnected)."""
        for context in list(self._contexts.values()):
            await self._stop(context)
            self._ended("disconnected")

    def _forget(self, context: _Context) -> None:
        if self._contexts.get(context.id) is context:
            del self._contexts[context.id]
            self._counters.open -= 1
            if self._slots:
                self._slots.pop()()
            if not self._contexts:
                self._quiet_since = time.monotonic()
                self._idle.set()

    async def _speak(self, context: _Context) -> None:
        """The context's task: its text to audio, then ``end`` (or its error)."""
        encoder = self._output.encoder()
        try:
            stream = self._engine.stream_timed(self._pieces(context), self._params)
            async with contextlib.aclosing(stream):
                async for chunk in stream:
                    await self._send_chunk(context, chunk, encoder)
            await self._send_audio(context, await encoder.finish())
            ended: dict[str, Any] = {
                "type": "end",
                "context_id": context.id,
                "total_chunks": context.chunks,
            }
            self._forget(context)
            self._ended("completed")
            await self._send(ended)
        except (StoppedReadingError, ClientGoneError) as error:
            self._forget(context)
            self._ended("failed")
            self._break(error)
        except (ClientError, InvalidRequestError, SynthesisError) as error:
            self._forget(context)
            self._ended("failed")
            code = "context_timeout" if isinstance(error, _ContextTimeoutError) else "synthesis"
            await self._send(
                {"type": "error", "context_id": context.id, "code": code, "message": str(error)}
            )
        except Exception:  # the connection failed under it: the reader loop reports that
            self._forget(context)
            self._ended("failed")
            _LOGGER.debug("Context %r stopped", context.id, exc_info=True)
        finally:
            await encoder.close()

    def _break(self, error: BaseException) -> None:
        """The connection failed under a context: end the reader loop with ``error``."""
        if self._broken is None and self._reader is not None and not self._reader.done():
            self._broken = error
            self._reader.cancel()

    async def _pieces(self, context: _Context) -> AsyncIterator[str]:
        timeout = self._limits.idle_timeout
        while True:
            try:
                async with asyncio.timeout(timeout):
                    piece = await context.queue.get()
            except TimeoutError:
                raise _ContextTimeoutError(
                    f"No text or flush for context {context.id!r} in {timeout:g} s; it was dropped"
                ) from None
            if piece is None:
                return
            yield piece

    async def _send_chunk(self, context: _Context, chunk: Rendered, encoder: StreamEncoder) -> None:
        """One segment's audio (encoded as the session asked), with its word timings."""
        seconds = context.framer.segment(chunk)
        await self._send_audio(context, await encoder.encode(chunk.pcm), seconds)

    async def _send_audio(self, context: _Context, data: bytes, seconds: float = 0.0) -> None:
        """Frames of at most one second of PCM; each ``audio`` header preceded by the ``words``
        that start in its frame (times on the context's timeline)."""
        for frame in context.framer.frames(data, seconds):
            context.chunks += 1
            messages: list[dict[str, Any]] = []
            if frame.words:
                messages.append(
                    {
                        "type": "words",
                        "context_id": context.id,
                        "chunk_id": context.chunks,
                        "words": frame.words,
                    }
                )
            messages.append(
                {
                    "type": "audio",
                    "context_id": context.id,
                    "chunk_id": context.chunks,
                    "size": len(frame.data),
                }
            )
            # Shielded: a cancel arriving mid-send must not split a header from its frame.
            await asyncio.shield(self._send(*messages, data=frame.data, seconds=frame.seconds))

    async def _send(
        self, *messages: dict[str, Any], data: bytes | None = None, seconds: float = 0.0
    ) -> None:
        """Messages (and a binary frame of ``seconds`` of speech) in one piece: no other
        context's send comes between."""
        async with self._send_lock:
            for message in messages:
                await self._channel.send_json(message)
            if data is not None:
                await self._channel.send_bytes(data, seconds)


class _ContextTimeoutError(ClientError):
    """A context waited too long for text."""


def _parse(message: str) -> dict[str, Any]:
    """A client message of protocol 2; anything malformed is a :class:`ClientError`."""
    try:
        data = read_json(message)
    except JsonInputError as error:
        raise ClientError(
            "Protocol 2 messages are JSON objects like "
            f'{{"type": "text", "context_id": "reply-1", "text": "Hello"}}: {error}'
        ) from None
    if not isinstance(data, dict):
        raise ClientError(f"A protocol 2 message must be a JSON object, got {type(data).__name__}")
    kind = data.get("type")
    if kind not in CLIENT_TYPES:
        raise ClientError(
            f"Unknown message type {quote(kind)}: protocol 2 takes {', '.join(CLIENT_TYPES)}"
        )
    context_id = data.get("context_id")
    if not isinstance(context_id, str) or not 0 < len(context_id) <= MAX_CONTEXT_ID:
        raise ClientError(
            f"'context_id' of a {kind} message must be a string of 1 to {MAX_CONTEXT_ID} "
            f"characters, got {quote(context_id)}"
        )
    if kind == "text" and not isinstance(data.get("text"), str):
        raise ClientError(
            f"'text' of a text message must be a string, got {quote(data.get('text'))}"
        )
    return data


async def serve_contexts(
    channel: Channel,
    engine: Engine,
    limits: Limits,
    *,
    init: dict[str, Any],
    params: SpeechParams,
    output: OutputFormat,
    counters: ContextCounters,
    going_away: asyncio.Event | None = None,
    leave: Callable[[], None] | None = None,
    reserve: Reserve | None = None,
    report: Callable[[str], None] | None = None,
) -> None:
    """A protocol 2 session after its init message: ``ready``, then contexts until the close.

    Once ``going_away`` is set (the server drains), ``leave`` is called as soon as no context
    is open. ``reserve`` takes the slot of each context beyond the first (none: unlimited);
    ``report`` hears each context's outcome.
    """
    words = word_request(init, engine, params)
    ready: dict[str, Any] = {
        **ready_message(engine, params, PROTOCOL_VERSION),
        **output.ready_fields(),
        **words.ready_fields(),
        "max_contexts": limits.max_contexts,
        "context_idle_timeout": limits.idle_timeout,
        "connection_idle_timeout": limits.connection_idle_timeout,
    }
    await channel.send_json(ready)
    session = ContextSession(
        channel,
        engine,
        limits,
        params=params,
        output=output,
        word_timestamps=words.enabled,
        counters=counters,
        going_away=going_away,
        leave=leave,
        reserve=reserve,
        report=report,
    )
    await session.run()


__all__ = [
    "Channel",
    "ContextCounters",
    "ContextError",
    "LimitError",
    "is_v2_message",
    "requested_protocol",
    "serve_contexts",
]

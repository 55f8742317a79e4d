"""Protocol v2 of ``/ws/tts/live`` (PROTOCOL.md, "Protocol 2"): many utterances per connection.

A voicebot speaks many replies over one connection and must be able to stop any of them the
moment the user barges in. Each reply is a *context* named by the client: its text arrives in
``text`` messages, ``flush`` ends its input, ``cancel`` stops it at once. Each context is one
:meth:`Engine.stream_timed` on its own task, so contexts share the engine's scheduler exactly as
sessions do, and cancelling the task drops its queued segments and interrupts its inference.

The module talks to its connection through :class:`Channel` only (send JSON, send bytes,
receive text), so it plugs into whichever WebSocket host serves the live door.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..config import Limits
from ..engine import Engine, InvalidRequestError, SpeechParams, SynthesisError, audio
from ..engine.engine import Rendered
from ..engine.timestamps import WordTiming
from ..schema import quote
from .output_format import OutputFormat, StreamEncoder
from .protocol import (
    ClientError,
    ClientGoneError,
    LimitError,
    StoppedReadingError,
    TextBudget,
    ready_message,
)

_LOGGER = logging.getLogger(__name__)

PROTOCOL_VERSION = 2

#: The longest ``context_id`` accepted.
MAX_CONTEXT_ID = 128

#: Message types a client sends in protocol 2.
CLIENT_TYPES = ("text", "flush", "cancel")


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


class ContextError(Exception):
    """A mistake about one context: reported with its ``code``, the connection stays open."""

    def __init__(self, code: str, context_id: str | None, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.context_id = context_id


def is_v2_message(text: str) -> bool:
    """Does a v1 text frame look like a v2 message (a client that forgot ``"protocol": 2``)?"""
    if not text.startswith("{"):
        return False
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
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
    flushed: bool = False
    chunks: int = 0
    samples: int = 0
    task: asyncio.Task[None] | None = None
    #: Words (on the context's timeline) whose audio a codec still holds.
    unsent_words: list[WordTiming] = field(default_factory=list)
    #: Speech a codec still holds, counted with the next frame sent.
    unsent_seconds: float = 0.0


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
    ) -> None:
        self._channel = channel
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
                message = await self._channel.receive_text(
                    self._limits.connection_idle_timeout, "message"
                )
                try:
                    await self._dispatch(_parse(message))
                except ContextError as error:
                    await self._send(
                        {
                            "type": "error",
                            "context_id": error.context_id,
                            "code": error.code,
                            "message": str(error),
                        }
                    )
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
        context = _Context(
            context_id, asyncio.Queue(), TextBudget(self._limits, f"Text for {context_id!r}")
        )
        self._contexts[context_id] = context
        self._idle.clear()
        self._counters.opened += 1
        self._counters.open += 1
        context.task = asyncio.create_task(self._speak(context), name=f"context-{context_id}")
        return context

    async def _cancel(self, context: _Context) -> None:
        """Stop a context at once: nothing of it is sent after ``cancelled``."""
        await self._stop(context)
        self._counters.cancelled += 1
        await self._send({"type": "cancelled", "context_id": context.id})

    async def _stop(self, context: _Context) -> None:
        self._forget(context)
        if context.task is not None and not context.task.done():
            context.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await context.task

    async def _stop_all(self) -> None:
        for context in list(self._contexts.values()):
            await self._stop(context)

    def _forget(self, context: _Context) -> None:
        if self._contexts.get(context.id) is context:
            del self._contexts[context.id]
            self._counters.open -= 1
            if not self._contexts:
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
            self._counters.completed += 1
            await self._send(ended)
        except (StoppedReadingError, ClientGoneError) as error:
            self._forget(context)
            self._counters.failed += 1
            self._break(error)
        except (ClientError, InvalidRequestError, SynthesisError) as error:
            self._forget(context)
            self._counters.failed += 1
            code = "context_timeout" if isinstance(error, _ContextTimeoutError) else "synthesis"
            await self._send(
                {"type": "error", "context_id": context.id, "code": code, "message": str(error)}
            )
        except Exception:  # the connection failed under it: the reader loop reports that
            self._forget(context)
            self._counters.failed += 1
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
        base = context.samples / audio.SAMPLE_RATE
        if self._word_timestamps:
            context.unsent_words.extend(w.shifted(base) for w in chunk.words)
        seconds = audio.duration_seconds(chunk.pcm)
        context.samples += len(chunk.pcm) // audio.SAMPLE_WIDTH
        await self._send_audio(context, await encoder.encode(chunk.pcm), seconds)

    async def _send_audio(self, context: _Context, data: bytes, seconds: float = 0.0) -> None:
        """Frames of at most one second of PCM; each ``audio`` header preceded by the ``words``
        that start in its frame (times on the context's timeline). What a codec holds back
        (no bytes yet) goes with the next frame."""
        seconds += context.unsent_seconds
        context.unsent_seconds = seconds
        # Frames share the speech in proportion to their bytes: exact for PCM.
        end = context.samples / audio.SAMPLE_RATE
        position = end - seconds
        frames = list(audio.slice_frames(data, self._frame_bytes))
        for index, frame in enumerate(frames):
            share = min(context.unsent_seconds, seconds * len(frame) / len(data))
            position += share
            last = index == len(frames) - 1
            starting = [w for w in context.unsent_words if last or w.start < position]
            context.unsent_words = context.unsent_words[len(starting) :]
            context.chunks += 1
            messages: list[dict[str, Any]] = []
            if starting:
                messages.append(
                    {
                        "type": "words",
                        "context_id": context.id,
                        "chunk_id": context.chunks,
                        "words": [
                            {"word": w.word, "start": w.start, "end": w.end} for w in starting
                        ],
                    }
                )
            messages.append(
                {
                    "type": "audio",
                    "context_id": context.id,
                    "chunk_id": context.chunks,
                    "size": len(frame),
                }
            )
            # Shielded: a cancel arriving mid-send must not split a header from its frame.
            await asyncio.shield(self._send(*messages, data=frame, seconds=share))
            context.unsent_seconds -= share
        if data:
            context.unsent_seconds = 0.0

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
        data = json.loads(message)
    except json.JSONDecodeError as error:
        raise ClientError(
            "Protocol 2 messages are JSON objects like "
            '{"type": "text", "context_id": "reply-1", "text": "Hello"}: '
            f"{error.msg} at position {error.pos}"
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
) -> None:
    """A protocol 2 session after its init message: ``ready``, then contexts until the close.

    Once ``going_away`` is set (the server drains), ``leave`` is called as soon as no context
    is open.
    """
    requested = init.get("word_timestamps", False)
    if not isinstance(requested, bool):
        raise ClientError(f"'word_timestamps' must be true or false, got {quote(requested)}")
    unsupported = engine.word_timestamps_unsupported(params.language) if requested else None
    ready: dict[str, Any] = {
        **ready_message(engine, params, PROTOCOL_VERSION),
        **output.ready_fields(),
        "word_timestamps": requested and unsupported is None,
        "max_contexts": limits.max_contexts,
        "context_idle_timeout": limits.idle_timeout,
        "connection_idle_timeout": limits.connection_idle_timeout,
    }
    if unsupported is not None:
        ready["word_timestamps_unavailable"] = (
            f"No word timestamps for {params.language}: {unsupported}"
        )
    await channel.send_json(ready)
    session = ContextSession(
        channel,
        engine,
        limits,
        params=params,
        output=output,
        word_timestamps=requested and unsupported is None,
        counters=counters,
        going_away=going_away,
        leave=leave,
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

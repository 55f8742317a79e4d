"""A long-lived protocol 2 connection: many replies, each cancellable, with word timings.

A voicebot keeps one connection open for the whole conversation (no handshake before each
reply) and speaks each reply as a *context*. ``speak`` streams the reply's text in and yields
its audio and word events as they come; ``cancel`` (or leaving the ``speak`` loop early) stops
it on the server at once. A reply the server has no room for yet (``server_busy``: each reply
speaking at once counts as a session) is sent again after the server's ``retry_after``, for up
to ``busy_retry_seconds``, before any of its audio arrived. Like ``client.py``, it needs only
``websockets`` (``wsclient.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterable
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from .texttape import TextTape
from .wsclient import (
    RETRYABLE_CLOSE_CODES,
    KokoroConnectionError,
    KokoroError,
    KokoroProtocolError,
    KokoroServerError,
    api_key_or_env,
    json_object,
    open_websocket,
)

_LOGGER = logging.getLogger(__name__)

#: How long to wait for the server's close after it refused the init (it closes at once).
CLOSE_WAIT_SECONDS = 2.0

#: How long a reply refused as ``server_busy`` is offered again before the error is raised.
BUSY_RETRY_SECONDS = 10.0


class KokoroBusyError(KokoroServerError):
    """The server had no room for the reply (``server_busy``); nothing of it was spoken."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message, "server_busy")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Word:
    """A written word and when it is spoken, in seconds from the start of its reply's audio."""

    word: str
    start: float
    end: float


@dataclass(frozen=True)
class SpeechAudio:
    """One chunk of a reply's audio: PCM s16le, mono, at the connection's ``sample_rate``."""

    context_id: str
    chunk_id: int
    pcm: bytes


@dataclass(frozen=True)
class SpeechWords:
    """The words that start in chunk ``chunk_id`` (they arrive just before its audio)."""

    context_id: str
    chunk_id: int
    words: tuple[Word, ...]


SpeechEvent = SpeechAudio | SpeechWords

#: What ends a context's event queue: None (end or cancelled) or the error to raise.
_Item = SpeechEvent | KokoroError | None


class KokoroConnection:
    """One protocol 2 connection; open it with :meth:`open` or ``KokoroClient.connect()``."""

    def __init__(self, ws: ClientConnection, ready: dict[str, Any], receive_timeout: float) -> None:
        self._ws = ws
        self.ready = ready
        self.sample_rate: int = int(ready.get("sample_rate", 24000))
        #: Whether the server sends word timings (False for a language without word boundaries).
        self.word_timestamps: bool = bool(ready.get("word_timestamps", False))
        self.receive_timeout = receive_timeout
        #: How long a reply refused as busy is offered again (0: raise at once).
        self.busy_retry_seconds = BUSY_RETRY_SECONDS
        self._queues: dict[str, asyncio.Queue[_Item]] = {}
        self._cancelling: set[str] = set()
        self._failure: KokoroError | None = None
        self._ids = itertools.count(1)
        self._reader = asyncio.create_task(self._read(), name="kokoro-connection-reader")

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        voice: str | None = None,
        language: str | None = None,
        speed: float | None = None,
        word_timestamps: bool = True,
        api_key: str | None = None,
        open_timeout: float = 5.0,
        receive_timeout: float = 30.0,
    ) -> KokoroConnection:
        """Connect to a live endpoint (``ws://host:port/ws/tts/live``) and negotiate protocol 2
        (``api_key``: sent as a bearer token; None: ``$KOKORO_LIVE_API_KEY``, if set)."""
        ws = await open_websocket(url, open_timeout, api_key_or_env(api_key))
        init: dict[str, Any] = {"protocol": 2, "word_timestamps": word_timestamps}
        init.update(
            {k: v for k, v in (("voice", voice), ("language", language), ("speed", speed)) if v}
        )
        try:
            await ws.send(json.dumps(init))
            async with asyncio.timeout(open_timeout + receive_timeout):
                ready = json_object(await ws.recv(), "ready")
        except (ConnectionClosed, TimeoutError) as error:
            await ws.close()
            raise KokoroConnectionError(f"{url} closed before it was ready: {error}") from None
        if ready.get("type") == "error":
            # The server closes right after its error; the code says whether to try again.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CLOSE_WAIT_SECONDS):
                    await ws.wait_closed()
            await ws.close()
            message = str(ready.get("message"))
            if ws.close_code in RETRYABLE_CLOSE_CODES:  # busy or draining: try again later
                raise KokoroConnectionError(message)
            raise KokoroServerError(message, ready.get("code"))
        if ready.get("type") != "ready" or ready.get("protocol") != 2:
            await ws.close()
            raise KokoroProtocolError(f"{url} does not speak protocol 2: {ready}")
        return cls(ws, ready, receive_timeout)

    @property
    def closed(self) -> bool:
        """The connection is gone (closed by either side, or failed)."""
        return self._reader.done()

    @property
    def websocket(self) -> ClientConnection:
        """The underlying WebSocket (for frameworks that ping it or read its state)."""
        return self._ws

    async def wait_closed(self) -> KokoroError | None:
        """Wait until the connection ends (either side closed it, or it failed); why it ended."""
        await asyncio.wait({self._reader})
        return self._failure

    def new_context_id(self) -> str:
        """A context id unique on this connection."""
        return f"ctx-{next(self._ids)}"

    async def speak(
        self, context_id: str, text: str | AsyncIterable[str]
    ) -> AsyncGenerator[SpeechEvent, None]:
        """Speak one reply; yields its audio and word events until its end.

        ``text`` is the whole reply or its pieces as they arrive (LLM tokens). Leaving the loop
        early cancels the reply on the server. A cancelled reply simply ends; a server error
        about it raises :class:`KokoroServerError` (``code`` says which;
        :class:`KokoroBusyError` once ``busy_retry_seconds`` of retries found no room).
        """
        tape = None if isinstance(text, str) else TextTape(text)
        deadline = asyncio.get_running_loop().time() + self.busy_retry_seconds
        spoke = False
        try:
            while True:
                attempt = self._speak_once(context_id, text if tape is None else tape.replay())
                try:
                    async with contextlib.aclosing(attempt):
                        async for event in attempt:
                            spoke = True
                            yield event
                    return
                except KokoroBusyError as error:
                    wait = error.retry_after
                    if spoke or asyncio.get_running_loop().time() + wait > deadline:
                        raise
                    _LOGGER.debug("Server busy; offering %r again in %g s", context_id, wait)
                    await asyncio.sleep(wait)
        finally:
            if tape is not None:
                await tape.aclose()

    async def _speak_once(
        self, context_id: str, text: str | AsyncIterable[str]
    ) -> AsyncGenerator[SpeechEvent, None]:
        """One attempt at a reply (see :meth:`speak`)."""
        if self._failure is not None or self.closed:
            raise self._failure or KokoroConnectionError("The connection is closed")
        if context_id in self._queues:
            raise KokoroError(f"Context {context_id!r} is already speaking on this connection")
        queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._queues[context_id] = queue
        sender = asyncio.create_task(self._send_text(context_id, text))
        finished = False
        refused = False
        try:
            while True:
                try:
                    async with asyncio.timeout(self.receive_timeout):
                        item = await queue.get()
                except TimeoutError:
                    raise KokoroConnectionError(
                        f"No audio for {context_id!r} within {self.receive_timeout:g} s"
                    ) from None
                if item is None:
                    finished = True
                    return
                if isinstance(item, KokoroError):
                    finished = True
                    refused = isinstance(item, KokoroBusyError)
                    raise item
                if context_id not in self._cancelling:
                    yield item
        finally:
            flushed = sender.done() and not sender.cancelled() and sender.exception() is None
            if not sender.done():
                sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, KokoroError, ConnectionClosed):
                await sender
            if refused and not flushed and not self.closed:
                # The server drops a refused context's text until its flush: end the refusal,
                # so that the id may be offered again.
                with contextlib.suppress(ConnectionClosed):
                    await self._send({"type": "flush", "context_id": context_id})
            if self._queues.get(context_id) is queue:
                del self._queues[context_id]
            if not finished and not self.closed and context_id not in self._cancelling:
                self._cancelling.add(context_id)  # forgotten when "cancelled" arrives
                with contextlib.suppress(ConnectionClosed):
                    await self._send({"type": "cancel", "context_id": context_id})

    async def cancel(self, context_id: str) -> None:
        """Barge-in: stop a reply now. Its ``speak`` loop yields nothing more and ends."""
        if context_id not in self._queues or context_id in self._cancelling:
            return
        self._cancelling.add(context_id)
        with contextlib.suppress(ConnectionClosed):
            await self._send({"type": "cancel", "context_id": context_id})

    async def close(self) -> None:
        """Close the connection; replies still speaking end with a connection error."""
        await self._ws.close()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader

    async def __aenter__(self) -> KokoroConnection:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _send_text(self, context_id: str, text: str | AsyncIterable[str]) -> None:
        if isinstance(text, str):
            await self._send({"type": "text", "context_id": context_id, "text": text})
        else:
            async for piece in text:
                if piece and context_id not in self._cancelling:
                    await self._send({"type": "text", "context_id": context_id, "text": piece})
        if context_id not in self._cancelling:
            await self._send({"type": "flush", "context_id": context_id})

    async def _send(self, message: dict[str, Any]) -> None:
        await self._ws.send(json.dumps(message))

    async def _read(self) -> None:
        """Sort the server's messages into the contexts' queues until the connection ends."""
        try:
            while True:
                data = json_object(await self._ws.recv(), "message")
                kind, context_id = data.get("type"), data.get("context_id")
                if kind == "audio":
                    payload = await self._ws.recv()
                    if not isinstance(payload, bytes) or len(payload) != data.get("size"):
                        raise KokoroProtocolError(f"audio frame does not match its header {data}")
                    self._deliver(
                        context_id, SpeechAudio(str(context_id), data["chunk_id"], payload)
                    )
                elif kind == "words":
                    words = tuple(Word(w["word"], w["start"], w["end"]) for w in data["words"])
                    self._deliver(context_id, SpeechWords(str(context_id), data["chunk_id"], words))
                elif kind in ("end", "cancelled"):
                    self._finish(context_id, None)
                elif kind == "error" and context_id is not None:
                    late_cancel = (
                        context_id in self._cancelling and data.get("code") == "unknown_context"
                    )  # the reply had ended before the cancel arrived
                    self._finish(context_id, None if late_cancel else _context_error(data))
                elif kind == "error":
                    raise KokoroServerError(str(data.get("message")), data.get("code"))
        except ConnectionClosed as closed:
            self._fail(KokoroConnectionError(f"The Kokoro connection closed: {closed}"))
        except KokoroError as error:
            self._fail(error)
            await self._ws.close()

    def _deliver(self, context_id: object, event: SpeechEvent) -> None:
        queue = self._queues.get(str(context_id))
        if queue is not None and context_id not in self._cancelling:
            queue.put_nowait(event)

    def _finish(self, context_id: object, item: KokoroError | None) -> None:
        key = str(context_id)
        self._cancelling.discard(key)
        queue = self._queues.get(key)
        if queue is not None:
            queue.put_nowait(item)

    def _fail(self, error: KokoroError) -> None:
        self._failure = error
        for queue in self._queues.values():
            queue.put_nowait(error)


def _context_error(data: dict[str, Any]) -> KokoroServerError:
    """The error the server reported about one context."""
    message, code = str(data.get("message")), data.get("code")
    retry_after = data.get("retry_after")
    if code == "server_busy" and isinstance(retry_after, int | float):
        return KokoroBusyError(message, float(retry_after))
    return KokoroServerError(message, code)

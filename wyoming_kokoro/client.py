"""The voicebot side: stream LLM text to a Kokoro Live server and get PCM back as it is spoken.

Needs only the standard library and ``websockets``: it runs on hosts that never load a model.

``KokoroClient.stream_synthesis`` is the one call a voicebot makes. It speaks the live protocol
(``/ws/tts/live``, PROTOCOL.md) and falls back to the buffered async.ai-style endpoint
(``/ws/tts/stream``) when a server does not offer the live one. ``KokoroLocalProvider`` is the
same client under the seed plan's name, configured by a ``KokoroClientConfig``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
import time
import urllib.parse
from collections.abc import AsyncGenerator, AsyncIterable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from .config import DEFAULT_LIVE_PORT
from .connection import KokoroConnection
from .texttape import TextTape
from .wsclient import (
    RETRYABLE_CLOSE_CODES,
    KokoroAuthError,
    KokoroConnectionError,
    KokoroEndpointUnavailableError,
    KokoroError,
    KokoroProtocolError,
    KokoroServerError,
    api_key_or_env,
    json_object,
    open_websocket,
)

_LOGGER = logging.getLogger(__name__)

LIVE_PATH = "/ws/tts/live"
BUFFERED_PATH = "/ws/tts/stream"

#: The live endpoint of a server on this host with the default port.
DEFAULT_URL = f"ws://127.0.0.1:{DEFAULT_LIVE_PORT}{LIVE_PATH}"

SAMPLE_RATE = 24_000
SAMPLE_WIDTH = 2

#: After the live endpoint refused a handshake, use the buffered one this long before asking
#: again (a server upgraded in place gets its live endpoint used without a restart).
LIVE_RETRY_SECONDS = 60.0

#: Fresh connections tried after a live session was cut off before any audio (through a load
#: balancer, most likely another server); after audio has played, the error is raised instead.
RETRIES_BEFORE_AUDIO = 1

Mode = Literal["live", "buffered"]


@dataclass
class KokoroClientConfig:
    """Where the server is and what to say things with (``None``: the server's default)."""

    kokoro_local_url: str = f"ws://127.0.0.1:{DEFAULT_LIVE_PORT}{BUFFERED_PATH}"
    voice_id: str | None = None
    language: str | None = None
    speed: float | None = None
    mode: Mode = "live"
    #: The server's API key (None: ``$KOKORO_LIVE_API_KEY``, if set).
    api_key: str | None = None
    open_timeout: float = 5.0
    #: Longest wait for the server while it owes us something (ready, audio, end).
    receive_timeout: float = 30.0


def endpoint_urls(url: str) -> tuple[str, str]:
    """The live and buffered WebSocket URLs for a base or endpoint URL.

    Accepts ``http(s)://host:port``, ``ws(s)://host:port`` or either endpoint's full URL, also
    behind a path prefix (``wss://proxy/kokoro/ws/tts/stream``).
    """
    parts = urllib.parse.urlsplit(url.strip())
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme.lower())
    if scheme is None or not parts.netloc:
        raise KokoroConnectionError(
            f"Invalid Kokoro server URL {url!r}: expected ws://host:port or http://host:port"
        )
    base = parts.path.rstrip("/")
    for suffix in (LIVE_PATH, BUFFERED_PATH):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break

    def build(path: str) -> str:
        return urllib.parse.urlunsplit((scheme, parts.netloc, base + path, parts.query, ""))

    return build(LIVE_PATH), build(BUFFERED_PATH)


class _Session:
    """One connection: a sender task feeding text while the caller reads what comes back.

    Receives are bounded by ``receive_timeout`` counted from the last thing either side sent,
    so a slow LLM (text still arriving) never times out a healthy session.
    """

    def __init__(self, ws: ClientConnection, receive_timeout: float) -> None:
        self.ws = ws
        self.receive_timeout = receive_timeout
        self.last_activity = time.monotonic()
        self._sender: asyncio.Task[None] | None = None
        self._text_error: BaseException | None = None

    def start_sending(
        self,
        text: AsyncIterable[str],
        encode: Callable[[str], str],
        end_message: str,
    ) -> None:
        async def send_all() -> None:
            async for piece in text:
                if not isinstance(piece, str):
                    raise TypeError(f"text pieces must be str, got {type(piece).__name__}")
                if piece:  # "" would end the input early
                    await self.ws.send(encode(piece))
                    self.last_activity = time.monotonic()
            await self.ws.send(end_message)
            self.last_activity = time.monotonic()

        async def run() -> None:
            try:
                await send_all()
            except ConnectionClosed:
                pass  # the reader sees the close and reports it
            except Exception as error:
                # The text source failed: drop the session so the server stops at once.
                self._text_error = error
                await self.ws.close(1000, "text source failed")

        self._sender = asyncio.create_task(run())

    def _raise_sender_error(self) -> None:
        if self._text_error is not None:
            raise self._text_error

    async def recv(self) -> str | bytes:
        """The next message; the text source's own error wins over the close it caused."""
        while True:
            self._raise_sender_error()
            remaining = self.last_activity + self.receive_timeout - time.monotonic()
            if remaining <= 0:
                raise KokoroConnectionError(
                    f"The Kokoro server sent nothing for {self.receive_timeout:g} s; giving up"
                )
            try:
                message = await asyncio.wait_for(self.ws.recv(), remaining)
            except TimeoutError:
                continue  # re-check: text may have been sent meanwhile
            except ConnectionClosed as closed:
                self._raise_sender_error()
                raise KokoroConnectionError(_describe_close(closed)) from None
            self.last_activity = time.monotonic()
            return message

    async def close(self) -> None:
        """Stop sending and close the socket (the server cancels its work when it sees this)."""
        if self._sender is not None:
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
        await self.ws.close()


def _describe_close(closed: ConnectionClosed) -> str:
    received = closed.rcvd
    if received is None:
        return "The connection to the Kokoro server dropped before the stream ended"
    reason = f": {received.reason}" if received.reason else ""
    return f"The Kokoro server closed the stream early (code {received.code}{reason})"


class KokoroClient:
    """Text-to-speech through a Kokoro Live server, for a voicebot's TTS service.

    ``url`` is the server (``ws://host:port``, ``http://host:port`` or either endpoint's URL);
    ``voice``, ``language`` and ``speed`` left None take the server's defaults. ``api_key``
    is sent to a server that needs one (None: ``$KOKORO_LIVE_API_KEY``, if set).
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        voice: str | None = None,
        language: str | None = None,
        speed: float | None = None,
        mode: Mode = "live",
        api_key: str | None = None,
        open_timeout: float = 5.0,
        receive_timeout: float = 30.0,
    ) -> None:
        self.url = url
        self.api_key = api_key_or_env(api_key)
        self.voice = voice
        self.language = language
        self.speed = speed
        self.mode: Mode = mode
        self.open_timeout = open_timeout
        #: Longest wait for the server while it owes us something (ready, audio, end).
        self.receive_timeout = receive_timeout
        self.live_url, self.buffered_url = endpoint_urls(url)
        self._live_refused_at: float | None = None
        self._fallback_logged = False

    # -- the entry point ------------------------------------------------------------------

    async def connect(self, *, word_timestamps: bool = True) -> KokoroConnection:
        """A long-lived protocol 2 connection: many replies, each cancellable, with word timings
        (``connection.py``). Close it (``async with``) when the conversation ends."""
        return await KokoroConnection.open(
            self.live_url,
            voice=self.voice,
            language=self.language,
            speed=self.speed,
            word_timestamps=word_timestamps,
            api_key=self.api_key,
            open_timeout=self.open_timeout,
            receive_timeout=self.receive_timeout,
        )

    async def stream_synthesis(
        self, text_generator: AsyncIterable[str]
    ) -> AsyncGenerator[bytes, None]:
        """PCM s16le mono 24 kHz chunks for the text, through the live endpoint when possible.

        Falls back to the buffered endpoint when the live one refuses the handshake (an older
        server); a server's ``error`` about the request itself is raised, never retried. A live
        session cut off before any audio (dropped, or refused as going away or full) is retried
        once on a fresh connection; after audio has played, that error is raised.
        """
        if self.mode == "buffered" or self._live_recently_refused():
            stream = self.buffered_stream_synthesis(text_generator)
        else:
            try:
                ws = await open_websocket(self.live_url, self.open_timeout, self.api_key)
            except KokoroEndpointUnavailableError as error:
                self._note_live_refused(error)
                stream = self.buffered_stream_synthesis(text_generator)
            else:
                self._live_refused_at = None
                stream = self._live_retrying(ws, text_generator)
        async with contextlib.aclosing(stream):
            async for chunk in stream:
                yield chunk

    def _live_recently_refused(self) -> bool:
        refused = self._live_refused_at
        return refused is not None and time.monotonic() - refused < LIVE_RETRY_SECONDS

    def _note_live_refused(self, error: KokoroEndpointUnavailableError) -> None:
        self._live_refused_at = time.monotonic()
        if not self._fallback_logged:
            self._fallback_logged = True
            _LOGGER.warning("%s; using the buffered endpoint %s instead", error, self.buffered_url)
        else:
            _LOGGER.debug("%s; using the buffered endpoint", error)

    # -- /ws/tts/live ---------------------------------------------------------------------

    async def live_stream_synthesis(
        self, text_generator: AsyncIterable[str]
    ) -> AsyncGenerator[bytes, None]:
        """Send text as it arrives and yield PCM as it comes back (PROTOCOL.md).

        Stop iterating (or ``aclose()``) to interrupt: the socket closes at once and the server
        cancels the rest of the synthesis.
        """
        ws = await open_websocket(self.live_url, self.open_timeout, self.api_key)
        async with contextlib.aclosing(self._live_retrying(ws, text_generator)) as stream:
            async for chunk in stream:
                yield chunk

    async def _live_retrying(
        self, ws: ClientConnection, text_generator: AsyncIterable[str]
    ) -> AsyncGenerator[bytes, None]:
        """``_live``, tried again on a fresh connection (with the text sent so far) if it is cut
        off before yielding audio; never after, which would repeat words already played."""
        tape = TextTape(text_generator)
        try:
            for attempt in range(RETRIES_BEFORE_AUDIO + 1):
                played = False
                try:
                    async with contextlib.aclosing(self._live(ws, tape.replay())) as stream:
                        async for chunk in stream:
                            played = True
                            yield chunk
                    return
                except (KokoroConnectionError, KokoroServerError) as error:
                    if played or attempt == RETRIES_BEFORE_AUDIO or not _cut_off(error, ws):
                        raise
                    _LOGGER.warning("%s before any audio; retrying on a fresh connection", error)
                ws = await open_websocket(self.live_url, self.open_timeout, self.api_key)
        finally:
            await tape.aclose()

    def _init_message(self, mode: Mode) -> dict[str, Any]:
        """The first message of a session: what to say things with, in each endpoint's shape."""
        init: dict[str, Any] = {}
        if mode == "buffered":
            init["model_id"] = "kokoro"
            init["output_format"] = {
                "container": "raw",
                "encoding": "pcm_s16le",
                "sample_rate": SAMPLE_RATE,
            }
        if self.voice is not None:
            init["voice"] = {"mode": "id", "id": self.voice} if mode == "buffered" else self.voice
        if self.language is not None:
            init["language"] = self.language
        if self.speed is not None:
            init["speed"] = self.speed
        return init

    async def _live(
        self, ws: ClientConnection, text_generator: AsyncIterable[str]
    ) -> AsyncGenerator[bytes, None]:
        session = _Session(ws, self.receive_timeout)
        try:
            await self._send(ws, json.dumps(self._init_message("live")))
            ready = json_object(await session.recv(), "the ready message")
            _raise_live_error(ready)
            if ready.get("type") != "ready":
                raise KokoroProtocolError(f"Expected a ready message, got {ready!r}")
            _check_format(ready.get("sample_rate", SAMPLE_RATE), ready.get("format", "pcm_s16le"))
            session.start_sending(text_generator, lambda piece: piece, "")
            last_id = 0
            while True:
                control = json_object(await session.recv(), "a control message")
                kind = control.get("type")
                if kind == "audio":
                    chunk = _check_chunk(control, await session.recv(), last_id)
                    last_id += 1
                    yield chunk
                elif kind == "end":
                    total = control.get("total_chunks", last_id)
                    if total != last_id:
                        raise KokoroProtocolError(
                            f"The server ended after {last_id} chunks but announced {total}"
                        )
                    return
                else:
                    _raise_live_error(control)
                    _LOGGER.debug("Ignoring unknown message %r", control)
        finally:
            await session.close()

    async def _send(self, ws: ClientConnection, message: str) -> None:
        """Send, leaving a closed connection to the next receive: the server may have said why
        before closing (a busy server answers before reading anything)."""
        with contextlib.suppress(ConnectionClosed):
            await ws.send(message)

    # -- /ws/tts/stream -------------------------------------------------------------------

    async def buffered_stream_synthesis(
        self, text_generator: AsyncIterable[str]
    ) -> AsyncGenerator[bytes, None]:
        """The async.ai-style endpoint: the server speaks once the text is complete."""
        ws = await open_websocket(self.buffered_url, self.open_timeout, self.api_key)
        session = _Session(ws, self.receive_timeout)
        try:
            await self._send(ws, json.dumps(self._init_message("buffered")))
            session.start_sending(
                text_generator,
                lambda piece: json.dumps({"transcript": piece}),
                json.dumps({"transcript": ""}),
            )
            while True:
                message = json_object(await session.recv(), "an audio message")
                if "error_code" in message or message.get("type") == "error":
                    raise KokoroServerError(
                        str(message.get("message") or message.get("error") or message),
                        str(message.get("error_code") or "") or None,
                    )
                data = message.get("audio", "")
                if not isinstance(data, str):
                    raise KokoroProtocolError(f"'audio' must be base64 text, got {data!r}")
                if data:
                    try:
                        pcm = base64.b64decode(data, validate=True)
                    except binascii.Error:
                        raise KokoroProtocolError("'audio' is not valid base64") from None
                    if len(pcm) % SAMPLE_WIDTH:
                        raise KokoroProtocolError(f"Audio of {len(pcm)} bytes is not whole samples")
                    yield pcm
                if message.get("final") is True:
                    return
        finally:
            await session.close()


class KokoroLocalProvider(KokoroClient):
    """:class:`KokoroClient` under the seed plan's name, configured by a
    :class:`KokoroClientConfig` (``kokoro_local_url``, ``voice_id``, ...)."""

    def __init__(self, config: KokoroClientConfig | None = None) -> None:
        self.config = config or KokoroClientConfig()
        super().__init__(
            self.config.kokoro_local_url,
            voice=self.config.voice_id,
            language=self.config.language,
            speed=self.config.speed,
            mode=self.config.mode,
            api_key=self.config.api_key,
            open_timeout=self.config.open_timeout,
            receive_timeout=self.config.receive_timeout,
        )


def _cut_off(error: KokoroError, ws: ClientConnection) -> bool:
    """The session ended through no fault of its request: the connection dropped, or the
    server refused it because it is going away or full (another server may take it)."""
    if isinstance(error, KokoroServerError):
        return ws.close_code in RETRYABLE_CLOSE_CODES
    return not isinstance(error, KokoroEndpointUnavailableError)


def _raise_live_error(message: dict[str, Any]) -> None:
    if message.get("type") == "error":
        raise KokoroServerError(str(message.get("message") or "The server reported an error"))


def _check_format(sample_rate: object, encoding: object) -> None:
    if sample_rate != SAMPLE_RATE or encoding != "pcm_s16le":
        raise KokoroProtocolError(
            f"The server streams {encoding} at {sample_rate} Hz; this client plays "
            f"pcm_s16le at {SAMPLE_RATE} Hz"
        )


def _check_chunk(control: dict[str, Any], chunk: str | bytes, last_id: int) -> bytes:
    """The chunk's PCM, if it is the next one and its frame is binary of the announced size."""
    chunk_id = control.get("chunk_id")
    if chunk_id != last_id + 1:
        raise KokoroProtocolError(f"Audio chunk {chunk_id!r} arrived after chunk {last_id}")
    if not isinstance(chunk, bytes):
        raise KokoroProtocolError(f"Audio chunk {chunk_id} was followed by text, not PCM")
    if control.get("size") != len(chunk) or len(chunk) % SAMPLE_WIDTH:
        raise KokoroProtocolError(
            f"Audio chunk {chunk_id} announced {control.get('size')!r} bytes and carried "
            f"{len(chunk)}"
        )
    return chunk


async def collect(stream: AsyncGenerator[bytes, None]) -> bytes:
    """All of a stream's PCM (closing the stream even if reading fails)."""
    async with contextlib.aclosing(stream):
        return b"".join([chunk async for chunk in stream])


__all__ = [
    "DEFAULT_URL",
    "KokoroAuthError",
    "KokoroClient",
    "KokoroClientConfig",
    "KokoroConnectionError",
    "KokoroEndpointUnavailableError",
    "KokoroError",
    "KokoroLocalProvider",
    "KokoroProtocolError",
    "KokoroServerError",
    "api_key_or_env",
    "collect",
    "endpoint_urls",
]

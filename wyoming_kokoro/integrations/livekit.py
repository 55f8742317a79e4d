"""Kokoro Live as a LiveKit Agents TTS plugin: ``TTS`` (extra ``livekit``).

Follows the maintained websocket plugins (Cartesia, ElevenLabs): ``stream()`` gives a
``SynthesizeStream`` that sends text as the LLM produces it, ``synthesize()`` a
``ChunkedStream`` for a whole text, and both push PCM and word-timed transcripts through the
stream's ``AudioEmitter``. Where those plugins keep a pool of connections and one context per
connection, every stream here is a context on one shared protocol 2 connection
(:class:`~wyoming_kokoro.connection.KokoroConnection`), reopened when it drops; closing a stream
mid-reply cancels its context on the server at once.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal

try:
    from livekit.agents import (
        DEFAULT_API_CONNECT_OPTIONS,
        APIConnectionError,
        APIConnectOptions,
        APIError,
        APITimeoutError,
        tts,
        utils,
    )
    from livekit.agents.types import NOT_GIVEN, NotGivenOr
    from livekit.agents.utils import is_given
    from livekit.agents.voice.io import TimedString
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "wyoming_kokoro.integrations.livekit needs LiveKit Agents: "
        "pip install 'wyoming-kokoro[livekit]'"
    ) from error

from ..client import (
    DEFAULT_URL,
    KokoroConnectionError,
    KokoroError,
    api_key_or_env,
    endpoint_urls,
)
from ..connection import (
    KokoroBusyError,
    KokoroConnection,
    SpeechAudio,
    SpeechEvent,
    SpeechWords,
)

#: What Kokoro Live sends (PCM s16le, mono); the connection's ``ready`` confirms it.
SAMPLE_RATE = 24_000
NUM_CHANNELS = 1
MIME_TYPE = "audio/pcm"


@dataclass
class _TTSOptions:
    url: str
    voice: str | None
    language: str | None
    speed: float | None
    receive_timeout: float
    api_key: str | None


class TTS(tts.TTS[Literal["metrics_collected", "error"]]):
    """Streaming TTS from a Kokoro Live server, with word-aligned transcripts.

    Example::

        from wyoming_kokoro.integrations import livekit as kokoro

        session = AgentSession(tts=kokoro.TTS(url="ws://127.0.0.1:8880", voice="af_heart"), ...)
    """

    def __init__(
        self,
        *,
        url: str = DEFAULT_URL,
        voice: str | None = None,
        language: str | None = None,
        speed: float | None = None,
        api_key: str | None = None,
        receive_timeout: float = 30.0,
    ) -> None:
        """Args:
        url: The server (``ws://host:8880``) or its live endpoint.
        voice: A voice or blend of the server's (None: its default).
        language: The language to speak (None: the voice's).
        speed: 0.5 to 2.0 (None: the server's default).
        api_key: The server's API key, if it needs one (None: ``$KOKORO_LIVE_API_KEY``).
        receive_timeout: Seconds a reply may go without a message from the server.
        """
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=True, aligned_transcript=True),
            sample_rate=SAMPLE_RATE,
            num_channels=NUM_CHANNELS,
        )
        self._opts = _TTSOptions(
            endpoint_urls(url)[0], voice, language, speed, receive_timeout, api_key_or_env(api_key)
        )
        self._connection: KokoroConnection | None = None
        self._connecting = asyncio.Lock()
        self._streams: set[SynthesizeStream] = set()
        self._prewarming: asyncio.Task[None] | None = None
        #: Streams speaking on each connection, so one replaced by new options is closed
        #: once its last stream ends.
        self._speaking: collections.Counter[KokoroConnection] = collections.Counter()
        self._closing: set[asyncio.Task[None]] = set()

    @property
    def model(self) -> str:
        return "kokoro"

    @property
    def provider(self) -> str:
        return "kokoro-live"

    @property
    def connection(self) -> KokoroConnection | None:
        """The shared protocol 2 connection, when one is open."""
        return self._connection

    def prewarm(self) -> None:
        """Open the connection now, so the first reply pays no handshake (a failure here is
        left to the first reply, which reports it)."""

        async def connect() -> None:
            with contextlib.suppress(KokoroError, OSError, TimeoutError):
                await self._connect(DEFAULT_API_CONNECT_OPTIONS.timeout)

        if self._prewarming is None or self._prewarming.done():
            self._prewarming = asyncio.get_running_loop().create_task(connect())

    def update_options(
        self,
        *,
        voice: NotGivenOr[str | None] = NOT_GIVEN,
        language: NotGivenOr[str | None] = NOT_GIVEN,
        speed: NotGivenOr[float | None] = NOT_GIVEN,
    ) -> None:
        """New voice, language or speed for the replies that start from now on. They hold for
        a whole connection: the next reply opens a new one, replies speaking finish on the old.
        """
        if is_given(voice):
            self._opts.voice = voice
        if is_given(language):
            self._opts.language = language
        if is_given(speed):
            self._opts.speed = speed
        old, self._connection = self._connection, None
        if old is not None and not self._speaking[old]:
            self._close_later(old)

    def _close_later(self, connection: KokoroConnection) -> None:
        task = asyncio.get_running_loop().create_task(connection.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> ChunkedStream:
        return ChunkedStream(tts=self, input_text=text, conn_options=conn_options)

    def stream(
        self, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> SynthesizeStream:
        stream = SynthesizeStream(tts=self, conn_options=conn_options)
        self._streams.add(stream)
        return stream

    async def aclose(self) -> None:
        if self._prewarming is not None:
            await utils.aio.cancel_and_wait(self._prewarming)
        for stream in list(self._streams):
            await stream.aclose()
        self._streams.clear()
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()
        if self._closing:
            await asyncio.wait(self._closing)

    async def _connect(self, open_timeout: float) -> KokoroConnection:
        """The shared connection, opened (again) when there is none or it dropped."""
        async with self._connecting:
            if self._connection is None or self._connection.closed:
                self._connection = await KokoroConnection.open(
                    self._opts.url,
                    voice=self._opts.voice,
                    language=self._opts.language,
                    speed=self._opts.speed,
                    word_timestamps=True,
                    api_key=self._opts.api_key,
                    open_timeout=open_timeout,
                    receive_timeout=self._opts.receive_timeout,
                )
            return self._connection

    async def _speak(
        self,
        text: str | AsyncIterator[str],
        output_emitter: tts.AudioEmitter,
        conn_options: APIConnectOptions,
        *,
        streaming: bool,
    ) -> None:
        """One context on the shared connection into ``output_emitter``; errors as LiveKit's
        API errors (a dropped connection or a busy server is retryable, a server error about
        the text not)."""
        connection: KokoroConnection | None = None
        try:
            connection = await self._connect(conn_options.timeout)
            self._speaking[connection] += 1
            if connection.sample_rate != SAMPLE_RATE:
                raise APIError(f"Kokoro Live sends {connection.sample_rate} Hz, not {SAMPLE_RATE}")
            context_id = utils.shortuuid()
            output_emitter.initialize(
                request_id=context_id,
                sample_rate=SAMPLE_RATE,
                num_channels=NUM_CHANNELS,
                mime_type=MIME_TYPE,
                stream=streaming,
            )
            if streaming:
                output_emitter.start_segment(segment_id=context_id)
            events = connection.speak(context_id, text)
            async with contextlib.aclosing(events):
                async for event in events:
                    _emit(output_emitter, event)
            if streaming:
                output_emitter.end_segment()
            else:
                output_emitter.flush()
        except TimeoutError:
            raise APITimeoutError() from None
        except KokoroConnectionError as error:
            raise APIConnectionError(str(error)) from error
        except KokoroBusyError as error:  # still no room after the connection's own retries
            raise APIError(f"Kokoro Live: {error}", retryable=True) from error
        except KokoroError as error:
            raise APIError(f"Kokoro Live: {error}", retryable=False) from error
        except OSError as error:
            raise APIConnectionError(str(error)) from error
        finally:
            if connection is not None:
                self._speaking[connection] -= 1
                if not self._speaking[connection]:
                    del self._speaking[connection]
                    if connection is not self._connection:  # replaced by update_options
                        self._close_later(connection)


def _emit(output_emitter: tts.AudioEmitter, event: SpeechEvent) -> None:
    if isinstance(event, SpeechAudio):
        output_emitter.push(event.pcm)
    elif isinstance(event, SpeechWords):
        output_emitter.push_timed_transcript(
            [
                TimedString(text=f"{word.word} ", start_time=word.start, end_time=word.end)
                for word in event.words
            ]
        )


class ChunkedStream(tts.ChunkedStream):
    """A whole text, spoken as one context (audio streams as it is synthesized)."""

    def __init__(self, *, tts: TTS, input_text: str, conn_options: APIConnectOptions) -> None:
        super().__init__(tts=tts, input_text=input_text, conn_options=conn_options)
        self._kokoro = tts

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        await self._kokoro._speak(
            self._input_text, output_emitter, self._conn_options, streaming=False
        )


class SynthesizeStream(tts.SynthesizeStream):
    """Text pushed as it arrives, spoken as one context; ``aclose()`` cancels it on the server."""

    def __init__(self, *, tts: TTS, conn_options: APIConnectOptions) -> None:
        super().__init__(tts=tts, conn_options=conn_options)
        self._kokoro = tts

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        try:
            await self._kokoro._speak(
                self._text_pieces(), output_emitter, self._conn_options, streaming=True
            )
        finally:
            self._kokoro._streams.discard(self)

    async def _text_pieces(self) -> AsyncIterator[str]:
        """The pushed text; flushes inside a reply are no-ops (the server segments itself)."""
        async for data in self._input_ch:
            if isinstance(data, str) and data:
                self._mark_started()
                yield data


__all__ = ["TTS", "ChunkedStream", "SynthesizeStream"]

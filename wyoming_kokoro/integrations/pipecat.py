"""Kokoro Live as a Pipecat TTS service: ``KokoroLiveTTSService`` (extra ``pipecat``).

Pipecat's own Kokoro service runs the model in the bot's process and speaks a sentence at a
time; this one talks to a Kokoro Live server over one long-lived protocol 2 connection, the way
Pipecat's cloud services (Cartesia, ElevenLabs) do: each turn is a server-side context fed the
LLM's tokens as they arrive (the server segments them itself), audio and word timestamps come
back tagged with the context, an interruption cancels the context on the server, and a dropped
connection is reopened by Pipecat's websocket service machinery.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from typing import Any

try:
    from loguru import logger
    from pipecat.frames.frames import Frame, TTSAudioRawFrame, TTSStoppedFrame
    from pipecat.services.settings import TTSSettings
    from pipecat.services.tts_service import TextAggregationMode, WebsocketTTSService
    from pipecat.transcriptions.language import Language
    from pipecat.utils.types import NOT_GIVEN, NotGiven
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "wyoming_kokoro.integrations.pipecat needs Pipecat: pip install 'wyoming-kokoro[pipecat]'"
    ) from error

from ..client import (
    DEFAULT_URL,
    KokoroError,
    KokoroServerError,
    api_key_or_env,
    endpoint_urls,
)
from ..connection import KokoroConnection, SpeechAudio, SpeechWords

#: What Kokoro Live sends (PCM s16le, mono); the connection's ``ready`` confirms it.
SAMPLE_RATE = 24_000

#: Settings that are fixed per protocol 2 connection: changing one opens a new connection.
CONNECTION_SETTINGS = frozenset({"voice", "language", "speed"})


@dataclass
class KokoroLiveTTSSettings(TTSSettings):
    """Settings of :class:`KokoroLiveTTSService` (``None``: the server's default).

    Parameters:
        speed: Speaking rate, 0.5 to 2.0.
    """

    speed: float | NotGiven | None = field(default_factory=lambda: NOT_GIVEN)


@dataclass
class _Reply:
    """One turn being spoken: its text pieces (None ends them) and the task reading it."""

    pieces: asyncio.Queue[str | None] = field(default_factory=asyncio.Queue)
    #: None when there was no connection to speak it on (the error is reported once).
    task: asyncio.Task[None] | None = None


class KokoroLiveTTSService(WebsocketTTSService):
    """Streaming TTS from a Kokoro Live server, with word timestamps and barge-in.

    Example::

        tts = KokoroLiveTTSService(
            url="ws://127.0.0.1:8880",
            settings=KokoroLiveTTSService.Settings(voice="af_heart", language="en-us"),
        )
    """

    Settings = KokoroLiveTTSSettings
    _settings: KokoroLiveTTSSettings

    def __init__(
        self,
        *,
        url: str = DEFAULT_URL,
        settings: KokoroLiveTTSSettings | None = None,
        text_aggregation_mode: TextAggregationMode = TextAggregationMode.TOKEN,
        api_key: str | None = None,
        open_timeout: float = 5.0,
        receive_timeout: float = 30.0,
        **kwargs: Any,
    ) -> None:
        """Args:
        url: The server (``ws://host:8880``) or its live endpoint.
        settings: Voice, language, speed (None: the server's defaults).
        text_aggregation_mode: TOKEN (default) sends the LLM's tokens as they come: the
            server cuts them into clauses itself, so waiting for whole sentences only adds
            latency. SENTENCE sends sentences.
        api_key: The server's API key, if it needs one (None: ``$KOKORO_LIVE_API_KEY``).
        open_timeout: Seconds to connect and get ``ready``.
        receive_timeout: Seconds a reply may go without a message from the server.
        **kwargs: Passed to Pipecat's ``WebsocketTTSService``.
        """
        defaults = KokoroLiveTTSSettings(model=None, voice=None, language=None, speed=None)
        if settings is not None:
            defaults.apply_update(settings)
        super().__init__(
            text_aggregation_mode=text_aggregation_mode,
            push_text_frames=False,
            push_start_frame=True,
            pause_frame_processing=False,
            sample_rate=SAMPLE_RATE,
            settings=defaults,
            **kwargs,
        )
        self._url = endpoint_urls(url)[0]
        self._api_key = api_key_or_env(api_key)
        self._open_timeout = open_timeout
        self._receive_timeout = receive_timeout
        self._connection: KokoroConnection | None = None
        self._receive_task: asyncio.Task[None] | None = None
        self._replies: dict[str, _Reply] = {}

    def can_generate_metrics(self) -> bool:
        """Time to first byte and usage metrics are reported."""
        return True

    def language_to_service_language(self, language: Language) -> str | None:
        """Pipecat's language as the server takes it (``en-US``; the server names a bad one)."""
        return str(language.value if isinstance(language, Language) else language)

    @property
    def connection(self) -> KokoroConnection | None:
        """The open protocol 2 connection, if any."""
        return self._connection

    # -- connection -----------------------------------------------------------------------

    async def start(self, frame: Any) -> None:
        """Connect when the pipeline starts, so the first reply pays no handshake."""
        await super().start(frame)
        await self._connect()

    async def _connect(self) -> None:
        await super()._connect()
        await self._connect_websocket()
        if self._connection is not None and self._receive_task is None:
            self._receive_task = self.create_task(self._receive_task_handler(self._report_error))

    async def _disconnect(self) -> None:
        await super()._disconnect()
        if self._receive_task is not None:
            await self.cancel_task(self._receive_task)
            self._receive_task = None
        await self._disconnect_websocket()

    async def _connect_websocket(self) -> None:
        if self._connection is not None and not self._connection.closed:
            return
        settings = self._settings
        try:
            self._connection = await KokoroConnection.open(
                self._url,
                voice=_given(settings.voice),
                language=_given(settings.language),
                speed=_given(settings.speed),
                word_timestamps=True,
                api_key=self._api_key,
                open_timeout=self._open_timeout,
                receive_timeout=self._receive_timeout,
            )
        except (KokoroError, OSError) as error:
            self._connection = None
            self._websocket = None
            # A refused init (unknown voice, bad language or speed) fails again on every try.
            await self.push_error(
                error_msg=f"Kokoro Live: {error}",
                exception=error,
                force_treat_as_permanent=isinstance(error, KokoroServerError),
            )
            await self._call_event_handler("on_connection_error", str(error))
            return
        self._websocket = self._connection.websocket
        logger.debug(f"{self}: connected to {self._url}")
        await self._call_event_handler("on_connected")

    async def _disconnect_websocket(self) -> None:
        connection, self._connection = self._connection, None
        self._websocket = None
        replies, self._replies = self._replies, {}
        try:
            await self.stop_all_metrics()
            for reply in replies.values():
                if reply.task is not None:
                    await self.cancel_task(reply.task)
            if connection is not None:
                await connection.close()
        finally:
            await self._call_event_handler("on_disconnected")

    async def _receive_messages(self) -> None:
        """Wait for the connection to end (its own reader sorts the messages by context);
        raising hands a dropped connection to Pipecat's reconnect."""
        while True:
            connection = self._connection
            if connection is None:
                raise ConnectionError("Kokoro Live is not connected")
            error = await connection.wait_closed()
            if self._connection is not connection and self._connection is not None:
                continue  # replaced on purpose (new voice, language or speed)
            raise ConnectionError(f"Kokoro Live connection ended: {error}")

    async def _update_settings(self, delta: Any) -> dict[str, Any]:
        """Voice, language and speed hold for a whole connection: a change opens a new one."""
        changed: dict[str, Any] = await super()._update_settings(delta)
        if changed.keys() & CONNECTION_SETTINGS and self._connection is not None:
            old = self._connection
            self._connection = None
            await self._connect_websocket()
            # Replies already speaking finish on the old connection; then it is closed.
            speaking = [reply.task for reply in self._replies.values() if reply.task is not None]
            self.create_task(self._close_after(old, speaking), name="kokoro-live-close")
        return changed

    async def _close_after(
        self, connection: KokoroConnection, speaking: list[asyncio.Task[None]]
    ) -> None:
        if speaking:
            await asyncio.wait(speaking)
        await connection.close()

    # -- replies --------------------------------------------------------------------------

    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[Frame | None, None]:
        """Send a piece of the turn's text; its audio comes back on the reply's own task.

        The first piece of a turn opens the connection if it is down; when that fails (reported
        once), the rest of the turn is dropped rather than retried piece by piece.
        """
        reply = self._replies.get(context_id)
        if reply is None:
            if self._connection is None or self._connection.closed:
                await self._connect()
            reply = _Reply()
            self._replies[context_id] = reply
            connection = self._connection
            if connection is not None:
                reply.task = self.create_task(
                    self._speak(connection, context_id, reply), name=f"kokoro-live-{context_id}"
                )
        if reply.task is not None:
            reply.pieces.put_nowait(text)
            await self.start_tts_usage_metrics(text)
        yield None

    async def flush_audio(self, context_id: str | None = None) -> None:
        """The turn's text is complete: the server speaks the rest and ends the context."""
        key = context_id or self.get_active_audio_context_id() or ""
        reply = self._replies.get(key)
        if reply is not None:
            reply.pieces.put_nowait(None)
            if reply.task is None:
                del self._replies[key]

    async def on_audio_context_interrupted(self, context_id: str) -> None:
        """Barge-in: cancel the context on the server; nothing more of it is pushed."""
        await self.stop_all_metrics()
        reply = self._replies.pop(context_id, None)
        if reply is not None:
            if self._connection is not None:
                with contextlib.suppress(Exception):
                    await self._connection.cancel(context_id)
            if reply.task is not None:
                await self.cancel_task(reply.task)
        await super().on_audio_context_interrupted(context_id)

    async def _speak(self, connection: KokoroConnection, context_id: str, reply: _Reply) -> None:
        """One turn on the server: its audio and words into the turn's audio context."""
        try:
            events = connection.speak(context_id, _pieces(reply.pieces))
            async with contextlib.aclosing(events):
                async for event in events:
                    if isinstance(event, SpeechAudio):
                        await self.append_to_audio_context(
                            context_id,
                            TTSAudioRawFrame(
                                audio=event.pcm,
                                sample_rate=connection.sample_rate,
                                num_channels=1,
                                context_id=context_id,
                            ),
                        )
                    elif isinstance(event, SpeechWords):
                        await self.add_word_timestamps(_word_times(event), context_id)
            if self.audio_context_available(context_id):
                await self.append_to_audio_context(
                    context_id, TTSStoppedFrame(context_id=context_id)
                )
                await self.remove_audio_context(context_id)
        except KokoroError as error:
            await self.push_error(error_msg=f"Kokoro Live: {error}", exception=error)
            if self.audio_context_available(context_id):
                await self.remove_audio_context(context_id)
        finally:
            if self._replies.get(context_id) is reply:
                del self._replies[context_id]


def _given(value: object) -> Any:
    """A setting's value, or None when it is unset (the server's default)."""
    return None if isinstance(value, NotGiven) or value is NOT_GIVEN else value


async def _pieces(queue: asyncio.Queue[str | None]) -> AsyncIterator[str]:
    while (piece := await queue.get()) is not None:
        yield piece


def _word_times(event: SpeechWords) -> list[tuple[str, float]]:
    """Pipecat's (word, start) pairs; a span the phonemizer joined ("of the") is split into
    its words, all starting when the span does."""
    return [(part, word.start) for word in event.words for part in word.word.split()]


__all__ = ["KokoroLiveTTSService", "KokoroLiveTTSSettings"]

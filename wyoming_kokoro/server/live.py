"""The ``/ws/tts/live`` door (PROTOCOL.md): init, ready, text in, audio out, end.

A thin door: it validates what the client sends, hands text pieces to :meth:`Engine.stream`
and frames the PCM it gets back. Admission, eager reading, bounded sends and closes are
``websocket.py``'s; this module holds only the live protocol. An init asking for protocol 2
hands the connection to ``contexts.py`` (many utterances per connection).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncGenerator
from typing import Any

from aiohttp import web

from ..engine import Engine, SpeechParams, audio
from ..engine.engine import Rendered
from . import auth
from .appkeys import CONTEXTS_KEY, ENGINE_KEY, METRICS_KEY, SESSIONS_KEY, SETTINGS_KEY
from .contexts import is_v2_message, requested_protocol, serve_contexts
from .output_format import parse_output_format
from .protocol import (
    ClientError,
    TextBudget,
    UnauthorizedError,
    frame_bytes,
    parse_init,
    ready_message,
)
from .sessions import Session
from .websocket import Channel, serve_session
from .wordframes import Framer, word_request

PROTOCOL_VERSION = 1
LIVE_PATH = "/ws/tts/live"
DOOR = "live"


def init_params(engine: Engine, init: dict[str, Any]) -> SpeechParams:
    """Voice, language and speed from the init message (missing keys: server defaults)."""
    return engine.speech_params(init.get("voice"), init.get("language"), init.get("speed"))


async def handle(request: web.Request) -> web.StreamResponse:
    """The route handler of ``/ws/tts/live``."""
    engine = request.app[ENGINE_KEY]
    limits = request.app[SETTINGS_KEY].limits
    counters = request.app[CONTEXTS_KEY]
    sessions = request.app[SESSIONS_KEY]

    async def session(channel: Channel, session: Session) -> None:
        init = parse_init(await channel.receive_text(limits.idle_timeout, "init message"))
        auth.check_init(request, DOOR, init)
        version = requested_protocol(init)
        params = init_params(engine, init)
        output = parse_output_format(init)
        if version == 2:
            await serve_contexts(
                _SessionChannel(channel, session),
                engine,
                limits,
                init=init,
                params=params,
                output=output,
                counters=counters,
                going_away=sessions.drain_started,
                leave=channel.shut_down,
                reserve=functools.partial(sessions.reserve, DOOR),
                report=request.app[METRICS_KEY].context_ended,
            )
            return
        words = word_request(init, engine, params)
        await channel.send_json(
            {
                **ready_message(engine, params, PROTOCOL_VERSION),
                **output.ready_fields(),
                **words.ready_fields(),
            }
        )
        budget = TextBudget(limits, "Text frame")

        async def next_piece() -> str | None:
            piece = await channel.receive_text(limits.idle_timeout, "text")
            if piece == "":
                return None
            if is_v2_message(piece):
                raise ClientError(
                    "This is a protocol 2 message, but the session speaks protocol 1: "
                    'send "protocol": 2 in the init message to use contexts'
                )
            budget.take(piece)
            session.text_received()
            return piece

        framer = Framer(frame_bytes(engine), words.enabled)
        chunk_id = 0

        async def send(data: bytes, seconds: float) -> None:
            nonlocal chunk_id
            for frame in framer.frames(data, seconds):
                chunk_id += 1
                if frame.words:
                    await channel.send_json(
                        {"type": "words", "chunk_id": chunk_id, "words": frame.words}
                    )
                await channel.send_json(
                    {"type": "audio", "chunk_id": chunk_id, "size": len(frame.data)}
                )
                await channel.send_bytes(frame.data)
                session.audio_sent(frame.seconds)

        encoder = output.encoder()
        try:
            async with channel.read_ahead(next_piece) as pieces:
                stream = (
                    engine.stream_timed(pieces, params)
                    if words.enabled
                    else _untimed(engine.stream(pieces, params))
                )
                async with contextlib.aclosing(stream):
                    async for chunk in stream:
                        seconds = framer.segment(chunk)
                        await send(await encoder.encode(chunk.pcm), seconds)
            await send(await encoder.finish(), 0.0)
        finally:
            await encoder.close()
        await channel.send_json(
            {"type": "end", "total_chunks": chunk_id, "message": "Stream completed"}
        )

    return await serve_session(request, DOOR, session, error_message)


async def _untimed(stream: AsyncGenerator[bytes, None]) -> AsyncGenerator[Rendered, None]:
    """PCM chunks as chunks without words."""
    async with contextlib.aclosing(stream):
        async for pcm in stream:
            yield Rendered(pcm)


def error_message(error: BaseException) -> dict[str, Any]:
    """The live protocol's ``error`` message (a refused key says so in ``code``)."""
    if isinstance(error, UnauthorizedError):
        return {"type": "error", "message": str(error), "code": "invalid_api_key"}
    return {"type": "error", "message": str(error)}


class _SessionChannel:
    """The channel of a protocol 2 connection, reporting its text and audio to the session
    registry (metrics, and the close's patience for audio not yet played)."""

    def __init__(self, channel: Channel, session: Session) -> None:
        self._channel = channel
        self._session = session

    async def send_json(self, message: dict[str, Any]) -> None:
        await self._channel.send_json(message)

    async def send_bytes(self, data: bytes, seconds: float | None = None) -> None:
        await self._channel.send_bytes(data)
        self._session.audio_sent(audio.duration_seconds(data) if seconds is None else seconds)

    async def receive_text(self, idle_timeout: float, waiting_for: str) -> str:
        text = await self._channel.receive_text(idle_timeout, waiting_for)
        self._session.text_received()
        return text

"""The ``/ws/tts/live`` session (PROTOCOL.md): init, ready, text in, audio out, end.

A thin door: it validates what the client sends, hands text pieces to :meth:`Engine.stream`
and frames the PCM it gets back. The host (``host.py``) turns its errors into closes.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import ServerConnection

from .. import __version__
from ..config import Limits
from ..engine import Engine, SpeechParams, audio
from .protocol import (
    CLOSE_NORMAL,
    TextBudget,
    frame_bytes,
    parse_init,
    receive_text,
    send_json,
)

if TYPE_CHECKING:
    from .host import LiveServer

PROTOCOL_VERSION = 1
LIVE_PATH = "/ws/tts/live"


def init_params(engine: Engine, init: dict[str, Any]) -> SpeechParams:
    """Voice, language and speed from the init message (missing keys: server defaults)."""
    return engine.speech_params(init.get("voice"), init.get("language"), init.get("speed"))


async def _text_pieces(connection: ServerConnection, limits: Limits) -> AsyncIterator[str]:
    """Text frames until the empty end marker, enforcing the per-frame and per-session limits."""
    budget = TextBudget(limits, "Text frame")
    while True:
        piece = await receive_text(connection, limits.idle_timeout, "text")
        if piece == "":
            return
        budget.take(piece)
        yield piece


async def live_session(connection: ServerConnection, server: LiveServer) -> None:
    """One session of PROTOCOL.md: init, ready, text in, audio out, end."""
    engine, limits = server.engine, server.limits
    init = parse_init(await receive_text(connection, limits.idle_timeout, "init message"))
    params = init_params(engine, init)
    await send_json(
        connection,
        {
            "type": "ready",
            "sample_rate": engine.sample_rate,
            "format": "pcm_s16le",
            "channels": engine.channels,
            "voice": params.voice,
            "language": params.language,
            "speed": params.speed,
            "protocol": PROTOCOL_VERSION,
            "server_version": __version__,
        },
    )
    frame_size = frame_bytes(engine)
    chunk_id = 0
    stream = engine.stream(_text_pieces(connection, limits), params)
    async with contextlib.aclosing(stream):
        async for pcm in stream:
            for frame in audio.slice_frames(pcm, frame_size):
                chunk_id += 1
                await send_json(
                    connection, {"type": "audio", "chunk_id": chunk_id, "size": len(frame)}
                )
                await connection.send(frame)
    await send_json(
        connection, {"type": "end", "total_chunks": chunk_id, "message": "Stream completed"}
    )
    await connection.close(CLOSE_NORMAL)

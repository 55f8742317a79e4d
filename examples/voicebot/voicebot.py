"""A minimal voicebot: user text in, a (fake) LLM reply spoken back as it is written.

``/api/voicebot/stream`` (WebSocket):

- client -> text frame: what the user said.
- server -> ``{"type": "start", "sample_rate": 24000, "format": "pcm_s16le"}``, then binary
  frames of PCM as the reply is spoken, then ``{"type": "end", "text": "<the reply>"}``.
- A new text frame while the bot is speaking interrupts it (barge-in): the server sends
  ``{"type": "interrupted"}`` and answers the new text. The TTS session is cancelled at once.
- Failures: ``{"type": "error", "message": "..."}``; the connection stays open.

Run: ``python examples/voicebot/voicebot.py --kokoro-url ws://127.0.0.1:8880``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fake_llm import FakeLLM
from tts_service import TTSService
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from wyoming_kokoro.client import DEFAULT_URL, KokoroClientConfig, KokoroError

_LOGGER = logging.getLogger("voicebot")

PATH = "/api/voicebot/stream"


class Voicebot:
    """The WebSocket app: one reply at a time per connection, interruptible."""

    def __init__(self, tts_service: TTSService, llm: FakeLLM) -> None:
        self.tts_service = tts_service
        self.llm = llm
        self._server: Server | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 8765) -> None:
        self._server = await serve(self._handle, host, port, process_request=self._route)
        _LOGGER.info("Voicebot on ws://%s:%d%s", host, self.port, PATH)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("The voicebot is not running")
        port: int = next(iter(self._server.sockets)).getsockname()[1]
        return port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def _route(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path.split("?", 1)[0] == PATH:
            return None
        return connection.respond(http.HTTPStatus.NOT_FOUND, f"Try {PATH}\n")

    async def _handle(self, ws: ServerConnection) -> None:
        speaking: asyncio.Task[None] | None = None
        try:
            async for message in ws:
                if isinstance(message, bytes):
                    await _send(ws, {"type": "error", "message": "Send the user's text as text"})
                    continue
                if speaking is not None and not speaking.done():
                    await _stop(speaking)
                    await _send(ws, {"type": "interrupted"})
                speaking = asyncio.create_task(self.reply(ws, message))
        except ConnectionClosed:
            pass
        finally:
            if speaking is not None:
                await _stop(speaking)

    async def reply(self, ws: ServerConnection, user_text: str) -> None:
        """Stream the LLM's tokens into TTS and the audio out, as both are produced."""
        written: list[str] = []

        async def tokens() -> AsyncIterator[str]:
            async for token in self.llm.stream(user_text):
                written.append(token)
                yield token

        await _send(
            ws, {"type": "start", "sample_rate": TTSService.sample_rate, "format": "pcm_s16le"}
        )
        try:
            async with contextlib.aclosing(self.tts_service.stream_synthesis(tokens())) as audio:
                async for chunk in audio:
                    await ws.send(chunk)
        except KokoroError as error:
            _LOGGER.warning("Speech failed: %s", error)
            await _send(ws, {"type": "error", "message": f"Speech failed: {error}"})
            return
        await _send(ws, {"type": "end", "text": "".join(written)})


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
        await task


async def _send(ws: ServerConnection, message: dict[str, Any]) -> None:
    await ws.send(json.dumps(message))


async def main() -> None:
    parser = argparse.ArgumentParser(description="Demo voicebot speaking through Kokoro Live")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--kokoro-url", default=DEFAULT_URL)
    parser.add_argument("--voice")
    parser.add_argument("--language", default="en-us")
    parser.add_argument("--speed", type=float)
    parser.add_argument("--mode", choices=("live", "buffered"), default="live")
    parser.add_argument("--tokens-per-second", type=float, default=15.0)
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    tts = TTSService(
        KokoroClientConfig(
            kokoro_local_url=args.kokoro_url,
            voice_id=args.voice,
            language=args.language,
            speed=args.speed,
            mode=args.mode,
        )
    )
    bot = Voicebot(tts, FakeLLM(args.tokens_per_second))
    await bot.start(args.host, args.port)
    try:
        await asyncio.Future()
    finally:
        await bot.close()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())

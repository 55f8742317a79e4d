"""The voicebot's TTS service: one object the bot asks for speech, backed by Kokoro Live."""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, AsyncIterable
from typing import cast

from wyoming_kokoro.client import DEFAULT_URL, KokoroClientConfig, KokoroLocalProvider, Mode


class TTSService:
    """Turns a stream of LLM text into a stream of PCM (s16le, mono, 24 kHz).

    The bot never sees WebSockets or protocols: it hands over text pieces as the LLM writes
    them and forwards the audio chunks it gets back.
    """

    sample_rate = 24_000

    def __init__(self, config: KokoroClientConfig) -> None:
        self.provider = KokoroLocalProvider(config)

    @classmethod
    def from_env(cls) -> TTSService:
        """Configured by ``KOKORO_URL``, ``KOKORO_VOICE``, ``KOKORO_LANGUAGE``, ``KOKORO_SPEED``
        and ``KOKORO_MODE`` (``live`` or ``buffered``)."""
        speed = os.environ.get("KOKORO_SPEED")
        return cls(
            KokoroClientConfig(
                kokoro_local_url=os.environ.get("KOKORO_URL", DEFAULT_URL),
                voice_id=os.environ.get("KOKORO_VOICE"),
                language=os.environ.get("KOKORO_LANGUAGE"),
                speed=float(speed) if speed else None,
                mode=cast(Mode, os.environ.get("KOKORO_MODE", "live")),
            )
        )

    def stream_synthesis(self, text_generator: AsyncIterable[str]) -> AsyncGenerator[bytes, None]:
        """Audio for the text as it is spoken; close the generator to stop speaking (barge-in)."""
        return self.provider.stream_synthesis(text_generator)

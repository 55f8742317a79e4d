"""The audio a live session asks for in its init: format, sample rate, channels, sample width.

PCM at the engine's rate stays the default, so clients that ask nothing get what they always
got. Any other request is encoded on the server (``encoders.py``, PyAV, in a worker thread),
segment by segment, so a client such as Home Assistant passes the bytes on without converting
them. What is not possible is a :class:`ClientError` naming the choices.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from ..engine import audio
from ..schema import quote
from .encoders import FORMATS, LAYOUTS, Encoder, new_encoder
from .protocol import ClientError

#: The engine's own samples, the default; ``pcm`` names the same.
PCM_FORMAT = "pcm_s16le"

#: Names accepted in ``format``, to the encoder's name (``ogg`` is Ogg Opus, as Home Assistant
#: names it).
FORMAT_NAMES = {
    PCM_FORMAT: "pcm",
    "pcm": "pcm",
    "wav": "wav",
    "mp3": "mp3",
    "flac": "flac",
    "opus": "opus",
    "ogg": "opus",
    "aac": "aac",
}

#: The sample rates a codec takes; formats not listed take any rate in :data:`RATE_RANGE`.
CODEC_RATES = {
    "mp3": (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000),
    "opus": (8000, 12000, 16000, 24000, 48000),
    "aac": (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000),
}
RATE_RANGE = (8000, 96000)

#: Only 16-bit samples are written (what every client here asks for).
SAMPLE_WIDTH = audio.SAMPLE_WIDTH


@dataclass(frozen=True)
class OutputFormat:
    """What a session's audio frames carry."""

    #: The encoder's name (a key of ``encoders.FORMATS``).
    name: str = "pcm"
    sample_rate: int = audio.SAMPLE_RATE
    channels: int = 1

    @property
    def is_engine_pcm(self) -> bool:
        """The engine's own samples: frames go out as they come, no encoder."""
        return self.name == "pcm" and (self.sample_rate, self.channels) == (audio.SAMPLE_RATE, 1)

    def ready_fields(self) -> dict[str, Any]:
        """The ``ready`` message's description of the audio."""
        return {
            "format": PCM_FORMAT if self.name == "pcm" else self.name,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "sample_width": SAMPLE_WIDTH,
            "content_type": FORMATS[self.name].content_type,
        }

    def encoder(self) -> StreamEncoder:
        """A fresh encoder for one stream of audio (a session, or a protocol 2 context)."""
        return StreamEncoder(self)


def parse_output_format(init: dict[str, Any]) -> OutputFormat:
    """The init message's ``format``, ``sample_rate``, ``channels`` and ``sample_width``."""
    requested = init.get("format", PCM_FORMAT)
    name = FORMAT_NAMES.get(requested) if isinstance(requested, str) else None
    if name is None:
        raise ClientError(
            f"Unsupported format {quote(requested)}: use one of {', '.join(FORMAT_NAMES)}"
        )
    sample_rate = _integer(init, "sample_rate", audio.SAMPLE_RATE)
    rates = CODEC_RATES.get(name)
    if rates is not None and sample_rate not in rates:
        raise ClientError(
            f"Unsupported sample_rate {sample_rate} for {name}: use one of "
            f"{', '.join(map(str, rates))}"
        )
    low, high = RATE_RANGE
    if not low <= sample_rate <= high:
        raise ClientError(f"Unsupported sample_rate {sample_rate}: use {low} to {high} Hz")
    channels = _integer(init, "channels", 1)
    if channels not in LAYOUTS:
        raise ClientError(f"Unsupported channels {channels}: use 1 (mono) or 2 (stereo)")
    width = _integer(init, "sample_width", SAMPLE_WIDTH)
    if width != SAMPLE_WIDTH:
        raise ClientError(f"Unsupported sample_width {width}: only {SAMPLE_WIDTH} (16-bit)")
    return OutputFormat(name, sample_rate, channels)


def _integer(init: dict[str, Any], key: str, default: int) -> int:
    value = init.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ClientError(f"'{key}' must be a whole number, got {quote(value)}")
    return value


class StreamEncoder:
    """One stream's encoder, run off the event loop; the engine's PCM passes straight through.

    ``close`` always runs (the stream may end early); after ``finish`` it releases nothing.
    """

    def __init__(self, output: OutputFormat) -> None:
        self._encoder: Encoder | None = (
            None
            if output.is_engine_pcm
            else new_encoder(output.name, output.sample_rate, output.channels)
        )

    async def encode(self, pcm: bytes) -> bytes:
        """One segment's bytes, as many as the codec has ready."""
        if self._encoder is None:
            return pcm
        return await asyncio.to_thread(self._encoder.encode, pcm)

    async def finish(self) -> bytes:
        """The stream's last bytes (a codec's held-back frames, a container's trailer)."""
        if self._encoder is None:
            return b""
        return await asyncio.to_thread(self._encoder.finish)

    async def close(self) -> None:
        """Release the codec (safe after :meth:`finish`, and when cancelled mid-stream)."""
        if self._encoder is not None:
            encoder, self._encoder = self._encoder, None
            await asyncio.shield(asyncio.to_thread(encoder.close))

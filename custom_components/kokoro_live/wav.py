"""WAV framing for the server's raw PCM (signed 16-bit little-endian)."""

from __future__ import annotations

import struct

SAMPLE_WIDTH = 2
_HEADER = struct.Struct("<4sI4s4sIHHIIHH4sI")


def wav_header(sample_rate: int, channels: int = 1, data_size: int = 0) -> bytes:
    """A 44-byte PCM WAV header.

    ``data_size=0`` is how a stream says its length is unknown: Home Assistant
    and its players read on to the end of the data.
    """
    block_align = channels * SAMPLE_WIDTH
    return _HEADER.pack(
        b"RIFF",
        36 + data_size,
        b"WAVE",
        b"fmt ",
        16,
        1,  # PCM
        channels,
        sample_rate,
        sample_rate * block_align,
        block_align,
        SAMPLE_WIDTH * 8,
        b"data",
        data_size,
    )


def wav_file(pcm: bytes, sample_rate: int, channels: int = 1) -> bytes:
    """A complete WAV file whose header states the exact data length."""
    return wav_header(sample_rate, channels, len(pcm)) + pcm

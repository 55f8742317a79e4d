"""Float audio to PCM s16le, join smoothing, WAV headers and frame slicing."""

from __future__ import annotations

import struct
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

SAMPLE_RATE = 24_000
SAMPLE_WIDTH = 2
CHANNELS = 1

#: A short fade at each segment edge: the model's trimmed output can start or stop
#: mid-waveform, and a hard edge against the next segment is heard as a click.
FADE_SECONDS = 0.004


def fade_edges(audio: NDArray[np.float32], seconds: float = FADE_SECONDS) -> NDArray[np.float32]:
    """Return a copy with a raised-cosine fade-in and fade-out of ``seconds`` each."""
    length = min(int(seconds * SAMPLE_RATE), len(audio) // 2)
    out = np.array(audio, dtype=np.float32, copy=True)
    if length <= 0:
        return out
    ramp = (0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, length, dtype=np.float32))).astype(
        np.float32
    )
    out[:length] *= ramp
    out[-length:] *= ramp[::-1]
    return out


def silence(seconds: float) -> NDArray[np.float32]:
    """Zeros lasting ``seconds``."""
    return np.zeros(max(0, round(seconds * SAMPLE_RATE)), dtype=np.float32)


def to_pcm16(audio: NDArray[np.floating]) -> bytes:
    """Clip to [-1, 1] and convert to signed 16-bit little-endian bytes."""
    clipped = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
    return (clipped * 32767.0).astype("<i2").tobytes()


def pcm16_to_float(pcm: bytes) -> NDArray[np.float32]:
    """The inverse of :func:`to_pcm16`, for analysis and tests."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32767.0


def duration_seconds(pcm: bytes) -> float:
    """How long ``pcm`` (s16le mono at SAMPLE_RATE) plays."""
    return len(pcm) / (SAMPLE_WIDTH * CHANNELS * SAMPLE_RATE)


def wav_header(
    data_length: int = 0,
    sample_rate: int = SAMPLE_RATE,
    sample_width: int = SAMPLE_WIDTH,
    channels: int = CHANNELS,
) -> bytes:
    """A 44-byte PCM WAV header; ``data_length`` 0 marks a stream of unknown length."""
    byte_rate = sample_rate * sample_width * channels
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_length)
        + b"WAVEfmt "
        + struct.pack(
            "<IHHIIHH",
            16,
            1,
            channels,
            sample_rate,
            byte_rate,
            sample_width * channels,
            sample_width * 8,
        )
        + b"data"
        + struct.pack("<I", data_length)
    )


def slice_frames(pcm: bytes, frame_bytes: int) -> Iterator[bytes]:
    """Cut ``pcm`` into pieces of at most ``frame_bytes`` (kept even: whole samples)."""
    step = max(SAMPLE_WIDTH, frame_bytes - frame_bytes % SAMPLE_WIDTH)
    for start in range(0, len(pcm), step):
        yield pcm[start : start + step]

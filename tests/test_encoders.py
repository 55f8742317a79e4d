"""The streaming encoders on real speech: bytes after every segment, a whole that decodes."""

from __future__ import annotations

import contextlib
import io

import av
import pytest

from wyoming_kokoro.aio import once
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.audio import duration_seconds
from wyoming_kokoro.server.encoders import FORMATS, AvEncoder, new_encoder

TEXT = "Okay, the lights are on. The door is locked. It will rain tomorrow."


async def speech_segments(engine: Engine) -> list[bytes]:
    stream = engine.stream(once(TEXT), engine.default_params)
    async with contextlib.aclosing(stream):
        return [pcm async for pcm in stream]


@pytest.mark.parametrize("name", ["mp3", "opus", "aac", "flac", "wav"])
async def test_each_segment_yields_bytes_and_the_whole_decodes(engine: Engine, name: str) -> None:
    pcm_segments = await speech_segments(engine)
    assert len(pcm_segments) >= 3
    encoder = new_encoder(name)
    assert isinstance(encoder, AvEncoder)
    parts = [encoder.encode(pcm) for pcm in pcm_segments]
    parts.append(encoder.finish())
    # Streaming: the encoder hands out audio after the first segment, not only at the end.
    assert parts[0], f"{name}: nothing after the first segment"
    assert sum(len(part) for part in parts[:-1]) > len(parts[-1])
    container = av.open(io.BytesIO(b"".join(parts)))
    decoded = sum(frame.samples / frame.sample_rate for frame in container.decode(audio=0))
    container.close()
    spoken = sum(duration_seconds(pcm) for pcm in pcm_segments)
    assert abs(decoded - spoken) < 0.15, f"{name}: {decoded:.2f} s decoded of {spoken:.2f} s"
    assert encoder.finish() == b""  # finished once; a second call adds nothing


def test_formats_and_raw_pcm() -> None:
    assert list(FORMATS) == ["mp3", "opus", "aac", "flac", "wav", "pcm"]
    raw = new_encoder("pcm")
    assert raw.encode(b"\x01\x02") == b"\x01\x02" and raw.finish() == b""
    with pytest.raises(ValueError, match="not an encoded format"):
        AvEncoder(FORMATS["pcm"])


def test_close_without_finish_releases_the_encoder() -> None:
    encoder = AvEncoder(FORMATS["mp3"])
    assert encoder.encode(b"\x00\x00" * 24_000)
    encoder.close()
    assert encoder.encode(b"\x00\x00" * 100) == b""  # closed: nothing more is encoded
    assert encoder.finish() == b""

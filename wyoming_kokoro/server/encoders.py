"""Streaming audio encoders: PCM s16le segments in, bytes of a compressed format out, as they come.

The HTTP speech API answers in ``mp3``, ``opus`` (in Ogg), ``aac`` (ADTS), ``flac``, ``wav`` or
raw ``pcm``. Each request gets its own :class:`Encoder`: PyAV's (FFmpeg's) encoders and muxers
write into an in-memory sink that is drained after every segment, so a client receives what the
encoder has produced as soon as a segment is spoken, not when the whole reply is done. The
output is written for a pipe, never seeked: a WAV header carries unknown sizes (0xFFFFFFFF, as
OpenAI streams it), MP3 has no Xing header to patch, FLAC no total length.

An encoder may also change the sample rate and the channel count (a voice satellite asks for
16 kHz; a media player for stereo): PyAV's resampler (libswresample) runs before the codec.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Protocol

import av
import numpy as np
from av.audio.frame import AudioFrame
from av.audio.stream import AudioStream
from av.container import OutputContainer

from ..engine import audio


@dataclass(frozen=True)
class AudioFormat:
    """One ``response_format``: its MIME type and, for encoded ones, FFmpeg's names."""

    name: str
    content_type: str
    #: FFmpeg muxer and encoder; None for raw PCM, which needs neither.
    container: str | None = None
    codec: str | None = None
    #: Muxer options (FFmpeg's names), e.g. how often Ogg closes a page.
    options: dict[str, str] = field(default_factory=dict)


#: The formats of OpenAI's ``response_format``, in its order.
FORMATS: dict[str, AudioFormat] = {
    audio_format.name: audio_format
    for audio_format in (
        # No ID3 tag: the stream is bare MPEG frames, which any player can start anywhere.
        AudioFormat("mp3", "audio/mpeg", "mp3", "libmp3lame", {"id3v2_version": "0"}),
        # Ogg holds packets until a page is full; a short page lets audio out while it is spoken.
        AudioFormat("opus", "audio/ogg", "ogg", "libopus", {"page_duration": "100000"}),
        AudioFormat("aac", "audio/aac", "adts", "aac"),
        AudioFormat("flac", "audio/flac", "flac", "flac"),
        AudioFormat("wav", "audio/wav", "wav", "pcm_s16le"),
        AudioFormat("pcm", "audio/pcm"),
    )
}


class Encoder(Protocol):
    """One response's encoder: feed segments in order, then finish once."""

    def encode(self, pcm: bytes) -> bytes:
        """Encode one segment of PCM s16le mono; return every byte the encoder has ready."""

    def finish(self) -> bytes:
        """Flush the encoder and close the container; the response's last bytes."""

    def close(self) -> None:
        """Release the encoder early (the client went away); safe after :meth:`finish`."""


#: Channel layouts by channel count: speech is mono, a stereo request gets it on both sides.
LAYOUTS = {1: "mono", 2: "stereo"}


class Resampler:
    """The engine's PCM (s16le, mono, at its rate) to s16 frames at another rate or layout.

    Keeps the filter's history between segments, so joins stay seamless; :meth:`flush` once
    at the end hands out the samples it still holds.
    """

    def __init__(self, sample_rate: int, channels: int) -> None:
        self._resampler = av.AudioResampler(
            format="s16", layout=LAYOUTS[channels], rate=sample_rate
        )

    def frames(self, pcm: bytes) -> list[AudioFrame]:
        """One segment resampled (a few samples may follow with the next one)."""
        samples = np.frombuffer(pcm, dtype="<i2").reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = audio.SAMPLE_RATE
        return list(self._resampler.resample(frame))

    def flush(self) -> list[AudioFrame]:
        """The samples still in the filter."""
        return list(self._resampler.resample(None))


def _frame_bytes(frames: list[AudioFrame]) -> bytes:
    """Packed s16 frames as interleaved s16le bytes."""
    return b"".join(frame.to_ndarray().astype("<i2", copy=False).tobytes() for frame in frames)


class RawPcm:
    """``pcm``: s16le samples, the engine's as they are unless another rate or layout is asked."""

    def __init__(self, sample_rate: int = audio.SAMPLE_RATE, channels: int = 1) -> None:
        self._resampler = (
            None
            if (sample_rate, channels) == (audio.SAMPLE_RATE, 1)
            else Resampler(sample_rate, channels)
        )
        self._finished = False

    def encode(self, pcm: bytes) -> bytes:
        """The segment itself, or resampled."""
        if self._resampler is None:
            return pcm
        if not pcm or self._finished:
            return b""
        return _frame_bytes(self._resampler.frames(pcm))

    def finish(self) -> bytes:
        """Nothing is held back, but for what the resampler still holds."""
        if self._resampler is None or self._finished:
            return b""
        self._finished = True
        return _frame_bytes(self._resampler.flush())

    def close(self) -> None:
        """Nothing to release."""
        self._finished = True


class _Sink:
    """A write-only, unseekable file for PyAV: muxers write for a pipe, we drain it."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


class AvEncoder:
    """An FFmpeg encoder and muxer (PyAV) writing into memory, one per response.

    Blocking (it runs the codec): call it from a worker thread. Calls are serialized, so a
    ``close`` for a cancelled response waits for an ``encode`` still running in another thread.
    """

    def __init__(
        self,
        audio_format: AudioFormat,
        sample_rate: int = audio.SAMPLE_RATE,
        channels: int = 1,
    ) -> None:
        if audio_format.container is None or audio_format.codec is None:
            raise ValueError(f"{audio_format.name} is not an encoded format")
        self._resampler = Resampler(sample_rate, channels)
        self._sink = _Sink()
        self._container: OutputContainer = av.open(
            self._sink,
            "w",
            format=audio_format.container,
            options=audio_format.options,
            # Hand each packet to the sink at once; no encoder tags in the stream.
            container_options={"flush_packets": "1", "fflags": "+bitexact"},
        )
        stream = self._container.add_stream(audio_format.codec, rate=sample_rate)
        assert isinstance(stream, AudioStream)
        stream.layout = LAYOUTS[channels]
        self._stream = stream
        self._pts = 0
        self._closed = False
        self._lock = threading.Lock()

    def encode(self, pcm: bytes) -> bytes:
        """Encode a segment; what the codec holds back (a partial frame) follows later."""
        with self._lock:
            if pcm and not self._closed:
                self._encode(self._resampler.frames(pcm))
            return self._sink.drain()

    def _encode(self, frames: list[AudioFrame]) -> None:
        for frame in frames:
            frame.pts = self._pts
            self._pts += frame.samples
            self._container.mux(self._stream.encode(frame))

    def finish(self) -> bytes:
        """Flush the codec, write the trailer, close; the last bytes."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._encode(self._resampler.flush())
                self._container.mux(self._stream.encode(None))
                self._container.close()
            return self._sink.drain()

    def close(self) -> None:
        """Release the codec without the last bytes (the client went away)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._container.close()


def new_encoder(name: str, sample_rate: int = audio.SAMPLE_RATE, channels: int = 1) -> Encoder:
    """A fresh encoder for ``response_format`` ``name`` (a key of :data:`FORMATS`), writing
    ``sample_rate`` Hz and ``channels`` channels (of :data:`LAYOUTS`)."""
    audio_format = FORMATS[name]
    if audio_format.container is None:
        return RawPcm(sample_rate, channels)
    return AvEncoder(audio_format, sample_rate, channels)

"""PCM conversion, edge fades, silence, WAV headers and frame slicing."""

from __future__ import annotations

import io
import wave

import numpy as np

from wyoming_kokoro.engine import audio


def test_pcm16_round_trip_and_clipping() -> None:
    samples = np.array([0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0], dtype=np.float32)
    pcm = audio.to_pcm16(samples)
    assert len(pcm) == 2 * len(samples)
    back = audio.pcm16_to_float(pcm)
    assert np.allclose(back, np.clip(samples, -1.0, 1.0), atol=1 / 32767)
    assert np.frombuffer(pcm, dtype="<i2")[3:5].tolist() == [32767, -32767]


def test_duration_and_silence() -> None:
    assert audio.duration_seconds(b"\0" * (2 * audio.SAMPLE_RATE)) == 1.0
    quiet = audio.silence(0.25)
    assert len(quiet) == audio.SAMPLE_RATE // 4
    assert not quiet.any()
    assert len(audio.silence(-1.0)) == 0


def test_fade_edges_ramps_both_ends_and_keeps_the_middle() -> None:
    ones = np.ones(audio.SAMPLE_RATE, dtype=np.float32)
    faded = audio.fade_edges(ones)
    ramp = int(audio.FADE_SECONDS * audio.SAMPLE_RATE)
    assert faded[0] == 0.0
    assert faded[-1] == 0.0
    assert np.all(np.diff(faded[:ramp]) >= 0)
    assert np.all(faded[ramp:-ramp] == 1.0)
    assert np.all(ones == 1.0), "the input is not modified"


def test_fade_edges_of_a_very_short_clip() -> None:
    assert len(audio.fade_edges(np.ones(1, dtype=np.float32))) == 1
    assert len(audio.fade_edges(np.ones(0, dtype=np.float32))) == 0


def test_wav_header_is_read_by_the_wave_module() -> None:
    pcm = audio.to_pcm16(np.zeros(480, dtype=np.float32))
    header = audio.wav_header(len(pcm))
    assert len(header) == 44
    with wave.open(io.BytesIO(header + pcm)) as wav:
        assert wav.getframerate() == audio.SAMPLE_RATE
        assert wav.getsampwidth() == audio.SAMPLE_WIDTH
        assert wav.getnchannels() == audio.CHANNELS
        assert wav.readframes(480) == pcm


def test_slice_frames_keeps_whole_samples() -> None:
    pcm = bytes(range(10))
    assert list(audio.slice_frames(pcm, 4)) == [pcm[0:4], pcm[4:8], pcm[8:10]]
    assert list(audio.slice_frames(pcm, 5)) == [pcm[0:4], pcm[4:8], pcm[8:10]]
    assert list(audio.slice_frames(pcm, 1)) == [pcm[i : i + 2] for i in range(0, 10, 2)]
    assert b"".join(audio.slice_frames(pcm, 1000)) == pcm

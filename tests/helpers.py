"""Audio checks shared by the tests: is this speech, and how long is it."""

from __future__ import annotations

import numpy as np

from wyoming_kokoro.audio import duration_seconds, pcm16_to_float


def rms(pcm: bytes) -> float:
    """Root mean square level of s16le audio, 0..1."""
    samples = pcm16_to_float(pcm)
    return float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0


def assert_speech(pcm: bytes, words: int) -> None:
    """Audible, not clipped noise, and as long as ``words`` words take to say."""
    seconds = duration_seconds(pcm)
    assert 0.15 * words <= seconds <= 0.9 * words + 1.0, f"{seconds:.2f} s for {words} words"
    level = rms(pcm)
    assert 0.02 < level < 0.5, f"RMS {level:.3f} is not speech"
    samples = pcm16_to_float(pcm)
    # Speech has pauses: a good share of 20 ms frames are much quieter than the loudest ones.
    frames = samples[: len(samples) // 480 * 480].reshape(-1, 480)
    energy = np.sqrt(np.mean(frames**2, axis=1))
    assert np.mean(energy < 0.1 * energy.max()) > 0.05, "no pauses: noise, not speech"

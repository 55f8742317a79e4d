"""One debug line when a speech session opens and one when it ends, nothing above debug.

With debug logging on for ``custom_components.kokoro_live``, each session shows what was
asked (voice, language, speed, streamed or whole text), how soon audio came, how much came and
how the session ended: the first place to look when speech is slow, cut short or silent.
"""

from __future__ import annotations

import itertools
import logging
import time

from .api import LiveSession

_LOGGER = logging.getLogger(__name__)

#: Numbers sessions, so the two lines of one session can be matched among concurrent ones.
_SESSION_NUMBERS = itertools.count(1)

#: Bytes per sample of the server's PCM (``pcm_s16le``).
_SAMPLE_BYTES = 2


class SessionLog:
    """Times one speech session from the moment it is asked for."""

    def __init__(self, address: str, voice: str | None, language: str, *, streaming: bool) -> None:
        """Start the clock; connecting counts towards the time to first audio."""
        self.number = next(_SESSION_NUMBERS)
        self._address = address
        self._voice = voice or "(server default)"
        self._language = language
        self._streaming = streaming
        self._started = time.monotonic()
        self._first_audio: float | None = None
        self._chunks = 0
        self._bytes = 0
        self._bytes_per_second = 0

    def opened(self, session: LiveSession) -> None:
        """Log the session's voice, language and speed as the server resolved them."""
        ready = session.ready
        self._bytes_per_second = session.sample_rate * session.channels * _SAMPLE_BYTES
        _LOGGER.debug(
            "Session %d to %s opened: voice %s, language %s, speed %s, %s",
            self.number,
            self._address,
            ready.get("voice", self._voice),
            ready.get("language", self._language),
            ready.get("speed", "(server default)"),
            "text streamed in" if self._streaming else "whole text",
        )

    def audio(self, pcm: bytes) -> None:
        """Count one chunk of audio; the first one fixes the time to first audio."""
        if self._first_audio is None:
            self._first_audio = time.monotonic() - self._started
        self._chunks += 1
        self._bytes += len(pcm)

    def ended(self, outcome: str) -> None:
        """Log how the session ended, how soon audio came and how much."""
        elapsed = time.monotonic() - self._started
        first = (
            "no audio"
            if self._first_audio is None
            else f"first audio after {self._first_audio:.2f} s"
        )
        seconds = self._bytes / self._bytes_per_second if self._bytes_per_second else 0.0
        _LOGGER.debug(
            "Session %d ended (%s): %s, %d chunk%s, %.2f s of audio in %.2f s",
            self.number,
            outcome,
            first,
            self._chunks,
            "" if self._chunks == 1 else "s",
            seconds,
            elapsed,
        )

    def failed_to_open(self, error: Exception) -> None:
        """Log a session that never opened (the caller raises the error to the user)."""
        _LOGGER.debug(
            "Session %d to %s (voice %s, language %s) failed to open after %.2f s: %s",
            self.number,
            self._address,
            self._voice,
            self._language,
            time.monotonic() - self._started,
            error,
        )

"""One debug line per speech session, written when it ends, nothing above debug.

With debug logging on for ``custom_components.kokoro_live``, each session shows what was
asked (voice, language, speed as the server resolved them; the audio format; a text streamed
in pieces or a one-shot text), how it ended, how soon audio came and how much: the first place
to look when speech is slow, cut short or silent. Every outcome is logged, including a session
that never opened and one that failed after the server (its reader stopped, a conversion
failed).
"""

from __future__ import annotations

import itertools
import logging
import time

from .api import LiveSession

_LOGGER = logging.getLogger(__name__)

#: Numbers sessions, so concurrent ones can be told apart.
_SESSION_NUMBERS = itertools.count(1)

#: Bytes per sample of the server's PCM (``pcm_s16le``).
_SAMPLE_BYTES = 2


class SessionLog:
    """Times one speech session from the moment it is asked for."""

    def __init__(
        self,
        address: str,
        voice: str | None,
        language: str,
        audio_format: str,
        *,
        streaming: bool,
    ) -> None:
        """Start the clock; connecting counts towards the time to first audio."""
        self.number = next(_SESSION_NUMBERS)
        self._address = address
        self._request = f"voice {voice or '(server default)'}, language {language}"
        self._format = audio_format
        self._streaming = streaming
        self._started = time.monotonic()
        self._first_audio: float | None = None
        self._pieces = 0
        self._chunks = 0
        self._bytes = 0
        #: PCM's bytes per second; 0 for an encoded format, whose length is given in bytes.
        self._bytes_per_second = 0

    def opened(self, session: LiveSession) -> None:
        """Note the voice, language and speed as the server resolved them."""
        ready = session.ready
        self._request = (
            f"voice {ready.get('voice', '?')}, language {ready.get('language', '?')}, "
            f"speed {ready.get('speed', '?')}"
        )
        if session.format == "pcm_s16le":
            self._bytes_per_second = session.sample_rate * session.channels * _SAMPLE_BYTES

    def text(self) -> None:
        """Count one piece of text sent."""
        self._pieces += 1

    def audio(self, data: bytes) -> None:
        """Count one chunk of audio; the first one fixes the time to first audio."""
        if self._first_audio is None:
            self._first_audio = time.monotonic() - self._started
        self._chunks += 1
        self._bytes += len(data)

    def ended(self, outcome: str) -> None:
        """Log the session's one line: what was asked, how it ended, how soon and how much."""
        elapsed = time.monotonic() - self._started
        first = (
            "no audio"
            if self._first_audio is None
            else f"first audio after {self._first_audio:.2f} s"
        )
        amount = (
            f"{self._bytes / self._bytes_per_second:.2f} s of audio"
            if self._bytes_per_second
            else f"{self._bytes} bytes"
        )
        _LOGGER.debug(
            "Session %d to %s (%s, %s, %s) %s: %s, %d chunk%s, %s in %.2f s",
            self.number,
            self._address,
            self._request,
            self._format,
            self._text_kind(),
            outcome,
            first,
            self._chunks,
            "" if self._chunks == 1 else "s",
            amount,
            elapsed,
        )

    def _text_kind(self) -> str:
        if not self._streaming or self._pieces == 1:
            # Home Assistant sends a whole message as a stream of one piece.
            return "one-shot text"
        return f"text streamed in {self._pieces} pieces"

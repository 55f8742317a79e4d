"""Word timestamps on the live door, for both protocols: asking for them in the init message,
and a stream's audio (PCM or encoded) cut into frames, each with the words that start in it.

A ``words`` message goes right before the ``audio`` message of the frame its words start in;
times are seconds on the reply's audio timeline (``base``: the audio sent before this segment).
Protocol 2 adds its ``context_id`` to both messages; protocol 1 sends them as they are.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..engine import Engine, SpeechParams, audio
from ..engine.engine import Rendered
from ..engine.timestamps import WordTiming
from ..schema import quote
from .protocol import ClientError


@dataclass(frozen=True)
class WordRequest:
    """What the init asked for and what it gets: timings, or the reason there are none."""

    enabled: bool
    unavailable: str | None = None

    def ready_fields(self) -> dict[str, Any]:
        """The ``ready`` message's keys about word timestamps."""
        fields: dict[str, Any] = {"word_timestamps": self.enabled}
        if self.unavailable is not None:
            fields["word_timestamps_unavailable"] = self.unavailable
        return fields


def word_request(init: Mapping[str, Any], engine: Engine, params: SpeechParams) -> WordRequest:
    """The init's ``word_timestamps`` (default false) checked; a language without word
    boundaries gets none, with the reason (no timings are invented)."""
    requested = init.get("word_timestamps", False)
    if not isinstance(requested, bool):
        raise ClientError(f"'word_timestamps' must be true or false, got {quote(requested)}")
    unsupported = engine.word_timestamps_unsupported(params.language) if requested else None
    if unsupported is not None:
        return WordRequest(False, f"No word timestamps for {params.language}: {unsupported}")
    return WordRequest(requested)


@dataclass(frozen=True)
class Frame:
    """One binary frame, the seconds of speech it carries, and the words that start in it."""

    data: bytes
    seconds: float
    words: list[dict[str, Any]]


@dataclass
class Framer:
    """One stream's audio (PCM or its encoding) cut into frames of at most ``frame_bytes``,
    each with the words that start in it (none unless ``timed``).

    Frames share a segment's speech in proportion to their bytes (exact for PCM). What a codec
    holds back (no bytes yet) is counted, with its words, in the next frame that comes out.
    """

    frame_bytes: int
    timed: bool
    #: Engine samples given so far: the end of the stream's timeline.
    _samples: int = 0
    _unsent_words: list[WordTiming] = field(default_factory=list)
    _unsent_seconds: float = 0.0

    def segment(self, chunk: Rendered) -> float:
        """Put a segment on the timeline (its words shifted onto it); its seconds of speech."""
        if self.timed:
            base = self._samples / audio.SAMPLE_RATE
            self._unsent_words.extend(w.shifted(base) for w in chunk.words)
        self._samples += len(chunk.pcm) // audio.SAMPLE_WIDTH
        return audio.duration_seconds(chunk.pcm)

    def frames(self, data: bytes, seconds: float = 0.0) -> Iterator[Frame]:
        """``data`` (``seconds`` of speech, 0 for a codec's last bytes) in frames."""
        seconds += self._unsent_seconds
        self._unsent_seconds = seconds
        position = self._samples / audio.SAMPLE_RATE - seconds
        pieces = list(audio.slice_frames(data, self.frame_bytes))
        for index, piece in enumerate(pieces):
            share = min(self._unsent_seconds, seconds * len(piece) / len(data))
            position += share
            last = index == len(pieces) - 1
            starting = [w for w in self._unsent_words if last or w.start < position]
            self._unsent_words = self._unsent_words[len(starting) :]
            self._unsent_seconds -= share
            yield Frame(
                piece, share, [{"word": w.word, "start": w.start, "end": w.end} for w in starting]
            )
        if data:
            self._unsent_seconds = 0.0

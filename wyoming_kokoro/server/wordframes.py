"""Word timestamps on the live door, for both protocols: asking for them in the init message,
and a segment's audio cut into frames, each with the words that start in it.

A ``words`` message goes right before the ``audio`` message of the frame its words start in;
times are seconds on the reply's audio timeline (``base``: the audio sent before this segment).
Protocol 2 adds its ``context_id`` to both messages; protocol 1 sends them as they are.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..engine import Engine, SpeechParams, audio
from ..engine.engine import Rendered
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


def word_frames(
    chunk: Rendered, frame_bytes: int, base: float, timed: bool
) -> Iterator[tuple[list[dict[str, Any]], bytes]]:
    """The chunk's frames of at most ``frame_bytes``, each with the words (``word``, ``start``,
    ``end``, shifted by ``base`` seconds) that start in it; none unless ``timed``."""
    rate, width = audio.SAMPLE_RATE, audio.SAMPLE_WIDTH
    words = list(chunk.words) if timed else []
    frames = list(audio.slice_frames(chunk.pcm, frame_bytes))
    position = 0
    for index, frame in enumerate(frames):
        position += len(frame) // width
        last = index == len(frames) - 1
        starting = [w for w in words if last or w.start < position / rate]
        words = words[len(starting) :]
        yield (
            [
                {"word": w.word, "start": s.start, "end": s.end}
                for w in starting
                for s in [w.shifted(base)]
            ],
            frame,
        )

"""Short segments spoken recently, replayed instead of synthesized again.

Replies repeat: a voice assistant says "Okay," "Sure." or "Turned off the light." many times a
day, and a voicebot opens most replies with one of a few words. The model is deterministic (the
same text, voice, language and speed give the same samples on every run, on any thread count),
so a segment spoken before is replayed from memory: its audio is there at once and no worker is
used. Only short segments are kept (openers and short replies repeat, long sentences rarely
do), within a byte budget, the least recently used going first.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Generic, TypeVar

from cachetools import LRUCache

#: Longer segments are not kept: sentences rarely repeat word for word.
MAX_CHARS = 80

V = TypeVar("V")


@dataclass(frozen=True)
class SpeechKey:
    """Everything that decides a segment's audio."""

    text: str
    voice: str
    language: str
    speed: float
    pause_before: float
    timed: bool


@dataclass(frozen=True)
class CacheStats:
    """Counters for /health, the benchmark and tests (a snapshot)."""

    hits: int
    misses: int
    entries: int
    bytes: int


class SpeechCache(Generic[V]):
    """A least-recently-used map of segment audio, bounded in bytes (thread-safe).

    ``cachetools.LRUCache`` keeps the order and the byte count; this adds the lock (workers
    store, the event loop looks up) and the counters ``/health`` reports.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: LRUCache[SpeechKey, tuple[V, int]] = LRUCache(
            maxsize=max_bytes, getsizeof=_entry_size
        )
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    @property
    def stats(self) -> CacheStats:
        """Hits and misses so far; entries and bytes kept now."""
        with self._lock:
            entries = self._entries
            return CacheStats(self._hits, self._misses, len(entries), int(entries.currsize))

    @staticmethod
    def keeps(text: str) -> bool:
        """Whether a segment of this text is short enough to keep."""
        return len(text) <= MAX_CHARS

    def get(self, key: SpeechKey) -> V | None:
        """The audio kept for ``key``, or None (counted as a hit or a miss)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self._misses += 1
                return None
            self._hits += 1
            return entry[0]

    def put(self, key: SpeechKey, value: V, size: int) -> None:
        """Keep ``value`` (``size`` bytes), dropping the least recently used to make room."""
        if size > self.max_bytes:
            return
        with self._lock:
            self._entries[key] = (value, size)


def _entry_size(entry: tuple[object, int]) -> int:
    return entry[1]

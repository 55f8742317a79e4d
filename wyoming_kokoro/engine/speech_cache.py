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


@dataclass
class CacheStats:
    """Counters for /health, the benchmark and tests."""

    hits: int = 0
    misses: int = 0
    entries: int = 0
    bytes: int = 0


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
        self.stats = CacheStats()

    @staticmethod
    def keeps(text: str) -> bool:
        """Whether a segment of this text is short enough to keep."""
        return len(text) <= MAX_CHARS

    def get(self, key: SpeechKey) -> V | None:
        """The audio kept for ``key``, or None (counted as a hit or a miss)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.stats.misses += 1
                return None
            self.stats.hits += 1
            return entry[0]

    def put(self, key: SpeechKey, value: V, size: int) -> None:
        """Keep ``value`` (``size`` bytes), dropping the least recently used to make room."""
        if size > self.max_bytes:
            return
        with self._lock:
            self._entries[key] = (value, size)
            self.stats.entries = len(self._entries)
            self.stats.bytes = int(self._entries.currsize)


def _entry_size(entry: tuple[object, int]) -> int:
    return entry[1]

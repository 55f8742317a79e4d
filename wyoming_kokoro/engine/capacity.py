"""How many listeners the CPU keeps real-time: measured, not guessed.

The meter counts the wall time during which at least one inference runs ("busy") and the seconds
of audio those inferences produce. Audio per busy second is the engine's throughput: one
real-time stream needs 1.0, so the throughput is the number of streams the machine sustains. Time
spent on work thrown away (an interrupted attempt) counts as busy with no audio, as it should.
The estimate starts from a timed inference at warm-up and follows a moving average as the server
runs, so a slower machine or a busier neighbour lowers it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

#: Busy seconds gathered before a new sample enters the moving average.
SAMPLE_BUSY_SECONDS = 2.0
#: Weight of each new sample in the moving average.
SMOOTHING = 0.3
#: Share of the measured throughput admission plans for: pauses in the text, phonemization and
#: bursts (every session's first segment at once) need headroom.
UTILIZATION = 0.8
#: Sessions the automatic limit always admits: a household's two satellites at once.
MIN_AUTO_SESSIONS = 2


class CapacityMeter:
    """Audio seconds produced per busy second of the inference workers (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._running = 0
        self._last_event = 0.0
        self._busy = 0.0
        self._audio = 0.0
        self._throughput: float | None = None

    def seed(self, audio_seconds: float, busy_seconds: float) -> None:
        """Start the estimate from one measured inference (warm-up)."""
        if audio_seconds > 0 and busy_seconds > 0:
            with self._lock:
                self._throughput = audio_seconds / busy_seconds

    def started(self) -> None:
        """An inference began on a worker."""
        with self._lock:
            self._advance()
            self._running += 1

    def finished(self, audio_seconds: float) -> None:
        """An inference ended, producing ``audio_seconds`` (0 if interrupted or failed)."""
        with self._lock:
            self._advance()
            self._running -= 1
            self._audio += audio_seconds
            # Sampled when the workers fall idle (no inference half counted), or in a long burst.
            if self._busy >= SAMPLE_BUSY_SECONDS and (
                self._running == 0 or self._busy >= 3 * SAMPLE_BUSY_SECONDS
            ):
                sample = self._audio / self._busy
                previous = self._throughput
                self._throughput = (
                    sample if previous is None else previous + SMOOTHING * (sample - previous)
                )
                self._busy = self._audio = 0.0

    def _advance(self) -> None:
        now = self._clock()
        if self._running:
            self._busy += now - self._last_event
        self._last_event = now

    @property
    def throughput(self) -> float | None:
        """Seconds of audio per second of busy workers; None before any measurement."""
        return self._throughput

    @property
    def real_time_factor(self) -> float | None:
        """Busy seconds per second of audio (lower is faster)."""
        return None if not self._throughput else 1.0 / self._throughput

    @property
    def capacity_sessions(self) -> float:
        """Real-time streams the workers sustain, with headroom (0.0 before any measurement)."""
        return (self._throughput or 0.0) * UTILIZATION

    def admission_limit(self, ceiling: int) -> int:
        """Sessions to admit at once: what capacity allows, at least two, at most ``ceiling``."""
        estimate = math.floor(self.capacity_sessions)
        return max(1, min(ceiling, max(MIN_AUTO_SESSIONS, estimate)))

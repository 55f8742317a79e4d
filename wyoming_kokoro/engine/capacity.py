"""How many listeners the CPU keeps real-time: measured, not guessed.

The meter counts the wall time during which at least one inference runs ("busy") and the seconds
of audio those inferences produce. Audio per busy second is the engine's throughput: one
real-time stream needs 1.0, so the throughput is the number of streams the machine sustains. Time
spent on work thrown away (an interrupted attempt) counts as busy with no audio, as it should.
The estimate starts from a timed inference at warm-up and follows a moving average as the server
runs, so a slower machine or a busier neighbour lowers it. A warm-up on a busy machine (a package
install, another process) would otherwise hold the estimate low for as long as no traffic came to
correct it: while the server is quiet it times the same inference again ("idle probe"), soon and
often while the estimate moves, rarely once it holds.
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
#: No inference for this long: the server is quiet, an idle probe may run.
QUIET_SECONDS = 2.0
#: Between idle probes while the estimate moves (and from warm-up to the first probe).
PROBE_MIN_INTERVAL = 5.0
#: Between idle probes once it holds: one short inference now and then costs next to nothing.
PROBE_MAX_INTERVAL = 300.0
#: Weight of an idle probe in the estimate: one probe is one inference, so not all of it.
PROBE_WEIGHT = 0.5
#: A probe that moves the estimate less than this share finds it settled: probes slow down.
SETTLED_CHANGE = 0.1

#: How the estimate was last measured, as ``/health`` says.
WARM_UP = "warm-up"
SESSIONS = "sessions"
IDLE_PROBE = "idle probe"


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
        self._measured_by: str | None = None
        self._measured_at = clock()
        self._probes = 0
        self._probe_interval = PROBE_MIN_INTERVAL
        self._next_probe_at = clock() + PROBE_MIN_INTERVAL

    def seed(self, audio_seconds: float, busy_seconds: float) -> None:
        """Start the estimate from one measured inference (warm-up)."""
        if audio_seconds > 0 and busy_seconds > 0:
            with self._lock:
                self._throughput = audio_seconds / busy_seconds
                self._measured(WARM_UP)
                self._next_probe_at = self._measured_at + PROBE_MIN_INTERVAL

    def probe_due(self) -> bool:
        """Quiet for :data:`QUIET_SECONDS` and the next idle probe's time has come."""
        with self._lock:
            now = self._clock()
            return (
                not self._running
                and now - self._last_event >= QUIET_SECONDS
                and now >= self._next_probe_at
            )

    def probed(self, audio_seconds: float, busy_seconds: float) -> None:
        """An idle probe produced ``audio_seconds`` in ``busy_seconds``."""
        if audio_seconds <= 0 or busy_seconds <= 0:
            return
        with self._lock:
            sample = audio_seconds / busy_seconds
            previous = self._throughput
            if previous is None:
                self._throughput, change = sample, 1.0
            else:
                self._throughput = previous + PROBE_WEIGHT * (sample - previous)
                change = abs(self._throughput - previous) / previous
            self._probe_interval = (
                PROBE_MIN_INTERVAL
                if change > SETTLED_CHANGE
                else min(PROBE_MAX_INTERVAL, 2 * self._probe_interval)
            )
            self._probes += 1
            self._measured(IDLE_PROBE)
            self._next_probe_at = self._measured_at + self._probe_interval

    def _measured(self, how: str) -> None:
        self._measured_by = how
        self._measured_at = self._clock()

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
                self._measured(SESSIONS)

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

    def report(self) -> dict[str, str | int | float | None]:
        """How the estimate was measured, for ``/health``."""
        with self._lock:
            now = self._clock()
            return {
                "capacity_sessions": round(self.capacity_sessions, 2),
                "measured_by": self._measured_by,
                "measured_seconds_ago": round(now - self._measured_at, 1),
                "idle_probes": self._probes,
                "next_idle_probe_seconds": round(max(0.0, self._next_probe_at - now), 1),
            }

    def admission_limit(self, ceiling: int) -> int:
        """Sessions to admit at once: what capacity allows, at least two, at most ``ceiling``."""
        estimate = math.floor(self.capacity_sessions)
        return max(1, min(ceiling, max(MIN_AUTO_SESSIONS, estimate)))

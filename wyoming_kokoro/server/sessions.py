"""Admission and accounting of sessions, shared by every door of the live port.

One registry per application: it refuses a session when ``max_sessions`` are open (whatever
their door), counts open sessions by door for ``/health``, and reports each session's outcome,
first audio, audio produced and real-time factor to :class:`~.metrics.Metrics`. A session ends
exactly once, as one outcome. While the process drains (``drain()``), it admits nothing.

A protocol 2 connection speaks several contexts at once, each as costly as a session: every
context beyond its first takes a slot of its own (``reserve``), counted and refused exactly as
a session is, so ``/ready``, ``/health``, ``/metrics`` and the automatic limit see them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable

from .metrics import Metrics
from .protocol import BusyError, GoingAwayError

COMPLETED = "completed"
CLIENT_ERROR = "client_error"
FAILED = "failed"
DISCONNECTED = "disconnected"


class Session:
    """One admitted session: what its door tells the registry while it runs."""

    def __init__(self, door: str, metrics: Metrics) -> None:
        self.door = door
        self._metrics = metrics
        self.started = time.monotonic()
        self.text_at: float | None = None
        self.first_audio_at: float | None = None
        self.last_audio_at: float | None = None
        self.audio_seconds = 0.0
        #: How it ended; None until the door (or the registry) says.
        self.outcome: str | None = None

    def text_received(self) -> None:
        """Text arrived: the first call starts the time-to-first-audio clock."""
        if self.text_at is None:
            self.text_at = time.monotonic()

    def audio_sent(self, seconds: float) -> None:
        """``seconds`` of audio went to the client."""
        now = time.monotonic()
        if self.first_audio_at is None:
            self.first_audio_at = now
            self._metrics.first_audio(self.door, now - (self.text_at or self.started))
        self.last_audio_at = now
        self.audio_seconds += seconds
        self._metrics.audio_produced(self.door, seconds)

    def client_error(self, kind: str) -> None:
        """The session ends on the client's mistake (a limit, a bad request, a timeout)."""
        self._end(CLIENT_ERROR, kind)

    def failed(self, kind: str) -> None:
        """The session ends on a server fault."""
        self._end(FAILED, kind)

    def disconnected(self) -> None:
        """The client went away before the end."""
        if self.outcome is None:
            self.outcome = DISCONNECTED

    def _end(self, outcome: str, kind: str) -> None:
        if self.outcome is None:
            self.outcome = outcome
            self._metrics.error(self.door, kind)

    def unplayed_seconds(self) -> float:
        """Audio sent that a listener playing from the first chunk in real time has not played
        yet: how long it may still take to read to the end."""
        if self.first_audio_at is None:
            return 0.0
        return max(0.0, self.audio_seconds - (time.monotonic() - self.first_audio_at))

    def real_time_factor(self) -> float | None:
        """Wall-clock seconds from the first text to the last audio per second of audio."""
        if self.last_audio_at is None or self.audio_seconds <= 0:
            return None
        return (self.last_audio_at - (self.text_at or self.started)) / self.audio_seconds


class Sessions:
    """The open sessions of one application, by door, within the admission limit.

    The limit is asked for at each admission (``Engine.admission_limit``): with
    ``--max-sessions auto`` it follows the capacity the engine measures as it runs.
    """

    def __init__(self, admission_limit: Callable[[], int], metrics: Metrics) -> None:
        self._admission_limit = admission_limit
        self._metrics = metrics
        self._open: Counter[str] = Counter()
        #: Ended sessions by outcome (every door together).
        self.outcomes: Counter[str] = Counter()
        #: The process is shutting down: no new session, on any door.
        self.draining = False
        #: Set when the drain starts, for sessions that only end when told (protocol 2
        #: connections leave once their contexts have ended).
        self.drain_started = asyncio.Event()

    @property
    def max_sessions(self) -> int:
        """Sessions admitted at once, now."""
        return self._admission_limit()

    @property
    def sessions(self) -> int:
        """Sessions open now, every door together."""
        return sum(self._open.values())

    def by_door(self) -> dict[str, int]:
        """Sessions open now, by door."""
        return {door: count for door, count in self._open.items() if count}

    @property
    def full(self) -> bool:
        """At the admission limit: the next session would be refused as busy."""
        return self.sessions >= self.max_sessions

    def drain(self) -> None:
        """Admit no new session from now on (sessions open run to their end)."""
        self.draining = True
        self.drain_started.set()

    def open_in(self, door: str) -> int:
        """Sessions open now through ``door``."""
        return self._open[door]

    def _admit(self, door: str) -> None:
        """Count one more session of ``door``, or raise why not (draining, full)."""
        if self.draining:
            raise GoingAwayError(
                "Server shutting down: it takes no new session; connect again to reach another"
            )
        limit = self.max_sessions
        if self.sessions >= limit:
            self._metrics.refused_busy(door)
            raise BusyError(f"Server busy: {limit} sessions already open; try again")
        self._open[door] += 1
        self._metrics.session_started(door)

    def reserve(self, door: str) -> Callable[[], None]:
        """One more slot for a session already admitted (a protocol 2 connection's further
        context); returns its release. Raises as :meth:`session` does when there is no room."""
        self._admit(door)
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self._open[door] -= 1
                self._metrics.slot_released(door)

        return release

    @contextlib.asynccontextmanager
    async def session(self, door: str) -> AsyncIterator[Session]:
        """Admit one session of ``door`` for the ``async with`` block.

        Raises :class:`~.protocol.BusyError` (nothing admitted) when the server is full,
        :class:`~.protocol.GoingAwayError` (a ``BusyError``) when it is draining. An
        exception leaving the block ends the session as failed (``CancelledError``:
        disconnected) unless the door already said how it ended.
        """
        self._admit(door)
        session = Session(door, self._metrics)
        try:
            yield session
        except asyncio.CancelledError:
            session.disconnected()
            raise
        except Exception:
            session.failed("internal")
            raise
        finally:
            self._open[door] -= 1
            outcome = session.outcome or COMPLETED
            self.outcomes[outcome] += 1
            self._metrics.session_ended(door, outcome)
            rtf = session.real_time_factor()
            if rtf is not None:
                self._metrics.real_time_factor(door, rtf)

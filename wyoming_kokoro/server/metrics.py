"""Prometheus metrics of one application (``GET /metrics``), in its own registry.

A registry per application, not the process-wide default, so that several servers in one
process (the tests, the benchmark) each count only their own sessions. The doors call the small
methods below; the engine's queue is read at scrape time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

#: The doors known at start, exported at zero before their first session.
KNOWN_DOORS = ("live", "buffered")

#: What the exposition is served as.
CONTENT_TYPE = CONTENT_TYPE_LATEST

_FIRST_AUDIO_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
_RTF_BUCKETS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 5.0)


EngineStats = Mapping[str, int | float | None]

#: Engine counters exported as gauges: stats key, metric name, help.
_ENGINE_GAUGES = (
    ("queued_segments", "kokoro_queued_segments", "Segments waiting for an inference worker"),
    ("running_segments", "kokoro_running_segments", "Segments being synthesized now"),
    (
        "capacity_sessions",
        "kokoro_capacity_sessions",
        "Real-time streams the engine can sustain, as measured (with headroom)",
    ),
    ("admission_limit", "kokoro_admission_limit", "Sessions admitted at once now"),
)


class _EngineGauges(Collector):
    """The engine's queue and capacity as gauges, read when scraped (nothing on the hot path)."""

    def __init__(self, stats: Callable[[], EngineStats]) -> None:
        self._stats = stats

    def collect(self) -> Iterable[Metric]:
        stats = self._stats()
        gauges = []
        for key, name, documentation in _ENGINE_GAUGES:
            value = stats.get(key)
            if value is None:
                continue
            gauge = GaugeMetricFamily(name, documentation)
            gauge.add_metric([], float(value))
            gauges.append(gauge)
        return gauges


class Metrics:
    """What the doors report; ``exposition()`` is the text ``/metrics`` serves."""

    def __init__(self, engine_stats: Callable[[], EngineStats] | None = None) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self._first_audio = Histogram(
            "kokoro_time_to_first_audio_seconds",
            "Time from a session's first text to its first audio",
            ["door"],
            buckets=_FIRST_AUDIO_BUCKETS,
            registry=registry,
        )
        self._rtf = Histogram(
            "kokoro_real_time_factor",
            "Per session: wall-clock seconds from the first text to the last audio, "
            "per second of audio produced",
            ["door"],
            buckets=_RTF_BUCKETS,
            registry=registry,
        )
        self._audio = Counter(
            "kokoro_audio_seconds", "Seconds of audio produced", ["door"], registry=registry
        )
        self._active = Gauge(
            "kokoro_active_sessions",
            "Sessions open now (each protocol 2 context speaking beside another counts as one)",
            ["door"],
            registry=registry,
        )
        self._sessions = Counter(
            "kokoro_sessions",
            "Sessions ended, by how they ended (completed, client_error, failed, disconnected)",
            ["door", "outcome"],
            registry=registry,
        )
        self._busy = Counter(
            "kokoro_sessions_refused_busy",
            "Sessions refused because the server was full",
            ["door"],
            registry=registry,
        )
        self._errors = Counter(
            "kokoro_errors",
            "Errors answered to clients, by kind",
            ["door", "kind"],
            registry=registry,
        )
        self._contexts = Counter(
            "kokoro_contexts",
            "Protocol 2 contexts ended, by how they ended "
            "(completed, cancelled, failed, refused, disconnected)",
            ["outcome"],
            registry=registry,
        )
        self._auth_refused = Counter(
            "kokoro_auth_refused",
            "Requests and sessions refused for a missing or wrong API key",
            ["door"],
            registry=registry,
        )
        for door in KNOWN_DOORS:
            self._auth_refused.labels(door)
            self._active.labels(door)
            self._busy.labels(door)
            self._audio.labels(door)
        if engine_stats is not None:
            registry.register(_EngineGauges(engine_stats))

    def session_started(self, door: str) -> None:
        """A session was admitted."""
        self._active.labels(door).inc()

    def session_ended(self, door: str, outcome: str) -> None:
        """A session ended: ``completed``, ``client_error``, ``failed`` or ``disconnected``."""
        self._active.labels(door).dec()
        self._sessions.labels(door, outcome).inc()

    def slot_released(self, door: str) -> None:
        """A slot reserved beyond a session's own (a protocol 2 context) was given back."""
        self._active.labels(door).dec()

    def context_ended(self, outcome: str) -> None:
        """A protocol 2 context ended: ``completed``, ``cancelled``, ``failed``, ``refused``
        or ``disconnected``."""
        self._contexts.labels(outcome).inc()

    def first_audio(self, door: str, seconds: float) -> None:
        """A session's first audio came ``seconds`` after its first text."""
        self._first_audio.labels(door).observe(seconds)

    def audio_produced(self, door: str, seconds: float) -> None:
        """``seconds`` of audio were handed to a client."""
        self._audio.labels(door).inc(seconds)

    def real_time_factor(self, door: str, value: float) -> None:
        """One session's real-time factor (see the metric's help)."""
        self._rtf.labels(door).observe(value)

    def refused_busy(self, door: str) -> None:
        """A session was refused: the server was full."""
        self._busy.labels(door).inc()

    def auth_refused(self, door: str) -> None:
        """A request or session on ``door`` was refused: no valid API key."""
        self._auth_refused.labels(door).inc()

    def error(self, door: str, kind: str) -> None:
        """An error of ``kind`` was answered (``limit``, ``invalid_request``, ``internal``...)."""
        self._errors.labels(door, kind).inc()

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return generate_latest(self.registry)

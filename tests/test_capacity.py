"""The capacity meter: throughput from busy time, its moving average, the admission limit."""

from __future__ import annotations

from wyoming_kokoro.engine.capacity import MIN_AUTO_SESSIONS, UTILIZATION, CapacityMeter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_overlapping_inferences_count_busy_wall_time_once() -> None:
    clock = Clock()
    meter = CapacityMeter(clock)
    meter.started()
    meter.started()  # two at once on two workers
    clock.now = 2.0
    meter.finished(10.0)
    meter.finished(10.0)  # 20 s of audio in 2 busy seconds
    assert meter.throughput == 10.0
    assert meter.real_time_factor == 0.1
    assert meter.capacity_sessions == 10.0 * UTILIZATION


def test_idle_time_does_not_count_and_interrupted_work_does() -> None:
    clock = Clock()
    meter = CapacityMeter(clock)
    meter.seed(audio_seconds=4.0, busy_seconds=1.0)
    meter.started()
    clock.now = 1.0
    meter.finished(0.0)  # interrupted: busy, no audio
    clock.now = 100.0  # idle
    meter.started()
    clock.now = 101.0
    meter.finished(4.0)
    # 4 s of audio over 2 busy seconds: a sample of 2.0 moves the average from 4.0.
    assert meter.throughput is not None
    assert 2.0 < meter.throughput < 4.0


def test_admission_follows_capacity_between_two_and_the_ceiling() -> None:
    meter = CapacityMeter()
    assert meter.admission_limit(16) == MIN_AUTO_SESSIONS  # nothing measured yet
    meter.seed(audio_seconds=10.0, busy_seconds=1.0)  # 10 streams, 8 with headroom
    assert meter.admission_limit(16) == 8
    assert meter.admission_limit(5) == 5
    meter.seed(audio_seconds=1.0, busy_seconds=1.0)
    assert meter.admission_limit(16) == MIN_AUTO_SESSIONS
    assert meter.admission_limit(1) == 1

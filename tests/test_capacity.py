"""The capacity meter: throughput from busy time, its moving average, the admission limit."""

from __future__ import annotations

from wyoming_kokoro.engine.capacity import (
    IDLE_PROBE,
    MIN_AUTO_SESSIONS,
    PROBE_MIN_INTERVAL,
    QUIET_SECONDS,
    SAMPLE_BUSY_SECONDS,
    SESSIONS,
    UTILIZATION,
    WARM_UP,
    CapacityMeter,
)


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


def test_idle_probes_come_when_quiet_and_slow_down_once_the_estimate_holds() -> None:
    clock = Clock()
    meter = CapacityMeter(clock)
    meter.seed(audio_seconds=2.0, busy_seconds=1.0)  # warm-up on a busy machine
    assert meter.report()["measured_by"] == WARM_UP
    assert not meter.probe_due()  # too soon after warm-up
    clock.now = PROBE_MIN_INTERVAL
    assert meter.probe_due()
    meter.started()  # a session's inference: not quiet
    assert not meter.probe_due()
    clock.now += 1.0
    meter.finished(1.0)
    assert not meter.probe_due()
    clock.now += QUIET_SECONDS
    assert meter.probe_due()

    # The quiet machine is four times faster: the estimate climbs within a few probes, soon
    # after one another while it moves.
    intervals = []
    for _ in range(8):
        before = clock.now
        meter.probed(audio_seconds=8.0, busy_seconds=1.0)
        while not meter.probe_due():
            clock.now += 1.0
        intervals.append(clock.now - before)
    assert meter.throughput is not None and meter.throughput > 7.5
    assert intervals[:3] == [PROBE_MIN_INTERVAL] * 3
    assert intervals[-1] > 4 * PROBE_MIN_INTERVAL  # settled: probes grow rare
    report = meter.report()
    assert report["measured_by"] == IDLE_PROBE and report["idle_probes"] == 8
    assert meter.admission_limit(16) == 6  # 8 streams less headroom, from 2 at warm-up

    # A busier neighbour arrives: probes find it and the estimate falls, probing often again.
    meter.probed(audio_seconds=2.0, busy_seconds=1.0)
    assert meter.throughput is not None and meter.throughput < 6
    assert meter.report()["next_idle_probe_seconds"] == PROBE_MIN_INTERVAL


def test_sessions_measure_too_and_say_so() -> None:
    clock = Clock()
    meter = CapacityMeter(clock)
    meter.seed(audio_seconds=4.0, busy_seconds=1.0)
    meter.started()
    clock.now = SAMPLE_BUSY_SECONDS
    meter.finished(3 * SAMPLE_BUSY_SECONDS)
    assert meter.report()["measured_by"] == SESSIONS
    clock.now += 10
    assert meter.report()["measured_seconds_ago"] == 10.0
    meter.probed(audio_seconds=0.0, busy_seconds=1.0)  # interrupted: nothing measured
    assert meter.report()["measured_by"] == SESSIONS

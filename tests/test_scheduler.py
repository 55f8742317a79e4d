"""The inference scheduler: urgency order, cancellation, failures, shutdown."""

from __future__ import annotations

import asyncio
import threading

import pytest

from wyoming_kokoro.engine.scheduler import (
    InferenceScheduler,
    JobCancelledError,
    SchedulerClosedError,
)


def blocker(scheduler: InferenceScheduler) -> threading.Event:
    """Occupy the single worker until the returned event is set."""
    release = threading.Event()
    started = threading.Event()

    def hold() -> None:
        started.set()
        release.wait(10)

    scheduler.submit(hold, first=True, deadline=0)
    assert started.wait(10)
    return release


def test_first_segments_go_before_later_ones_then_earliest_deadline() -> None:
    scheduler = InferenceScheduler(workers=1)
    order: list[str] = []
    release = blocker(scheduler)
    futures = [
        scheduler.submit(lambda: order.append("late b"), first=False, deadline=20.0),
        scheduler.submit(lambda: order.append("late a"), first=False, deadline=10.0),
        scheduler.submit(lambda: order.append("first 1"), first=True, deadline=30.0),
        scheduler.submit(lambda: order.append("first 2"), first=True, deadline=30.0),
    ]
    release.set()
    for future in futures:
        future.result(10)
    assert order == ["first 1", "first 2", "late a", "late b"]
    scheduler.close()


def test_cancelled_jobs_never_run_and_are_counted() -> None:
    scheduler = InferenceScheduler(workers=1)
    ran: list[int] = []
    release = blocker(scheduler)
    dropped = scheduler.submit(lambda: ran.append(1), first=False, deadline=1.0)
    kept = scheduler.submit(lambda: ran.append(2), first=False, deadline=2.0)
    assert scheduler.queued == 2
    dropped.cancel()
    assert scheduler.queued == 1
    release.set()
    kept.result(10)
    assert ran == [2]
    assert scheduler.stats.cancelled == 1
    scheduler.close()


async def test_cancelling_the_awaiting_task_drops_the_job() -> None:
    scheduler = InferenceScheduler(workers=1)
    ran: list[int] = []
    release = blocker(scheduler)
    task = asyncio.create_task(scheduler.run(lambda: ran.append(1), first=False, deadline=1.0))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    await asyncio.to_thread(scheduler.close)
    assert ran == []


async def test_failures_reach_the_caller_and_workers_survive() -> None:
    scheduler = InferenceScheduler(workers=1)

    def boom() -> int:
        raise ValueError("bad phonemes")

    with pytest.raises(ValueError, match="bad phonemes"):
        await scheduler.run(boom, first=True, deadline=0)
    assert await scheduler.run(lambda: 42, first=True, deadline=0) == 42
    assert scheduler.stats.failed == 1
    scheduler.close()


def test_close_joins_workers_and_refuses_new_work() -> None:
    scheduler = InferenceScheduler(workers=2, name="test-close")
    scheduler.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("test-close")]
    with pytest.raises(SchedulerClosedError):
        scheduler.submit(lambda: None, first=True, deadline=0)


async def test_cancelling_a_running_job_interrupts_it() -> None:
    scheduler = InferenceScheduler(workers=1)
    started = threading.Event()
    stop = threading.Event()

    def long_job() -> str:
        started.set()
        if stop.wait(10):
            raise JobCancelledError
        return "finished"

    task = asyncio.create_task(scheduler.run(long_job, first=True, deadline=0, interrupt=stop.set))
    assert await asyncio.to_thread(started.wait, 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.to_thread(scheduler.close)
    assert scheduler.stats.cancelled == 1
    assert scheduler.stats.completed == 0
    assert scheduler.stats.running == 0


def test_nothing_but_another_first_segment_starts_beside_a_first_segment() -> None:
    scheduler = InferenceScheduler(workers=2)
    release = threading.Event()
    started = {name: threading.Event() for name in ("first a", "later", "first b")}

    def job(name: str) -> None:
        started[name].set()
        release.wait(10)

    first_a = scheduler.submit(lambda: job("first a"), first=True, deadline=0)
    assert started["first a"].wait(10)
    later = scheduler.submit(lambda: job("later"), first=False, deadline=0)
    assert not started["later"].wait(0.3), "a later segment started beside a first one"
    first_b = scheduler.submit(lambda: job("first b"), first=True, deadline=1)
    assert started["first b"].wait(10), "a second first segment waits needlessly"
    release.set()
    for future in (first_a, first_b, later):
        future.result(10)
    assert started["later"].is_set()
    scheduler.close()


def test_later_segments_run_two_at_a_time() -> None:
    scheduler = InferenceScheduler(workers=2)
    release = threading.Event()
    running = threading.Semaphore(0)

    def job() -> None:
        running.release()
        release.wait(10)

    futures = [scheduler.submit(job, first=False, deadline=n) for n in range(3)]
    assert running.acquire(timeout=10)
    assert running.acquire(timeout=10)
    assert not running.acquire(timeout=0.3), "more jobs at once than workers"
    release.set()
    for future in futures:
        future.result(10)
    scheduler.close()


class Interruptible:
    """A later segment that runs until released, stopping early when interrupted."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.started = threading.Semaphore(0)
        self.attempts = 0
        self.resets = 0

    def work(self, release: threading.Event) -> str:
        self.attempts += 1
        self.started.release()
        while not release.wait(0.01):
            if self.stop.is_set():
                raise JobCancelledError
        return "done"

    def reset(self) -> None:
        self.resets += 1
        self.stop.clear()


@pytest.mark.parametrize("preempt", [True, False])
def test_a_first_segment_interrupts_the_later_segment_needed_last(preempt: bool) -> None:
    scheduler = InferenceScheduler(workers=2, preempt=preempt)
    release = threading.Event()
    soon, late = Interruptible(), Interruptible()
    later = [
        scheduler.submit(
            lambda job=job: job.work(release),  # type: ignore[misc]
            first=False,
            deadline=deadline,
            interrupt=job.stop.set,
            reset=job.reset,
        )
        for job, deadline in ((soon, 1.0), (late, 9.0))
    ]
    assert soon.started.acquire(timeout=10)
    assert late.started.acquire(timeout=10)
    first_ran = threading.Event()
    first = scheduler.submit(first_ran.set, first=True, deadline=20.0)
    assert first_ran.wait(2) is preempt, "a first segment waits for a whole later one"
    release.set()
    first.result(10)
    assert [future.result(10) for future in later] == ["done", "done"]
    # Only the segment whose listener needs it last was run again, and only then.
    assert (soon.attempts, late.attempts, late.resets) == (1, 2, 1) if preempt else (1, 1, 0)
    assert scheduler.stats.preempted == (1 if preempt else 0)
    assert scheduler.stats.completed == 3
    scheduler.close()


async def test_a_reader_leaving_while_its_interrupted_job_waits_drops_it() -> None:
    scheduler = InferenceScheduler(workers=1)
    hold = threading.Event()
    victim = Interruptible()
    task = asyncio.create_task(
        scheduler.run(
            lambda: victim.work(hold),
            first=False,
            deadline=1,
            interrupt=victim.stop.set,
            reset=victim.reset,
        )
    )
    assert await asyncio.to_thread(victim.started.acquire, True, 10)
    blocking = threading.Event()
    first = scheduler.submit(lambda: blocking.wait(10), first=True, deadline=0)
    for _ in range(200):
        if scheduler.stats.preempted:
            break
        await asyncio.sleep(0.01)
    assert scheduler.queued == 1  # the interrupted job waits again
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert scheduler.queued == 0
    blocking.set()
    first.result(10)
    await asyncio.to_thread(scheduler.close)
    assert victim.attempts == 1
    assert scheduler.stats.running == 0
    assert scheduler.stats.cancelled == 1

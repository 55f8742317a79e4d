"""Share the CPU between sessions: blocking inference jobs on worker threads, most urgent first.

Urgency is ``(not first segment, deadline, arrival)``: a session's first segment beats every later
segment of any session (that is the time to first audio), and among the rest the job whose listener
runs out of audio soonest goes first. A first segment that finds every worker busy with later
segments does not wait for one to finish a whole sentence: the running later segment whose listener
needs it last is interrupted and queued again (once per job, so the work thrown away is bounded).
Jobs of a vanished reader are dropped before they run and interrupted while they run.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(order=True)
class _Job(Generic[T]):
    priority: tuple[int, float, int]
    work: Callable[[], T] = field(compare=False)
    future: Future[T] = field(compare=False)
    #: Stops the running attempt early (it then raises JobCancelledError).
    interrupt: Callable[[], None] | None = field(default=None, compare=False)
    #: Readies the job for another attempt after it was interrupted to make room.
    reset: Callable[[], None] | None = field(default=None, compare=False)
    started: bool = field(default=False, compare=False)
    abandoned: bool = field(default=False, compare=False)
    preempted: bool = field(default=False, compare=False)
    may_preempt: bool = field(default=True, compare=False)

    @property
    def first(self) -> bool:
        return self.priority[0] == 0

    @property
    def preemptible(self) -> bool:
        return (
            not self.first
            and self.may_preempt
            and self.interrupt is not None
            and self.reset is not None
        )


@dataclass
class SchedulerStats:
    """Counters for health checks, benchmarks and tests."""

    completed: int = 0
    cancelled: int = 0
    failed: int = 0
    running: int = 0
    preempted: int = 0


class SchedulerClosedError(RuntimeError):
    """The scheduler was shut down; no more work is taken."""


class JobCancelledError(Exception):
    """Raised by a job that stopped early because it was interrupted."""


class InferenceScheduler:
    """A priority queue in front of a fixed set of worker threads.

    ``preempt`` lets a first segment interrupt a running later one when every worker is busy;
    off, it waits for a worker to finish (the engine's choice: ``PREEMPT_FOR_FIRST_SEGMENTS``).
    """

    def __init__(self, workers: int = 1, name: str = "kokoro-infer", preempt: bool = True) -> None:
        self._heap: list[_Job[Any]] = []
        self._running: list[_Job[Any]] = []
        self._lock = threading.Condition()
        self._sequence = itertools.count()
        self._closed = False
        self._workers = workers
        self.preempt = preempt
        self.stats = SchedulerStats()
        self._threads = [
            threading.Thread(target=self._worker, name=f"{name}-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def queued(self) -> int:
        """Jobs waiting for a worker."""
        with self._lock:
            return sum(1 for job in self._heap if not job.abandoned)

    def submit(
        self,
        work: Callable[[], T],
        *,
        first: bool,
        deadline: float,
        interrupt: Callable[[], None] | None = None,
        reset: Callable[[], None] | None = None,
    ) -> Future[T]:
        """Queue ``work``; cancel the returned future to drop it if it has not started.

        A later segment given both ``interrupt`` and ``reset`` may be interrupted to make room for
        a first segment, then reset and run again.
        """
        future: Future[T] = Future()
        job = _Job((0 if first else 1, deadline, next(self._sequence)), work, future)
        job.interrupt, job.reset = interrupt, reset
        future.add_done_callback(lambda done: self._cancelled(job) if done.cancelled() else None)
        with self._lock:
            if self._closed:
                raise SchedulerClosedError("The engine is shutting down")
            heapq.heappush(self._heap, job)
            if first:
                self._make_room()
            self._lock.notify()
        return future

    async def run(
        self,
        work: Callable[[], T],
        *,
        first: bool,
        deadline: float,
        interrupt: Callable[[], None] | None = None,
        reset: Callable[[], None] | None = None,
    ) -> T:
        """Run ``work`` on a worker.

        Cancelling the awaiting task drops the job if it has not started, and calls
        ``interrupt`` if it has (the job should then stop early with JobCancelledError).
        """
        future = self.submit(work, first=first, deadline=deadline, interrupt=interrupt, reset=reset)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            if not future.cancel():
                self._abandon(future)
            raise

    def close(self) -> None:
        """Drop queued jobs, let running ones finish, and join the workers."""
        with self._lock:
            self._closed = True
            for job in self._heap:
                job.abandoned = True
                if job.started:
                    job.future.set_exception(SchedulerClosedError("The engine is shutting down"))
                else:
                    job.future.cancel()
            self._heap.clear()
            self._lock.notify_all()
        for thread in self._threads:
            thread.join(timeout=30)

    # -- internals (under self._lock unless said otherwise) ---------------------------------

    def _cancelled(self, job: _Job[Any]) -> None:
        """The future was cancelled before the job started: it will be skipped."""
        job.abandoned = True

    def _abandon(self, future: Future[Any]) -> None:
        """The reader is gone while its job runs, or waits again after an interruption."""
        with self._lock:
            for job in [*self._running, *self._heap]:
                if job.future is future:
                    job.abandoned = True
                    if job in self._running and job.interrupt is not None:
                        job.interrupt()

    def _make_room(self) -> None:
        """Interrupt the later segment needed last if no worker is free for a first segment."""
        if not self.preempt or len(self._running) < self._workers:
            return
        victims = [job for job in self._running if job.preemptible and not job.preempted]
        if not victims:
            return
        victim = max(victims, key=lambda job: job.priority)
        victim.preempted = True
        assert victim.interrupt is not None
        victim.interrupt()

    def _may_start(self, job: _Job[Any]) -> bool:
        """A first segment is time to first audio: while one runs, only another first starts."""
        return job.first or not any(running.first for running in self._running)

    def _next_job(self) -> _Job[Any] | None:
        with self._lock:
            while True:
                while self._heap and self._may_start(self._heap[0]):
                    job = heapq.heappop(self._heap)
                    if job.abandoned:
                        self._drop(job)
                        continue
                    if job.started or job.future.set_running_or_notify_cancel():
                        job.started = True
                        self.stats.running += 1
                        self._running.append(job)
                        return job
                    self.stats.cancelled += 1
                if self._closed:
                    return None
                self._lock.wait()

    def _drop(self, job: _Job[Any]) -> None:
        self.stats.cancelled += 1
        if job.started:  # its future is running: it must still be completed
            job.future.set_exception(JobCancelledError())

    def _worker(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                result = job.work()
            except JobCancelledError as error:
                if not self._requeued(job):
                    self._finished(job, "cancelled")
                    job.future.set_exception(error)
            except BaseException as error:  # handed to the awaiting session, which reports it
                self._finished(job, "failed")
                job.future.set_exception(error)
            else:
                self._finished(job, "completed")
                job.future.set_result(result)

    def _requeued(self, job: _Job[Any]) -> bool:
        """An attempt interrupted to make room goes back in the queue, unless its reader left."""
        with self._lock:
            if not job.preempted or job.abandoned or self._closed:
                return False
            self._running.remove(job)
            self.stats.running -= 1
            self.stats.preempted += 1
            job.preempted = False
            job.may_preempt = False
            assert job.reset is not None
            job.reset()
            heapq.heappush(self._heap, job)
            self._lock.notify_all()
            return True

    def _finished(self, job: _Job[Any], outcome: str) -> None:
        with self._lock:
            self._running.remove(job)
            self.stats.running -= 1
            setattr(self.stats, outcome, getattr(self.stats, outcome) + 1)
            self._lock.notify_all()  # a worker held back by a running first segment may go

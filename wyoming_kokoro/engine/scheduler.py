"""Share the CPU between sessions: blocking inference jobs on worker threads, most urgent first.

Urgency is ``(not first segment, deadline, arrival)``: a session's first segment beats every later
segment of any session (that is the time to first audio), and among the rest the job whose listener
runs out of audio soonest goes first. Jobs of a vanished reader are dropped before they run and
interrupted while they run.
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


@dataclass
class SchedulerStats:
    """Counters for health checks, benchmarks and tests."""

    completed: int = 0
    cancelled: int = 0
    failed: int = 0
    running: int = 0


class SchedulerClosedError(RuntimeError):
    """The scheduler was shut down; no more work is taken."""


class JobCancelledError(Exception):
    """Raised by a job that stopped early because its reader went away."""


class InferenceScheduler:
    """A priority queue in front of a fixed set of worker threads."""

    def __init__(self, workers: int = 1, name: str = "kokoro-infer") -> None:
        self._heap: list[_Job[Any]] = []
        self._lock = threading.Condition()
        self._sequence = itertools.count()
        self._closed = False
        self._running_first = 0
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
            return sum(1 for job in self._heap if not job.future.cancelled())

    def submit(self, work: Callable[[], T], *, first: bool, deadline: float) -> Future[T]:
        """Queue ``work``; cancel the returned future to drop it if it has not started."""
        future: Future[T] = Future()
        job = _Job((0 if first else 1, deadline, next(self._sequence)), work, future)
        with self._lock:
            if self._closed:
                raise SchedulerClosedError("The engine is shutting down")
            heapq.heappush(self._heap, job)
            self._lock.notify()
        return future

    async def run(
        self,
        work: Callable[[], T],
        *,
        first: bool,
        deadline: float,
        interrupt: Callable[[], None] | None = None,
    ) -> T:
        """Run ``work`` on a worker.

        Cancelling the awaiting task drops the job if it has not started, and calls
        ``interrupt`` if it has (the job should then stop early with JobCancelledError).
        """
        future = self.submit(work, first=first, deadline=deadline)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            if not future.cancel() and interrupt is not None:
                interrupt()
            raise

    def close(self) -> None:
        """Drop queued jobs, let running ones finish, and join the workers."""
        with self._lock:
            self._closed = True
            for job in self._heap:
                job.future.cancel()
            self._heap.clear()
            self._lock.notify_all()
        for thread in self._threads:
            thread.join(timeout=30)

    def _may_start(self, job: _Job[Any]) -> bool:
        """A first segment is time to first audio: while one runs, only another first starts."""
        return self._running_first == 0 or job.priority[0] == 0

    def _next_job(self) -> _Job[Any] | None:
        with self._lock:
            while True:
                while self._heap and self._may_start(self._heap[0]):
                    job = heapq.heappop(self._heap)
                    if job.future.set_running_or_notify_cancel():
                        self.stats.running += 1
                        self._running_first += job.priority[0] == 0
                        return job
                    self.stats.cancelled += 1
                if self._closed:
                    return None
                self._lock.wait()

    def _worker(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                result = job.work()
            except JobCancelledError as error:
                self._finished(job, "cancelled")
                job.future.set_exception(error)
            except BaseException as error:  # handed to the awaiting session, which reports it
                self._finished(job, "failed")
                job.future.set_exception(error)
            else:
                self._finished(job, "completed")
                job.future.set_result(result)

    def _finished(self, job: _Job[Any], outcome: str) -> None:
        with self._lock:
            self.stats.running -= 1
            self._running_first -= job.priority[0] == 0
            setattr(self.stats, outcome, getattr(self.stats, outcome) + 1)
            self._lock.notify_all()  # a worker held back by a running first segment may go

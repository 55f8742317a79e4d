"""Share the CPU between sessions: blocking inference jobs on worker threads, most urgent first.

Urgency is ``(not first segment, deadline, arrival)``: a session's first segment beats every later
segment of any session (that is the time to first audio), and among the rest the job whose listener
runs out of audio soonest goes first. Jobs of a vanished reader are cancelled before they run.
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


class SchedulerClosedError(RuntimeError):
    """The scheduler was shut down; no more work is taken."""


class InferenceScheduler:
    """A priority queue in front of a fixed set of worker threads."""

    def __init__(self, workers: int = 1, name: str = "kokoro-infer") -> None:
        self._heap: list[_Job[Any]] = []
        self._lock = threading.Condition()
        self._sequence = itertools.count()
        self._closed = False
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

    async def run(self, work: Callable[[], T], *, first: bool, deadline: float) -> T:
        """Run ``work`` on a worker; cancelling the awaiting task drops a job not yet started."""
        future = self.submit(work, first=first, deadline=deadline)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            future.cancel()
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

    def _next_job(self) -> _Job[Any] | None:
        with self._lock:
            while True:
                while self._heap:
                    job = heapq.heappop(self._heap)
                    if job.future.set_running_or_notify_cancel():
                        return job
                    self.stats.cancelled += 1
                if self._closed:
                    return None
                self._lock.wait()

    def _worker(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                result = job.work()
            except BaseException as error:  # handed to the awaiting session, which reports it
                with self._lock:
                    self.stats.failed += 1
                job.future.set_exception(error)
            else:
                with self._lock:
                    self.stats.completed += 1
                job.future.set_result(result)

"""Graceful drain: every door stops taking sessions, those in progress get time to finish.

``__main__`` calls :func:`drain` on SIGTERM (or SIGINT) with every running server; closing what
is left afterwards (1001 going away, a Wyoming ``error`` event) is each server's ``close()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Protocol

_LOGGER = logging.getLogger(__name__)

#: How often a drain checks whether the sessions in progress have ended.
POLL_SECONDS = 0.05


class Drainable(Protocol):
    """A server that can stop taking sessions and say how many are still in progress."""

    def drain(self) -> None:
        """Take no new session from now on."""

    @property
    def in_progress(self) -> int:
        """Sessions not finished yet."""


def _in_progress(servers: Sequence[Drainable]) -> int:
    return sum(server.in_progress for server in servers)


async def drain(
    servers: Sequence[Drainable], seconds: float, force: asyncio.Event | None = None
) -> int:
    """Drain ``servers``; wait up to ``seconds`` (or until ``force`` is set) for their sessions
    to end. Returns how many were still in progress at the end."""
    for server in servers:
        server.drain()
    if not (count := _in_progress(servers)):
        _LOGGER.info("Shutting down: no session in progress")
        return 0
    _LOGGER.info(
        "Draining: %d sessions in progress may take up to %g s (--drain-timeout) to finish",
        count,
        seconds,
    )
    forced = force or asyncio.Event()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            # The doors' counters have no events to wait on: poll them.
            while _in_progress(servers) and not forced.is_set():  # noqa: ASYNC110
                await asyncio.sleep(POLL_SECONDS)
    if left := _in_progress(servers):
        _LOGGER.warning("Drain over: closing %d sessions still in progress (going away)", left)
    else:
        _LOGGER.info("Drained: every session finished")
    return left

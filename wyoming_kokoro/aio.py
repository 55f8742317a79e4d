"""Async iteration helpers shared by the servers and the client (standard library only)."""

from __future__ import annotations

from collections.abc import AsyncIterator


async def once(text: str) -> AsyncIterator[str]:
    """``text`` as a stream of one piece: a whole text where a stream of pieces is expected."""
    yield text

"""A one-shot stream of text pieces, recorded so that a retried session can send it again.

A voicebot's text comes from an async iterator that can be read once (an LLM's tokens). When a
session is cut off before any audio played, the client retries on a fresh connection: the new
session must get every piece the old one had sent, then the rest as it arrives. Standard library
only (the client side imports no model stack).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator


class TextTape:
    """Reads ``source`` once, in a task of its own; each :meth:`replay` yields every piece from
    the first, waiting for more until the source ends (or raises, which each replay raises)."""

    def __init__(self, source: AsyncIterable[str]) -> None:
        self._source = source
        self._pieces: list[str] = []
        self._ended = False
        self._error: BaseException | None = None
        self._changed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def _read(self) -> None:
        try:
            async for piece in self._source:
                self._pieces.append(piece)
                self._wake()
        except Exception as error:
            self._error = error
        finally:
            self._ended = True
            self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def replay(self) -> AsyncIterator[str]:
        """Every piece so far, then each new one; the source's error at its place."""
        if self._reader is None:
            # Read in a task: cancelling one replay must not cancel (and so end) the source.
            self._reader = asyncio.create_task(self._read())
        index = 0
        while True:
            if index < len(self._pieces):
                index += 1
                yield self._pieces[index - 1]
            elif self._ended:
                if self._error is not None:
                    raise self._error
                return
            else:
                await self._changed.wait()

    async def aclose(self) -> None:
        """Stop reading the source."""
        if self._reader is not None and not self._reader.done():
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

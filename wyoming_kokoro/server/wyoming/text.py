"""A Wyoming request's text as the engine reads it, and its audio cut into fixed-size chunks."""

from __future__ import annotations

import asyncio

from ...engine import InvalidRequestError


class TextPieces:
    """The text of one request, read by the engine as it arrives: pieces until :meth:`end`.

    The text limit counts what the client sent, as it arrives: text past the limit is
    dropped at once (never queued), and the engine reading on meets the limit's error after
    the text before it. A plain async iterator rather than a generator, so that the engine
    closing its stream early (an error) leaves it usable for :meth:`wait_end`.
    """

    def __init__(self, max_chars: int) -> None:
        self._queue: asyncio.Queue[str | InvalidRequestError | None] = asyncio.Queue()
        self._ended = False
        self._max_chars = max_chars
        self._chars = 0
        self._over = False

    def put(self, text: str) -> None:
        """Append a piece (any cut: mid-word is fine)."""
        if self._over:
            return
        self._chars += len(text)
        if self._chars > self._max_chars:
            self._over = True
            self._queue.put_nowait(
                InvalidRequestError(
                    f"Text is over the limit of {self._max_chars} characters (--max-text-chars); "
                    "the rest was not spoken"
                )
            )
            return
        self._queue.put_nowait(text)

    def end(self) -> None:
        """No more text will come."""
        self._queue.put_nowait(None)

    def __aiter__(self) -> TextPieces:
        return self

    async def __anext__(self) -> str:
        if self._ended:
            raise StopAsyncIteration
        piece = await self._queue.get()
        if piece is None:
            self._ended = True
            raise StopAsyncIteration
        if isinstance(piece, InvalidRequestError):
            raise piece
        return piece

    async def wait_end(self) -> None:
        """Drop text until the client ends the stream."""
        while not self._ended:
            if await self._queue.get() is None:
                self._ended = True


class Chunker:
    """Cuts PCM into audio chunks of a fixed size; only a flushed tail is shorter."""

    def __init__(self, chunk_bytes: int) -> None:
        self.chunk_bytes = chunk_bytes
        self._buffer = bytearray()

    def push(self, pcm: bytes) -> list[bytes]:
        """The whole chunks now available."""
        self._buffer += pcm
        whole = len(self._buffer) - len(self._buffer) % self.chunk_bytes
        chunks = [
            bytes(self._buffer[start : start + self.chunk_bytes])
            for start in range(0, whole, self.chunk_bytes)
        ]
        del self._buffer[:whole]
        return chunks

    def flush(self) -> bytes:
        """Whatever is left (may be empty)."""
        tail = bytes(self._buffer)
        self._buffer.clear()
        return tail

"""What model lookup, embedded assembly and download share: the error type, streamed hashing."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

#: 1 MiB: streaming reads keep memory flat for 300 MB files.
CHUNK_BYTES = 1 << 20


class ModelError(Exception):
    """A user-facing, actionable message: what is missing, where we looked, what to do."""


def hash_stream(source: BinaryIO, digest: hashlib._Hash, sink: BinaryIO | None = None) -> int:
    """Feed ``source`` into ``digest`` (and copy it to ``sink``); return the bytes read."""
    size = 0
    while chunk := source.read(CHUNK_BYTES):
        digest.update(chunk)
        if sink is not None:
            sink.write(chunk)
        size += len(chunk)
    return size


def marker_path(path: Path) -> Path:
    """The sidecar ``<file>.sha256`` that records a verified file's sum."""
    return path.with_name(path.name + ".sha256")


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place: a reader
    sees the old file or the whole new one, never half of it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="ascii")
    tmp.replace(path)

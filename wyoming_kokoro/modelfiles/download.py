"""The resumable, verified downloader for the official release files.

Bytes go to ``<dest>.part``; an interrupted download resumes with a Range request, and only a
file whose sha256 matches is moved onto its name. Blocking (network): run it in a thread.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from ..neterrors import describe_error
from .common import CHUNK_BYTES, ModelError, hash_stream

_LOGGER = logging.getLogger(__name__)


def download_file(
    url: str,
    dest: Path,
    sha256: str,
    *,
    timeout: float = 30.0,
    progress: Callable[[int, int | None], None] | None = None,
) -> Path:
    """Download ``url`` to ``dest``, verified against ``sha256``; resumable.

    Bytes go to ``<dest>.part``; an existing part is resumed with a Range request
    (appended on 206, restarted on 200). Only a file whose sum matches is moved
    onto ``dest`` (atomically). A wrong sum deletes the part; a network error keeps
    it for the next attempt. ``progress(done, total)`` is called after each chunk.
    """
    part = dest.with_name(dest.name + ".part")
    digest = hashlib.sha256()
    offset = _rehash(part, digest)
    response = _open(url, dest, offset, timeout)
    if response is None:
        # Range past the end: the part may be complete already, else start over.
        if digest.hexdigest() == sha256:
            return _finish(part, dest, digest, sha256, url)
        part.unlink(missing_ok=True)
        offset, digest = 0, hashlib.sha256()
        response = _open(url, dest, offset, timeout)
    if response is None:  # only a Range request is answered 416
        raise ModelError(f"Download failed: {url} answered HTTP 416 without a Range request.")
    with response:
        if offset and (response.status != 206 or _range_start(response) != offset):
            _LOGGER.info(
                "Server did not resume at byte %d (HTTP %d); restarting", offset, response.status
            )
            offset, digest = 0, hashlib.sha256()
        _receive(response, part, offset, digest, url=url, progress=progress)
    return _finish(part, dest, digest, sha256, url)


def _open(url: str, dest: Path, offset: int, timeout: float) -> http.client.HTTPResponse | None:
    """The server's answer, asking for the bytes from ``offset`` on; None for HTTP 416."""
    request = urllib.request.Request(url, headers={"User-Agent": "wyoming-kokoro"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
        _LOGGER.info("Resuming download of %s at byte %d", url, offset)
    else:
        _LOGGER.info("Downloading %s to %s", url, dest)
    try:
        response: http.client.HTTPResponse = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        err.close()
        if err.code == 416 and offset:
            return None
        raise ModelError(f"Download failed: {url} answered HTTP {err.code} {err.reason}.") from err
    except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
        raise ModelError(f"Download failed: cannot reach {url} ({describe_error(err)}).") from err
    return response


def _receive(
    response: http.client.HTTPResponse,
    part: Path,
    offset: int,
    digest: hashlib._Hash,
    *,
    url: str,
    progress: Callable[[int, int | None], None] | None,
) -> None:
    """Append the body to ``part`` (from ``offset``) and ``digest``; a short body is an error."""
    length = response.headers.get("Content-Length", "")
    expected = int(length) if length.isdigit() else None
    total = offset + expected if expected is not None else None
    received = 0
    try:
        with part.open("ab" if offset else "wb") as sink:
            reporter = _Progress(url, total, offset, progress)
            while chunk := response.read(CHUNK_BYTES):
                sink.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                reporter(offset + received)
            sink.flush()
            os.fsync(sink.fileno())
    except (OSError, http.client.HTTPException) as err:
        raise ModelError(
            f"Download of {url} interrupted after {offset + received} bytes "
            f"({describe_error(err)}); run again to resume."
        ) from err
    if expected is not None and received < expected:
        raise ModelError(
            f"Download of {url} interrupted: connection closed after "
            f"{offset + received} of {total} bytes; run again to resume."
        )


def _range_start(response: http.client.HTTPResponse) -> int | None:
    """The first byte of a 206 answer, from ``Content-Range: bytes START-END/TOTAL``."""
    unit, _, spec = response.headers.get("Content-Range", "").partition(" ")
    start = spec.partition("-")[0]
    return int(start) if unit == "bytes" and start.isdigit() else None


def _rehash(part: Path, digest: hashlib._Hash) -> int:
    """Feed an existing part file into ``digest``; return its size (0 if none)."""
    try:
        with part.open("rb") as source:
            return hash_stream(source, digest)
    except FileNotFoundError:
        return 0
    except OSError as err:
        raise ModelError(f"Cannot read partial download {part}: {err.strerror or err}.") from err


def _finish(part: Path, dest: Path, digest: hashlib._Hash, sha256: str, url: str) -> Path:
    got = digest.hexdigest()
    if got != sha256:
        part.unlink(missing_ok=True)
        raise ModelError(
            f"Checksum mismatch for {url}: expected sha256 {sha256}, got {got}. "
            "The partial file was deleted; check the download URL or try again."
        )
    try:
        part.replace(dest)  # atomic on one filesystem
    except OSError as err:
        raise ModelError(f"Cannot move the download to {dest}: {err.strerror or err}.") from err
    _LOGGER.info("Downloaded and verified %s", dest)
    return dest


class _Progress:
    """Calls the user's callback per chunk; logs at INFO about every 10 %."""

    _UNKNOWN_STEP = 10 << 20  # without a total, log every 10 MiB

    def __init__(
        self,
        url: str,
        total: int | None,
        start: int,
        callback: Callable[[int, int | None], None] | None,
    ) -> None:
        self._url = url
        self._total = total
        self._callback = callback
        self._step = max(total // 10, 1) if total else self._UNKNOWN_STEP
        self._next = start + self._step

    def __call__(self, done: int) -> None:
        if self._callback is not None:
            self._callback(done, self._total)
        if done < self._next:
            return
        self._next = done - done % self._step + self._step
        if self._total:
            _LOGGER.info(
                "%s: %d%% (%d of %d bytes)", self._url, done * 100 // self._total, done, self._total
            )
        else:
            _LOGGER.info("%s: %d bytes", self._url, done)

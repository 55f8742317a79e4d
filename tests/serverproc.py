"""Real server processes for the drain and fleet tests: ``python -m wyoming_kokoro`` on
loopback with free ports, their readiness, their exit; and a live-protocol session that records
every chunk (ids, sizes, ``end.total_chunks``) exactly as the server sent it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

REPO_ROOT = Path(__file__).resolve().parent.parent

_LIVE_LINE = re.compile(rb"(?:Live server on ws://|Live port )[^:]+:(\d+)[/ ]")
_WYOMING_LINE = re.compile(rb"Wyoming server on tcp://[^:]+:(\d+)")
_READY_LINE = b"Kokoro Live "


@dataclass
class ServerProcess:
    """One ``python -m wyoming_kokoro`` on loopback (ports picked by the server itself)."""

    name: str
    args: tuple[str, ...] = ()
    process: asyncio.subprocess.Process | None = None
    live_port: int | None = None
    wyoming_port: int | None = None
    log: list[bytes] = field(default_factory=list)
    #: /ready statuses seen while starting, in order (first "loading", then "ready").
    startup_statuses: list[str] = field(default_factory=list)
    _reader: asyncio.Task[None] | None = None
    _ready: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        """Spawn it; returns once it logs its live port (the model may still be loading)."""
        command = [sys.executable, "-m", "wyoming_kokoro", "--language", "en-us"]
        command += ["--live-host", "127.0.0.1", "--live-port", "0", *self.args]
        if "--no-wyoming" not in self.args:
            command += ["--uri", "tcp://127.0.0.1:0"]
        if "--max-sessions" not in self.args:
            # A fixed limit: "auto" follows the measured capacity, which a loaded machine lowers.
            command += ["--max-sessions", "16"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = await asyncio.create_subprocess_exec(
            *command,
            cwd=REPO_ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        self._reader = asyncio.create_task(self._read_log())

    async def _read_log(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for line in self.process.stdout:
            self.log.append(line)
            if match := _WYOMING_LINE.search(line):
                self.wyoming_port = int(match.group(1))
            if match := _LIVE_LINE.search(line):
                self.live_port = int(match.group(1))
            if _READY_LINE in line and line.rstrip().endswith(b"ready"):
                self._ready.set()

    def log_text(self) -> str:
        """Everything the process wrote so far."""
        return b"".join(self.log).decode(errors="replace")

    async def wait_ready(self, seconds: float = 120.0, port: int | None = None) -> None:
        """Until ``/ready`` answers 200; records the statuses seen on the way. ``port``: the
        live port if known before the log says it (the loading server holds it already)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.check_running()
            probe = port or self.live_port
            if probe is not None:
                status, body = await asyncio.to_thread(http_get, probe, "/ready")
                state = body.get("status") if isinstance(body, dict) else None
                if state and (not self.startup_statuses or self.startup_statuses[-1] != state):
                    self.startup_statuses.append(state)
                if status == 200 and self._ready.is_set():
                    self.live_port = probe
                    return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{self.name} not ready in {seconds} s:\n{self.log_text()}")

    def check_running(self) -> None:
        """Fail with the log if the process ended."""
        assert self.process is not None
        if self.process.returncode is not None:
            raise AssertionError(
                f"{self.name} exited with {self.process.returncode}:\n{self.log_text()}"
            )

    def signal(self, signum: signal.Signals) -> None:
        """Send ``signum`` to the server."""
        assert self.process is not None
        self.process.send_signal(signum)

    async def wait_exit(self, seconds: float) -> int:
        """Its exit code, within ``seconds``."""
        assert self.process is not None
        code = await asyncio.wait_for(self.process.wait(), seconds)
        if self._reader is not None:
            await asyncio.wait_for(self._reader, 5)
        return code

    async def stop(self) -> None:
        """End it if still running (SIGKILL after a few seconds of SIGTERM)."""
        if self.process is None or self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
            self.process.send_signal(signal.SIGTERM)  # cuts any drain short
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


def http_get(port: int, path: str, timeout: float = 2.0) -> tuple[int, Any]:
    """Status and JSON body of ``GET http://127.0.0.1:port/path`` (0, None: no answer)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        with contextlib.suppress(ValueError):
            return error.code, json.loads(error.read())
        return error.code, None
    except (OSError, ValueError):
        return 0, None


@dataclass
class Recorded:
    """One live session exactly as the server sent it."""

    ready: dict[str, Any] | None = None
    chunks: list[tuple[int, int, int]] = field(default_factory=list)  # (chunk_id, size, bytes)
    end: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    close_code: int | None = None
    first_audio: asyncio.Event = field(default_factory=asyncio.Event)
    failed_at: float | None = None
    #: The replica a load balancer sent the session to (its X-Kokoro-Replica header).
    served_by: str | None = None
    #: Set once the server said ready.
    started: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def complete(self) -> bool:
        """Every chunk in order, each of its announced size, as many as ``end`` counts."""
        ids = [chunk_id for chunk_id, _, _ in self.chunks]
        return (
            self.end is not None
            and ids == list(range(1, len(ids) + 1))
            and all(size == got for _, size, got in self.chunks)
            and self.end.get("total_chunks") == len(ids)
            and len(ids) > 0
        )


async def record_live(
    url: str, pieces: AsyncIterable[str] | Iterable[str], record: Recorded | None = None
) -> Recorded:
    """A live session through ``url``: init, the pieces, "" and everything the server says."""
    record = record or Recorded()
    async with connect(url, open_timeout=10, close_timeout=5, max_size=2**24) as ws:
        if ws.response is not None:
            record.served_by = ws.response.headers.get("X-Kokoro-Replica")

        async def send() -> None:
            with contextlib.suppress(ConnectionClosed):
                if isinstance(pieces, AsyncIterable):
                    async for piece in pieces:
                        await ws.send(piece)
                else:
                    for piece in pieces:
                        await ws.send(piece)
                await ws.send("")

        sender: asyncio.Task[None] | None = None
        try:
            await ws.send(json.dumps({"voice": "af_heart"}))
            while True:
                message = await ws.recv()
                assert isinstance(message, str), "control messages are text"
                data = json.loads(message)
                kind = data.get("type")
                if kind == "ready":
                    record.ready = data
                    record.started.set()
                    sender = asyncio.create_task(send())
                elif kind == "audio":
                    frame = await ws.recv()
                    assert isinstance(frame, bytes)
                    record.chunks.append((data["chunk_id"], data["size"], len(frame)))
                    record.first_audio.set()
                elif kind == "end":
                    record.end = data
                elif kind == "error":
                    record.error = data
        except ConnectionClosed:
            pass
        finally:
            if sender is not None:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sender
        record.close_code = ws.close_code
    if record.end is None:
        record.failed_at = time.monotonic()
    return record

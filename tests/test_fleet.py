"""A fleet on one machine, with real parts: three server processes behind a real HAProxy
(``deploy/haproxy/haproxy.cfg``, health checks on ``/ready``), clients streaming through it.

1. 12 sessions spread over the three replicas;
4. a replica at its admission limit (``--max-sessions 1``) is not ready and HAProxy routes
   around it;
2. SIGTERM one replica mid-stream: its sessions complete with every chunk, new sessions go
   elsewhere, it exits 0 within the drain timeout;
3. SIGKILL another mid-stream: its clients get a prompt error, a client that had played no
   audio yet is served by the remaining replica (the client's retry), nothing reordered.

(Step 4 runs second: it needs all three replicas.) Loopback only; bounded in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from wyoming_kokoro.client import KokoroClient

from .serverproc import REPO_ROOT, Recorded, ServerProcess, http_get, record_live

HAPROXY_CONFIG = REPO_ROOT / "deploy" / "haproxy" / "haproxy.cfg"
DRAIN_TIMEOUT = 20.0
SHORT = "Hello there. The kitchen lights are on now."
REPLICAS = ("kokoro1", "kokoro2", "kokoro3")

pytestmark = pytest.mark.timeout(240)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class HAProxy:
    """HAProxy in the foreground on the shipped config, addresses from the environment."""

    def __init__(self, backends: dict[str, int], workdir: Path) -> None:
        self.port = free_port()
        self.socket = workdir / "haproxy.sock"
        self.log = workdir / "haproxy.log"
        self.env = {
            **os.environ,
            "KOKORO_BIND": f"127.0.0.1:{self.port}",
            "HAPROXY_STATS_SOCKET": str(self.socket),
            **{
                f"KOKORO_{name.removeprefix('kokoro')}": f"127.0.0.1:{port}"
                for name, port in backends.items()
            },
        }
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/tts/live"

    async def start(self) -> None:
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        self.process = await asyncio.create_subprocess_exec(
            haproxy,
            "-db",
            "-f",
            str(HAPROXY_CONFIG),
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )

    async def states(self) -> dict[str, str]:
        """Each replica's status as HAProxy sees it (UP, DOWN, ...)."""
        reader, writer = await asyncio.open_unix_connection(str(self.socket))
        writer.write(b"show stat\n")
        await writer.drain()
        data = await reader.read()
        writer.close()
        lines = data.decode().splitlines()
        header = lines[0].lstrip("# ").split(",")
        states = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("pxname") == "kokoro" and row.get("svname") in REPLICAS:
                states[row["svname"]] = row["status"].split(" ")[0]
        return states

    async def wait_states(self, want: dict[str, str], seconds: float = 10.0) -> None:
        """Until HAProxy sees each named replica in the wanted state."""
        deadline = time.monotonic() + seconds
        states: dict[str, str] = {}
        while time.monotonic() < deadline:
            assert self.process is not None
            assert self.process.returncode is None, self.log.read_text()
            with contextlib.suppress(OSError, IndexError):
                states = await self.states()
                if all(states.get(name) == state for name, state in want.items()):
                    return
            await asyncio.sleep(0.05)
        raise AssertionError(f"HAProxy sees {states}, wanted {want}")

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


def completed_sessions(port: int) -> float:
    """Live sessions a replica completed, from its Prometheus metrics."""
    import urllib.request

    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as reply:
        text = reply.read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "kokoro_sessions_total"
        and sample.labels == {"door": "live", "outcome": "completed"}
    )


async def held_pieces(first: str | None, release: asyncio.Event) -> AsyncIterator[str]:
    """An LLM that says ``first`` (if any), then waits for ``release`` before its last words."""
    if first is not None:
        yield first
    await release.wait()
    yield "And that is all for now."


async def occupy(server: ServerProcess, release: asyncio.Event) -> asyncio.Task[Recorded]:
    """One session straight to ``server`` (not through HAProxy), open until ``release``."""
    record = Recorded()
    url = f"ws://127.0.0.1:{server.live_port}/ws/tts/live"
    task = asyncio.create_task(
        record_live(
            url,
            held_pieces("Just a moment, please. I am looking that up for you. ", release),
            record,
        )
    )
    await asyncio.wait_for(record.first_audio.wait(), 30)
    return task


@dataclass
class Fleet:
    """The replicas, HAProxy in front, and what the steps counted."""

    replicas: dict[str, ServerProcess]
    haproxy: HAProxy
    counts: Counter[str] = field(default_factory=Counter)
    retried: list[str] = field(default_factory=list)

    def port(self, name: str) -> int:
        return self.replicas[name].live_port or 0


class _Retries(logging.Handler):
    """Collects the client's retry warnings."""

    def __init__(self, into: list[str]) -> None:
        super().__init__()
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        if "retrying on a fresh connection" in record.getMessage():
            self.into.append(record.getMessage())


async def spread_twelve(fleet: Fleet) -> Counter[str]:
    """1. Twelve sessions, three at a time, spread over the three replicas."""
    served: Counter[str] = Counter()
    for _ in range(4):
        await fleet.haproxy.wait_states(dict.fromkeys(REPLICAS, "UP"))
        wave = await asyncio.gather(*(record_live(fleet.haproxy.url, [SHORT]) for _ in range(3)))
        for record in wave:
            assert record.complete, record
            served[record.served_by or "?"] += 1
    assert sum(served.values()) == 12 and set(served) == set(REPLICAS), served
    fleet.counts["completed"] += 12
    return served


async def route_around_a_full_replica(fleet: Fleet) -> None:
    """4. kokoro3 at its admission limit: not ready, and HAProxy sends nothing there."""
    release = asyncio.Event()
    holder = await occupy(fleet.replicas["kokoro3"], release)
    status, body = http_get(fleet.port("kokoro3"), "/ready")
    assert (status, body["status"]) == (503, "full")
    await fleet.haproxy.wait_states({"kokoro3": "DOWN"})
    around = await asyncio.gather(*(record_live(fleet.haproxy.url, [SHORT]) for _ in range(4)))
    assert all(record.complete for record in around), around
    assert {record.served_by for record in around} <= {"kokoro1", "kokoro2"}
    release.set()
    assert (await holder).complete
    fleet.counts["completed"] += 5
    await fleet.haproxy.wait_states(dict.fromkeys(REPLICAS, "UP"))


async def drain_one_mid_stream(fleet: Fleet) -> None:
    """2. SIGTERM kokoro1 while it streams: its session completes, newcomers go elsewhere."""
    go_on = asyncio.Event()
    records = [Recorded() for _ in range(3)]
    first = "Here is a longer reply, sentence by sentence. It goes on a while. "
    tasks = [
        asyncio.create_task(record_live(fleet.haproxy.url, held_pieces(first, go_on), record))
        for record in records
    ]
    await asyncio.wait_for(asyncio.gather(*(record.first_audio.wait() for record in records)), 30)
    assert {record.served_by for record in records} == set(REPLICAS)
    signalled = time.monotonic()
    fleet.replicas["kokoro1"].signal(signal.SIGTERM)
    # kokoro1 drains and kokoro3 is full: HAProxy has only kokoro2 for newcomers.
    await fleet.haproxy.wait_states({"kokoro1": "DOWN", "kokoro3": "DOWN"})
    newcomers = await asyncio.gather(*(record_live(fleet.haproxy.url, [SHORT]) for _ in range(2)))
    assert all(record.complete for record in newcomers), newcomers
    assert all(record.served_by != "kokoro1" for record in newcomers)
    go_on.set()  # the LLM finishes its replies while kokoro1 drains
    await asyncio.wait_for(asyncio.gather(*tasks), 30)
    for record in records:
        assert record.complete and record.close_code == 1000, record
    fleet.counts["completed"] += 5
    assert await fleet.replicas["kokoro1"].wait_exit(DRAIN_TIMEOUT + 5) == 0
    assert time.monotonic() - signalled < DRAIN_TIMEOUT
    assert "Drained: every session finished" in fleet.replicas["kokoro1"].log_text()
    await fleet.haproxy.wait_states({"kokoro3": "UP"})


async def kill_one_mid_stream(fleet: Fleet) -> None:
    """3. SIGKILL kokoro2 with one client playing and one that has played nothing yet."""
    # With kokoro3 held full, both sessions land on kokoro2.
    release = asyncio.Event()
    holder = await occupy(fleet.replicas["kokoro3"], release)
    await fleet.haproxy.wait_states({"kokoro3": "DOWN"})
    streaming = Recorded()
    first = "This reply is cut short, I am afraid. It stops here. "
    streaming_task = asyncio.create_task(
        record_live(fleet.haproxy.url, held_pieces(first, asyncio.Event()), streaming)
    )
    await asyncio.wait_for(streaming.first_audio.wait(), 30)
    assert streaming.served_by == "kokoro2"
    speak = asyncio.Event()
    client = KokoroClient(fleet.haproxy.url, language="en-us", receive_timeout=20)
    heard: list[bytes] = []

    async def waiting_client() -> None:
        async for pcm in client.stream_synthesis(held_pieces(None, speak)):
            heard.append(pcm)

    waiter = asyncio.create_task(waiting_client())
    for _ in range(200):  # until kokoro2 holds both sessions
        if http_get(fleet.port("kokoro2"), "/health")[1]["live_sessions"] == 2:
            break
        await asyncio.sleep(0.05)
    assert http_get(fleet.port("kokoro2"), "/health")[1]["live_sessions"] == 2
    release.set()
    assert (await holder).complete
    await fleet.haproxy.wait_states({"kokoro3": "UP"})
    before = completed_sessions(fleet.port("kokoro3"))

    killed = time.monotonic()
    fleet.replicas["kokoro2"].signal(signal.SIGKILL)
    await asyncio.wait_for(streaming_task, 10)
    # The client that was playing gets a prompt error; what it got was in order.
    assert streaming.end is None and streaming.failed_at is not None
    assert streaming.failed_at - killed < 3.0
    ids = [chunk_id for chunk_id, _, _ in streaming.chunks]
    assert ids == list(range(1, len(ids) + 1))
    fleet.counts["failed"] += 1
    # The client that had played nothing is served by kokoro3 once its text comes.
    speak.set()
    await asyncio.wait_for(waiter, 30)
    assert len(fleet.retried) == 1, fleet.retried
    assert sum(len(pcm) for pcm in heard) / 48_000 > 0.8
    assert completed_sessions(fleet.port("kokoro3")) == before + 1
    fleet.counts["completed"] += 2  # the holder and the retried session
    fleet.counts["retried"] += 1
    assert await fleet.replicas["kokoro2"].wait_exit(5) == -signal.SIGKILL


async def test_fleet_behind_haproxy(tmp_path: Path) -> None:
    replicas = {
        "kokoro1": ServerProcess("kokoro1", ("--no-wyoming", "--drain-timeout", "20")),
        "kokoro2": ServerProcess("kokoro2", ("--no-wyoming",)),
        "kokoro3": ServerProcess("kokoro3", ("--no-wyoming", "--max-sessions", "1")),
    }
    retried: list[str] = []
    retry_log = _Retries(retried)
    logging.getLogger("wyoming_kokoro.client").addHandler(retry_log)
    haproxy: HAProxy | None = None
    started = time.monotonic()
    try:
        for replica in replicas.values():
            await replica.start()
        await asyncio.gather(*(replica.wait_ready() for replica in replicas.values()))
        haproxy = HAProxy({name: r.live_port or 0 for name, r in replicas.items()}, tmp_path)
        await haproxy.start()
        await haproxy.wait_states(dict.fromkeys(REPLICAS, "UP"))
        fleet = Fleet(replicas, haproxy, retried=retried)
        loaded = time.monotonic()
        served = await spread_twelve(fleet)
        await route_around_a_full_replica(fleet)
        await drain_one_mid_stream(fleet)
        await kill_one_mid_stream(fleet)
        counts = fleet.counts
        print(
            f"\nfleet: sessions completed {counts['completed']}, retried {counts['retried']}, "
            f"failed {counts['failed']} (SIGKILL mid-stream), chunks lost 0; "
            f"load {loaded - started:.1f} s, steps {time.monotonic() - loaded:.1f} s; "
            f"step 1 spread {dict(served)}"
        )
    finally:
        logging.getLogger("wyoming_kokoro.client").removeHandler(retry_log)
        if haproxy is not None:
            await haproxy.stop()
        await asyncio.gather(*(replica.stop() for replica in replicas.values()))

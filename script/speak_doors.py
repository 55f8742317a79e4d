"""Speak one sentence through each door of a running Kokoro Live server and report what came back.

Used by ``script/smoke-wheel`` (an installed wheel, every door) and ``script/check-arm64`` (an
emulated arm64 server, the live door and Wyoming). It imports only what an installed
``wyoming-kokoro`` brings (its client, ``wyoming``, ``aiohttp``), so it runs under the venv being
checked. Exits non-zero with one line per failure; prints one JSON line per door otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import aiohttp
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.tts import Synthesize

from wyoming_kokoro import __version__
from wyoming_kokoro.client import KokoroClient

#: One sentence per door, all different: a sentence spoken before is replayed from the speech
#: cache, and each door must make the model speak.
SENTENCES = {
    "live": "Kokoro Live is installed and speaking.",
    "openai": "The speech endpoint answers too.",
    "buffered": "Buffered sessions work as well.",
    "wyoming": "Home Assistant can hear me now.",
}
SAMPLE_RATE = 24_000
SAMPLE_WIDTH = 2
#: Less audio than this for the sentence means the server answered with silence or a stub.
MIN_AUDIO_SECONDS = 1.0
DOORS = tuple(SENTENCES)


@dataclass
class DoorResult:
    """One door's answer: how long until the first audio, how much audio, at what speed."""

    door: str
    first_audio_seconds: float
    audio_seconds: float
    wall_seconds: float

    @property
    def real_time_factor(self) -> float:
        """Wall time over audio time: below 1 is faster than real time."""
        return self.wall_seconds / self.audio_seconds


class _Meter:
    """Times a request from its start: the first audio and the end."""

    def __init__(self, door: str) -> None:
        self.door = door
        self.start = time.monotonic()
        self.first: float | None = None
        self.pcm_bytes = 0

    def audio(self, size: int) -> None:
        if size and self.first is None:
            self.first = time.monotonic() - self.start
        self.pcm_bytes += size

    def result(self) -> DoorResult:
        if self.first is None:
            raise RuntimeError(f"{self.door}: no audio")
        audio_seconds = self.pcm_bytes / (SAMPLE_RATE * SAMPLE_WIDTH)
        if audio_seconds < MIN_AUDIO_SECONDS:
            raise RuntimeError(f"{self.door}: only {audio_seconds:.2f} s of audio")
        return DoorResult(self.door, self.first, audio_seconds, time.monotonic() - self.start)


async def _one_piece(text: str) -> AsyncIterator[str]:
    yield text


async def speak_live(host: str, port: int, wait_seconds: float, mode: str = "live") -> DoorResult:
    """The voicebot client over ``/ws/tts/live`` (or ``/ws/tts/stream`` for ``buffered``);
    ``wait_seconds`` is how long it waits for audio (an emulated CPU takes minutes)."""
    client = KokoroClient(
        f"ws://{host}:{port}",
        mode="buffered" if mode == "buffered" else "live",
        receive_timeout=wait_seconds,
    )
    meter = _Meter(mode)
    async for chunk in client.stream_synthesis(_one_piece(SENTENCES[mode])):
        meter.audio(len(chunk))
    return meter.result()


async def speak_buffered(host: str, port: int, wait_seconds: float) -> DoorResult:
    """The async.ai-style buffered endpoint, through the same client."""
    return await speak_live(host, port, wait_seconds, mode="buffered")


async def speak_openai(host: str, port: int, wait_seconds: float) -> DoorResult:
    """``POST /v1/audio/speech`` as raw PCM, read as it streams."""
    meter = _Meter("openai")
    body = {"model": "kokoro", "input": SENTENCES["openai"], "response_format": "pcm"}
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=wait_seconds)) as session,
        session.post(f"http://{host}:{port}/v1/audio/speech", json=body) as response,
    ):
        if response.status != 200:
            raise RuntimeError(f"openai: HTTP {response.status}: {await response.text()}")
        async for chunk in response.content.iter_any():
            meter.audio(len(chunk))
    return meter.result()


async def speak_wyoming(host: str, port: int, wait_seconds: float) -> DoorResult:
    """A Wyoming ``synthesize`` event, as Home Assistant sends it (the caller bounds the wait)."""
    meter = _Meter("wyoming")
    async with AsyncTcpClient(host, port) as client:
        await client.write_event(Synthesize(text=SENTENCES["wyoming"]).event())
        while True:
            event = await client.read_event()
            if event is None:
                raise RuntimeError("wyoming: connection closed before audio-stop")
            if AudioStart.is_type(event.type):
                audio_format = AudioStart.from_event(event)
                if (audio_format.rate, audio_format.width) != (SAMPLE_RATE, SAMPLE_WIDTH):
                    raise RuntimeError(f"wyoming: unexpected format {audio_format}")
            elif AudioChunk.is_type(event.type):
                meter.audio(len(AudioChunk.from_event(event).audio))
            elif AudioStop.is_type(event.type):
                return meter.result()


async def check_http(host: str, port: int, expect_version: str) -> list[str]:
    """The package data and the version: ``/health``, the playground page and its script."""
    problems: list[str] = []
    async with aiohttp.ClientSession(f"http://{host}:{port}") as session:
        async with session.get("/health") as response:
            health = await response.json()
        if health.get("version") != expect_version:
            problems.append(f"/health version {health.get('version')!r} != {expect_version!r}")
        for path, marker in (("/", "<html"), ("/static/playground.js", "ws/tts/live")):
            async with session.get(path) as response:
                text = await response.text()
            if response.status != 200 or marker not in text.lower():
                problems.append(f"{path}: HTTP {response.status}, no {marker!r} in the body")
    return problems


def process_ended(pid: int) -> bool:
    """Whether the process is gone (or a zombie waiting to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] == "Z"


async def wait_ready(host: str, port: int, seconds: float, server_pid: int | None = None) -> float:
    """Until ``/ready`` answers 200 (the model is loaded); the seconds it took. Fails at once
    when the server process (``server_pid``) ends first."""
    start = time.monotonic()
    async with aiohttp.ClientSession(f"http://{host}:{port}") as session:
        while time.monotonic() - start < seconds:
            if server_pid is not None and process_ended(server_pid):
                raise RuntimeError(f"the server (pid {server_pid}) exited before it was ready")
            try:
                async with session.get("/ready") as response:
                    if response.status == 200:
                        return time.monotonic() - start
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(1.0)
    raise TimeoutError(f"the server on port {port} was not ready in {seconds:.0f} s")


SPEAKERS: dict[str, Callable[[str, int, float], Awaitable[DoorResult]]] = {
    "live": speak_live,
    "openai": speak_openai,
    "buffered": speak_buffered,
    "wyoming": speak_wyoming,
}


async def main(args: argparse.Namespace) -> int:
    """Every door asked in turn; the failures listed, the results printed as JSON lines."""
    if args.wait_ready:
        try:
            waited = await wait_ready(args.host, args.port, args.wait_ready, args.server_pid)
        except (RuntimeError, TimeoutError) as error:
            print(f"FAIL {error}", file=sys.stderr)
            return 1
        print(json.dumps({"ready_after_seconds": round(waited, 1)}))
    failures = [] if args.no_http_checks else await check_http(args.host, args.port, __version__)
    for door in args.doors:
        port = args.wyoming_port if door == "wyoming" else args.port
        try:
            result = await asyncio.wait_for(
                SPEAKERS[door](args.host, port, args.timeout), args.timeout
            )
        except Exception as error:
            failures.append(f"{door}: {type(error).__name__}: {error}")
            continue
        figures = {key: round(value, 3) for key, value in asdict(result).items() if key != "door"}
        print(json.dumps({"door": door, **figures, "rtf": round(result.real_time_factor, 3)}))
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    return 1 if failures else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Where the server is and which doors to try."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8880, help="the live port")
    parser.add_argument("--wyoming-port", type=int, default=10200)
    parser.add_argument(
        "--doors", default=",".join(DOORS), help="comma-separated: " + ",".join(DOORS)
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per door")
    parser.add_argument(
        "--wait-ready", type=float, default=0.0, help="first wait this long for /ready (seconds)"
    )
    parser.add_argument("--server-pid", type=int, help="stop waiting if this process ends")
    parser.add_argument("--no-http-checks", action="store_true", help="skip /health and /static")
    args = parser.parse_args(argv)
    args.doors = [door for door in args.doors.split(",") if door]
    unknown = sorted(set(args.doors) - set(DOORS))
    if unknown:
        parser.error(f"unknown door(s) {', '.join(unknown)}; choose from {', '.join(DOORS)}")
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))

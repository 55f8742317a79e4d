"""The add-on container's health check: a Wyoming ``describe`` round trip.

``python -m wyoming_kokoro.addon healthcheck`` is the Dockerfile's HEALTHCHECK; it imports no
model stack, so it stays cheap next to a busy server.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from wyoming.client import AsyncClient
from wyoming.info import Describe, Info

from ..config import DEFAULT_WYOMING_PORT


async def healthcheck(uri: str, seconds: float = 10.0) -> str | None:
    """Send Wyoming ``describe`` and wait for ``info``; ``None`` when healthy, else the reason.

    A bare port check would pass while the server is wedged; a describe round trip
    proves the event loop answers.
    """
    try:
        client = AsyncClient.from_uri(uri)
    except ValueError as err:
        return f"bad URI {uri}: {err}"
    try:
        async with asyncio.timeout(seconds):
            async with client:
                await client.write_event(Describe().event())
                while (event := await client.read_event()) is not None:
                    if Info.is_type(event.type):
                        return None
        return f"{uri} closed the connection without sending info"
    except TimeoutError:
        return f"{uri} did not answer describe within {seconds:g} s"
    except OSError as err:
        return f"cannot reach {uri}: {err.strerror or err}"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m wyoming_kokoro.addon healthcheck``: the container's HEALTHCHECK."""
    parser = argparse.ArgumentParser(prog="python -m wyoming_kokoro.addon")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("healthcheck", help="exit 0 when Wyoming answers describe")
    check.add_argument("--uri", default=f"tcp://127.0.0.1:{DEFAULT_WYOMING_PORT}")
    check.add_argument("--timeout", type=float, default=10.0, help="seconds")
    args = parser.parse_args(argv)

    problem = asyncio.run(healthcheck(args.uri, args.timeout))
    if problem is not None:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0

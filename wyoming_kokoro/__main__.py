"""One process, one engine, two servers: ``python -m wyoming_kokoro``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import __version__
from .cli import parse_settings
from .config import Settings

if TYPE_CHECKING:
    from .server.host import LiveServer
    from .server.wyoming import WyomingServer

_LOGGER = logging.getLogger("wyoming_kokoro")


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Load the engine, start the enabled servers, run until ``stop`` is set (or a signal)."""
    # The servers import the model stack; `wyoming-kokoro say` must work without it.
    from .engine import Engine
    from .modelfiles import ModelError
    from .server.host import LiveServer
    from .server.wyoming import WyomingServer

    try:
        engine = await asyncio.to_thread(Engine.load, settings)
    except ModelError as error:
        _LOGGER.error("%s", error)
        raise SystemExit(1) from None
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)

    servers: list[LiveServer | WyomingServer] = []
    announcer: asyncio.Task[bool] | None = None
    try:
        if settings.live:
            live = LiveServer(engine, settings)
            await live.start()
            servers.append(live)
        if settings.wyoming:
            # Over stdio with nothing else to serve, the process ends with its one client.
            wyoming = WyomingServer(
                engine, settings, on_stdio_closed=None if settings.live else stop.set
            )
            await wyoming.start()
            servers.append(wyoming)
        if not servers:
            _LOGGER.error("Both servers are turned off (--no-live and --no-wyoming): nothing to do")
            raise SystemExit(2)
        if settings.addon:
            from .addon.supervisor import announce, services_for

            announcer = asyncio.create_task(announce(services_for(settings)))
        _LOGGER.info("Kokoro Live %s ready", __version__)
        await stop.wait()
        _LOGGER.info("Shutting down")
    finally:
        if announcer is not None:
            announcer.cancel()
        for server in reversed(servers):
            await server.close()
        await asyncio.to_thread(engine.close)


def run(argv: Sequence[str] | None = None) -> None:
    """Console entry point: the server, or ``wyoming-kokoro say ...`` (the client)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["say"]:
        from .say import main as say_main

        raise SystemExit(say_main(args[1:]))
    settings = parse_settings(args)
    logging.basicConfig(
        level=logging.DEBUG if settings.debug else logging.INFO, format=settings.log_format
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(settings))


if __name__ == "__main__":
    run()

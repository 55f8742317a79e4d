"""One process, one engine, two servers: ``python -m wyoming_kokoro``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from . import __version__
from .cli import parse_settings
from .config import Settings

if TYPE_CHECKING:
    from .server.host import LiveServer
    from .server.readiness import LoadingServer
    from .server.wyoming import WyomingServer

_LOGGER = logging.getLogger("wyoming_kokoro")


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Load the engine, start the enabled servers, run until ``stop`` is set (or a signal),
    then drain: no new sessions, those in progress get up to ``--drain-timeout`` to finish."""
    # The servers import the model stack; `wyoming-kokoro say` must work without it.
    from .engine import Engine
    from .modelfiles import ModelError
    from .server.drain import drain
    from .server.host import LiveServer
    from .server.wyoming import WyomingServer

    stop = stop or asyncio.Event()
    force = _on_signals(stop)
    loading = await _hold_live_port(settings) if settings.live else None
    if loading is not None:
        settings = replace(settings, live_port=loading.port)
    try:
        engine = await asyncio.to_thread(Engine.load, settings)
    except ModelError as error:
        _LOGGER.error("%s", error)
        raise SystemExit(1) from None
    finally:
        if loading is not None:
            await loading.close()

    servers: list[LiveServer | WyomingServer] = []
    announcer: asyncio.Task[bool] | None = None
    try:
        if settings.live:
            live = LiveServer(engine, settings)
            await live.start()
            servers.append(live)
            _announce_keys(live)
            if settings.api_key_file is not None:
                _reload_keys_on_sighup(live)
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
        if not stop.is_set():
            _LOGGER.info("Kokoro Live %s ready", __version__)
            await stop.wait()
        await drain(servers, settings.drain_timeout, force)  # the closes below end the rest
    finally:
        if announcer is not None:
            announcer.cancel()
        for server in reversed(servers):
            await server.close()
        await asyncio.to_thread(engine.close)


def _on_signals(stop: asyncio.Event) -> asyncio.Event:
    """SIGINT/SIGTERM set ``stop`` (drain); a second signal sets the returned event, which
    cuts the drain short."""
    force = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        (force if stop.is_set() else stop).set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, on_signal)
    return force


def _announce_keys(live: LiveServer) -> None:
    """Say whether the live port needs a key (how many are accepted, never which)."""
    from .server.auth import API_KEYS_KEY

    keys = live.app[API_KEYS_KEY]
    if not keys.required:
        _LOGGER.info("The live port needs no API key (--api-key sets one)")
        return
    _LOGGER.info("The live port needs an API key: %d accepted", len(keys))
    if not len(keys):
        _LOGGER.warning("No API key is accepted: every request needing one is refused")


def _reload_keys_on_sighup(live: LiveServer) -> None:
    """SIGHUP reads ``--api-key-file`` again (in a thread); a file that cannot be read leaves
    the keys in use as they were."""
    from .server.auth import API_KEYS_KEY, ApiKeyError

    keys = live.app[API_KEYS_KEY]
    pending: set[asyncio.Task[None]] = set()

    async def reload() -> None:
        try:
            count = await asyncio.to_thread(keys.reload)
        except ApiKeyError as error:
            _LOGGER.error("API keys not reloaded, the previous ones stay in use: %s", error)
            return
        _LOGGER.info("API keys reloaded from %s: %d accepted", keys.file, count)
        if count == 0:
            _LOGGER.warning("No API key is accepted now: every request needing one is refused")

    def on_sighup() -> None:
        task = asyncio.create_task(reload())
        pending.add(task)
        task.add_done_callback(pending.discard)

    with contextlib.suppress(NotImplementedError, RuntimeError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, on_sighup)


async def _hold_live_port(settings: Settings) -> LoadingServer:
    """Listen on the live port at once, answering 503 "loading" (``/ready``, ``/health``)
    until the engine is loaded and the real server takes the port."""
    from .server.readiness import LoadingServer

    loading = LoadingServer(settings.live_host, settings.live_port)
    try:
        await loading.start()
    except OSError as error:
        _LOGGER.error(
            "Cannot serve the live port on %s:%d: %s",
            settings.live_host,
            settings.live_port,
            error.strerror or error,
        )
        raise SystemExit(1) from None
    return loading


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

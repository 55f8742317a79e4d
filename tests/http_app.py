"""The live port's aiohttp application on a real socket, for the HTTP API and playground tests.

One place builds it: :func:`start_http_app`. It is the host's application (``build_app``) with
the speech API and the playground added, served on 127.0.0.1 on a free port as the host serves
it; optionally mounted under a path prefix, as Home Assistant's ingress proxies it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from aiohttp import web

from wyoming_kokoro.config import Limits, Settings
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.server.host import build_app

from .helpers import TEST_SETTINGS


@dataclass
class HttpApp:
    """A running application: the live port's app, its runner, where it listens."""

    app: web.Application
    runner: web.AppRunner
    port: int
    prefix: str = "/"

    @property
    def base(self) -> str:
        """The server's root URL (with the prefix, without its trailing slash)."""
        return f"http://127.0.0.1:{self.port}{self.prefix.rstrip('/')}"

    async def close(self) -> None:
        await self.runner.cleanup()


def live_port_app(engine: Engine, settings: Settings) -> web.Application:
    """The live port's application with every route."""
    return build_app(engine, settings)


async def start_http_app(
    engine: Engine,
    *,
    limits: Limits | None = None,
    settings: Settings | None = None,
    prefix: str | None = None,
) -> HttpApp:
    """Serve the live port's application on a free port, under ``prefix`` if given
    (e.g. ``/ingress/abc/``: the app sees paths without it, like behind ingress)."""
    settings = replace(
        settings or TEST_SETTINGS,
        live_port=0,
        limits=limits or Limits(auto_sessions=False, max_sessions=32),
    )
    app = live_port_app(engine, settings)
    served = app
    if prefix is not None:
        served = web.Application()
        served.add_subapp(prefix, app)
    runner = web.AppRunner(served, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port: int = runner.addresses[0][1]
    return HttpApp(app, runner, port, prefix or "/")

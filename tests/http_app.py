"""The live port as an aiohttp application on a real socket, for the HTTP API and playground tests.

One place builds it: :func:`start_http_app`. It sets the app keys the host sets, adds the routes
under test, and serves the app on 127.0.0.1 on a free port, with handler cancellation on as the
host runs it (a client that goes away cancels its request's work).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from aiohttp import web

from wyoming_kokoro.config import Limits, Settings
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.server.appkeys import ENGINE_KEY, METRICS_KEY, SESSIONS_KEY, SETTINGS_KEY
from wyoming_kokoro.server.metrics import Metrics
from wyoming_kokoro.server.openai_api import add_openai_routes
from wyoming_kokoro.server.sessions import Sessions

from .helpers import TEST_SETTINGS


@dataclass
class HttpApp:
    """A running application: its runner (to stop it) and where it listens."""

    app: web.Application
    runner: web.AppRunner
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def close(self) -> None:
        await self.runner.cleanup()


def build_app(engine: Engine, settings: Settings) -> web.Application:
    """The application with every key set and the OpenAI routes added."""
    app = web.Application()
    metrics = Metrics(engine.stats)
    app[ENGINE_KEY] = engine
    app[SETTINGS_KEY] = settings
    app[METRICS_KEY] = metrics
    app[SESSIONS_KEY] = Sessions(settings.limits.max_sessions, metrics)
    add_openai_routes(app)
    return app


async def start_http_app(
    engine: Engine,
    *,
    limits: Limits | None = None,
    settings: Settings | None = None,
    wrap: Callable[[web.Application], web.Application] | None = None,
) -> HttpApp:
    """Serve the live port's application (``wrap`` may mount it under a prefix) on a free port."""
    settings = replace(
        settings or TEST_SETTINGS, live_port=0, limits=limits or Limits(max_sessions=32)
    )
    app = build_app(engine, settings)
    served = wrap(app) if wrap is not None else app
    runner = web.AppRunner(served, handler_cancellation=True, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port: int = runner.addresses[0][1]
    return HttpApp(app, runner, port)

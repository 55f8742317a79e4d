"""The live port: one ``aiohttp`` application, the single place its routes are registered.

Routes: ``/ws/tts/live`` and ``/ws/tts/stream`` (the WebSocket doors, ``live.py`` and
``buffered.py``), ``GET /health`` (liveness), ``GET /ready`` (readiness, ``readiness.py``),
``GET /voices`` and ``GET /metrics``. Unknown paths and
wrong methods get a JSON error. The doors hold their own session logic; this module only wires
them to the engine, the settings, the session registry and the metrics (``appkeys.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web

from .. import __version__
from ..config import Settings
from ..engine import Engine
from ..engine.languages import LANGUAGES, describe_voice, language_of_voice
from . import auth, buffered, live, readiness
from .appkeys import CONTEXTS_KEY, ENGINE_KEY, METRICS_KEY, SESSIONS_KEY, SETTINGS_KEY
from .contexts import ContextCounters
from .cors import CorsPolicy
from .httplog import HTTP_LOGGER
from .metrics import CONTENT_TYPE, Metrics
from .openai_api import add_openai_routes
from .playground import add_playground_routes
from .sessions import Sessions
from .websocket import CHANNELS_KEY, SHUTDOWN_CLOSE_SECONDS

_LOGGER = logging.getLogger(__name__)

#: Seconds the server waits for requests in flight when it stops (sessions are closed first).
SHUTDOWN_SECONDS = 5.0

SERVER_HEADER = f"kokoro-live/{__version__}"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: The WebSocket doors by path.
DOORS: dict[str, Handler] = {live.LIVE_PATH: live.handle, buffered.BUFFERED_PATH: buffered.handle}


def build_app(
    engine: Engine, settings: Settings, doors: Iterable[str] = tuple(DOORS)
) -> web.Application:
    """The live port's application: keys set, every route registered (``doors``: which
    WebSocket paths to serve)."""
    app = web.Application(middlewares=[_json_errors])
    metrics = Metrics(engine.stats)
    app[ENGINE_KEY] = engine
    app[SETTINGS_KEY] = settings
    app[METRICS_KEY] = metrics
    app[SESSIONS_KEY] = Sessions(
        functools.partial(engine.admission_limit, settings.limits), metrics
    )
    app[CONTEXTS_KEY] = ContextCounters()
    app[CHANNELS_KEY] = set()
    auth.setup(app, auth.ApiKeys.from_settings(settings), public_metrics=settings.public_metrics)
    for path in doors:
        app.router.add_get(path, DOORS[path], allow_head=False)
    app.router.add_get("/health", _health)
    app.router.add_get(readiness.READY_PATH, _ready)
    app.router.add_get("/voices", _voices)
    app.router.add_get("/metrics", _metrics)
    # Route modules of their own, each reading what it needs through appkeys.py.
    add_openai_routes(app)
    add_playground_routes(app)
    app.on_response_prepare.append(_server_header)
    app.on_shutdown.append(_close_sessions)
    app.cleanup_ctx.append(_capacity_probes)
    if settings.cors_origins:
        CorsPolicy(settings.cors_origins).install(app)
    return app


def health(app: web.Application) -> dict[str, Any]:
    """What ``GET /health`` answers: the server is up, and what it is doing."""
    engine, sessions = app[ENGINE_KEY], app[SESSIONS_KEY]
    return {
        "status": "ok",
        "version": __version__,
        "model": engine.description,
        "live_sessions": sessions.open_in(live.DOOR),
        "sessions_by_door": sessions.by_door(),
        "max_sessions": sessions.max_sessions,
        "contexts": dataclasses.asdict(app[CONTEXTS_KEY]),
        **engine.stats(),
        "capacity": engine.capacity.report(),
    }


def voices(engine: Engine) -> dict[str, Any]:
    """What ``GET /voices`` answers: voices with their readable names and languages, the
    languages, and the voice a request naming only a language gets (``default_voices``)."""
    default = engine.default_params
    return {
        "version": __version__,
        "model": engine.description,
        "sample_rate": engine.sample_rate,
        "voices": engine.voices.names,
        "voice_names": {name: describe_voice(name) for name in engine.voices.names},
        # The language each voice was made for (its name's first letter), for grouping.
        "voice_languages": {
            name: language
            for name in engine.voices.names
            if (language := language_of_voice(name)) is not None
        },
        "languages": engine.languages,
        "language_names": {language: LANGUAGES[language][1] for language in engine.languages},
        "default_voices": {
            language: engine.default_voice(language) for language in engine.languages
        },
        "default_voice": default.voice,
        "default_language": default.language,
        "default_speed": default.speed,
    }


async def _health(request: web.Request) -> web.Response:
    return web.json_response(health(request.app))


async def _ready(request: web.Request) -> web.Response:
    return readiness.answer(request.app[SESSIONS_KEY])


async def _voices(request: web.Request) -> web.Response:
    return web.json_response(voices(request.app[ENGINE_KEY]))


async def _metrics(request: web.Request) -> web.Response:
    body = request.app[METRICS_KEY].exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """aiohttp's own errors (404, 405, ...) as JSON naming the problem, not an HTML page."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400 or error.content_type == "application/json":
            raise
        if isinstance(error, web.HTTPNotFound):
            message = f"Not found: {request.path}. Try {live.LIVE_PATH}, /health or /voices"
        elif isinstance(error, web.HTTPMethodNotAllowed):
            allowed = ", ".join(sorted(error.allowed_methods))
            message = f"Method {request.method} is not allowed on {request.path}; use {allowed}"
        else:
            message = error.reason
        headers = {key: value for key, value in error.headers.items() if key == "Allow"}
        return web.json_response({"error": message}, status=error.status, headers=headers)


async def _server_header(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = SERVER_HEADER


async def _capacity_probes(app: web.Application) -> AsyncIterator[None]:
    """With ``--max-sessions auto``, the capacity estimate is measured again while the server
    is quiet, for as long as it serves."""
    task = None
    if app[SETTINGS_KEY].limits.auto_sessions:
        task = asyncio.create_task(app[ENGINE_KEY].keep_capacity_fresh(), name="capacity-probes")
    yield
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _close_sessions(app: web.Application) -> None:
    channels = app[CHANNELS_KEY]
    for channel in list(channels):
        channel.shut_down(SHUTDOWN_CLOSE_SECONDS)  # after the drain: no more patience


class LiveServer:
    """The live port over one engine: start, the bound port, close."""

    def __init__(
        self, engine: Engine, settings: Settings, doors: Iterable[str] = tuple(DOORS)
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.app = build_app(engine, settings, doors)
        self._runner: web.AppRunner | None = None

    @property
    def sessions(self) -> Sessions:
        """Open sessions by door, and how ended ones ended."""
        return self.app[SESSIONS_KEY]

    @property
    def counters(self) -> Sessions:
        """The session registry under its earlier name (``counters.sessions``: open now)."""
        return self.sessions

    @property
    def context_counters(self) -> ContextCounters:
        """Contexts of the protocol 2 connections (open now, and how ended ones ended)."""
        return self.app[CONTEXTS_KEY]

    @property
    def metrics(self) -> Metrics:
        """This server's Prometheus metrics."""
        return self.app[METRICS_KEY]

    @property
    def port(self) -> int:
        """The bound port (useful with ``--live-port 0``)."""
        server = self._runner.server if self._runner is not None else None
        sites = list(self._runner.sites) if self._runner is not None else []
        if server is None or not sites:
            raise RuntimeError("The live server is not running")
        port: int = self._runner.addresses[0][1]  # type: ignore[union-attr]
        return port

    async def start(self) -> None:
        """Listen on the configured host and port."""
        runner = web.AppRunner(
            self.app,
            access_log=_LOGGER if self.settings.debug else None,
            logger=HTTP_LOGGER,
            access_log_class=auth.RedactedAccessLogger,
            handle_signals=False,
            shutdown_timeout=SHUTDOWN_SECONDS,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.settings.live_host, self.settings.live_port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        _LOGGER.info(
            "Live server on ws://%s:%d%s", self.settings.live_host, self.port, live.LIVE_PATH
        )

    def drain(self) -> None:
        """Take no new session on any door (refused with 1001 going away), answer ``/ready``
        503; sessions in progress go on."""
        self.sessions.drain()

    @property
    def in_progress(self) -> int:
        """Sessions open, and connections still closing after their session ended."""
        return max(self.sessions.sessions, len(self.app[CHANNELS_KEY]))

    async def close(self) -> None:
        """Stop accepting, close open sessions (1001), wait for them to end."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

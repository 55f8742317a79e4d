"""Readiness: may a load balancer send this process a new session now?

``GET /ready`` answers 200 ``{"status": "ready"}`` or 503 with the reason: ``loading`` (the model
is not loaded yet: :class:`LoadingServer` holds the live port meanwhile), ``full`` (at the
admission limit of the shared session registry) or ``draining`` (shutting down). ``/health``
stays liveness: a full or draining process is alive and must not be restarted.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from .httplog import HTTP_LOGGER
from .sessions import Sessions

_LOGGER = logging.getLogger(__name__)

READY_PATH = "/ready"

READY = "ready"
LOADING = "loading"
FULL = "full"
DRAINING = "draining"

_MESSAGES = {
    READY: "Taking new sessions",
    LOADING: "The model is loading; no session can be served yet",
    FULL: "At the admission limit; sessions in progress must end first",
    DRAINING: "Shutting down: sessions in progress finish, no new one is taken",
}


def status_of(sessions: Sessions) -> str:
    """The readiness of a running server, from its session registry."""
    if sessions.draining:
        return DRAINING
    if sessions.full:
        return FULL
    return READY


def response(status: str, **details: Any) -> web.Response:
    """The ``/ready`` answer for ``status``: 200 only when ``ready``."""
    body = {"status": status, "message": _MESSAGES[status], **details}
    if status == READY:
        return web.json_response(body)
    return web.json_response(body, status=503, headers={"Retry-After": "1"})


def answer(sessions: Sessions) -> web.Response:
    """``GET /ready`` of a running server."""
    return response(
        status_of(sessions), sessions=sessions.sessions, max_sessions=sessions.max_sessions
    )


async def _loading(request: web.Request) -> web.Response:
    return response(LOADING)


class LoadingServer:
    """The live port while the model loads: every path answers 503 ``loading``.

    Listening before the model is loaded lets probes and load balancers tell "loading" from
    "dead"; the real server takes the same port once the engine is ready.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.requested_port = port
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        """The bound port (the one picked when asked for port 0)."""
        if self._runner is None:
            raise RuntimeError("The loading server is not running")
        port: int = self._runner.addresses[0][1]
        return port

    async def start(self) -> None:
        """Listen; ``OSError`` if the address cannot be bound."""
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", _loading)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, logger=HTTP_LOGGER)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.requested_port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        _LOGGER.info(
            "Live port %s:%d answers 503 loading until the model is loaded", self.host, self.port
        )

    async def close(self) -> None:
        """Stop listening: the port is free for the real server."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

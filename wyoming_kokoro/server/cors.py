"""Cross-origin requests, for the origins ``--cors-origin`` names (none by default).

A browser app served from another origin may call the HTTP API (``/v1/audio/speech``,
``/voices``, ...) only when the answer names its origin in ``Access-Control-Allow-Origin``, and
for a JSON ``POST`` only after an ``OPTIONS`` preflight that allows the method and headers.
Off by default: a server on a home network should not be callable from every web page its
users open. ``*`` allows any origin (no credentials are involved: the API takes none).

A middleware of a few lines rather than ``aiohttp-cors``: that library wants every route
registered with it and does not take the ``*``-method routes that give this app its JSON 405s.
WebSockets need no CORS (browsers do not apply it to them).
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware

#: How long a browser may keep a preflight's answer (seconds).
PREFLIGHT_MAX_AGE = 600
#: Methods the HTTP routes take.
ALLOWED_METHODS = "GET, POST, OPTIONS"
#: Response headers a page's script may read besides the simple ones.
EXPOSED_HEADERS = "Retry-After"
ANY_ORIGIN = "*"


class CorsPolicy:
    """The allowed origins, and the headers that tell a browser so."""

    def __init__(self, origins: Iterable[str]) -> None:
        self._origins = frozenset(origin.rstrip("/") for origin in origins)
        self._any = ANY_ORIGIN in self._origins

    def allows(self, origin: str | None) -> bool:
        """Is a request from ``origin`` (the ``Origin`` header) allowed?"""
        return origin is not None and (self._any or origin in self._origins)

    def install(self, app: web.Application) -> None:
        """Answer preflights (first of the app's middlewares: before any other check) and add
        the allowing headers to every response, streamed ones too."""
        app.middlewares.insert(0, self._preflight())
        app.on_response_prepare.append(self._add_headers)

    def _preflight(self) -> Middleware:
        @web.middleware
        async def preflight(request: web.Request, handler: Handler) -> web.StreamResponse:
            origin = request.headers.get(hdrs.ORIGIN)
            if (
                request.method == hdrs.METH_OPTIONS
                and hdrs.ACCESS_CONTROL_REQUEST_METHOD in request.headers
                and self.allows(origin)
            ):
                headers = {
                    hdrs.ACCESS_CONTROL_ALLOW_METHODS: ALLOWED_METHODS,
                    hdrs.ACCESS_CONTROL_MAX_AGE: str(PREFLIGHT_MAX_AGE),
                }
                if requested := request.headers.get(hdrs.ACCESS_CONTROL_REQUEST_HEADERS):
                    headers[hdrs.ACCESS_CONTROL_ALLOW_HEADERS] = requested
                return web.Response(status=204, headers=headers)
            return await handler(request)

        return preflight

    async def _add_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is None or not self.allows(origin):
            return
        response.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = ANY_ORIGIN if self._any else origin
        response.headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = EXPOSED_HEADERS
        if not self._any:
            response.headers.add(hdrs.VARY, hdrs.ORIGIN)

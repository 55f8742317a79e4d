"""The browser playground at ``/``: one static page (HTML, a JS module, CSS) in the package.

No build step and nothing from a CDN: the files in ``static/`` are served as they are. The page
uses relative URLs only (``voices``, ``ws/tts/live``, ``static/...``), so it works unchanged
behind a path prefix such as Home Assistant's ingress.

Only the files shipped in ``static/`` are served (a fixed set, so no path can reach anything
else); any other ``/static/`` path is the app's JSON 404. Every answer forbids MIME sniffing,
and the page's Content-Security-Policy lets it load its own script, style and WebSocket only.
The policy leaves framing open: Home Assistant shows the page in its ingress frame, and a
dashboard may show it in one of its own.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).with_name("static")

#: The page's own files, by name: all that ``/static/`` serves.
STATIC_FILES = {path.name: path for path in STATIC_DIR.iterdir() if path.is_file()}

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "base-uri 'none'",
        "form-action 'none'",
    )
)

#: The page changes with the package; a browser should not keep an old one.
_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def add_playground_routes(app: web.Application) -> None:
    """``GET /`` (the page) and ``GET /static/...`` (its script and style)."""
    app.router.add_get("/", _index)
    app.router.add_get("/static/{name}", _static)


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers=_HEADERS)


async def _static(request: web.Request) -> web.FileResponse:
    path = STATIC_FILES.get(request.match_info["name"])
    if path is None:
        raise web.HTTPNotFound()  # the app's JSON 404
    return web.FileResponse(path, headers=_HEADERS)

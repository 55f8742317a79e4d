"""The browser playground at ``/``: one static page (HTML, a JS module, CSS) in the package.

No build step and nothing from a CDN: the files in ``static/`` are served as they are. The page
uses relative URLs only (``voices``, ``ws/tts/live``, ``static/...``), so it works unchanged
behind a path prefix such as Home Assistant's ingress.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).with_name("static")

#: The page changes with the package; a browser should not keep an old one.
_NO_CACHE = {"Cache-Control": "no-cache"}


def add_playground_routes(app: web.Application) -> None:
    """``GET /`` (the page) and ``GET /static/...`` (its script and style)."""
    app.router.add_get("/", _index)
    app.router.add_static("/static/", STATIC_DIR)


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers=_NO_CACHE)

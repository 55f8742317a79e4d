"""The live port's HTTP edges: the static files' 404, the playground's security headers, and
cross-origin calls behind ``--cors-origin``; with aiohttp's client and in Debian's chromium.

The browser checks are what the headers are for: the page still loads clean (a policy that
blocked its script, style or WebSocket would show as console errors), also inside a frame as
Home Assistant's ingress and dashboards show it, and a page on another origin can call the
speech API only when that origin is allowed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import Browser, async_playwright

from wyoming_kokoro.cli import parse_settings
from wyoming_kokoro.engine import Engine

from .helpers import TEST_SETTINGS
from .http_app import HttpApp, live_port_app, start_http_app
from .test_playground import CHROMIUM, Console

ORIGIN = "https://app.example"
#: A page's head with no favicon request (a 404 would be a console error).
HEAD = '<!doctype html><title>elsewhere</title><link rel="icon" href="data:,">'

SPEECH = {"input": "Hello there.", "response_format": "pcm"}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[HttpApp]:
    app = await start_http_app(engine)
    yield app
    await app.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def cors_server(engine: Engine) -> AsyncIterator[HttpApp]:
    app = await start_http_app(engine, settings=replace(TEST_SETTINGS, cors_origins=(ORIGIN,)))
    yield app
    await app.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    assert CHROMIUM, "chromium is not installed: run script/setup-system"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--autoplay-policy=no-user-gesture-required", "--no-sandbox"],
        )
        yield launched
        await launched.close()


async def serve_page(html: str, extra: web.Application | None = None) -> web.AppRunner:
    """Another origin (its own port) serving ``html`` at ``/`` (and ``extra`` under
    ``/ingress/``, as Home Assistant serves an add-on's page on its own origin)."""
    app = web.Application()

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app.router.add_get("/", page)
    if extra is not None:
        app.add_subapp("/ingress", extra)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


def port_of(runner: web.AppRunner) -> int:
    port: int = runner.addresses[0][1]
    return port


# ------------------------------------------------------------------------- static files, headers


@pytest.mark.parametrize(
    "path", ["/static/nothing.js", "/static/", "/static/../pyproject.toml", "/static/a/b.js"]
)
async def test_a_missing_static_file_is_the_json_404(server: HttpApp, path: str) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{server.base}{path}") as response:
        assert response.status == 404
        assert response.content_type == "application/json"
        assert "Not found" in (await response.json())["error"]


@pytest.mark.parametrize("path", ["/", "/static/playground.js", "/static/playground.css"])
async def test_the_playground_sends_its_security_headers(server: HttpApp, path: str) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{server.base}{path}") as response:
        assert response.status == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "frame-ancestors" not in policy  # Home Assistant shows it in a frame
    assert "X-Frame-Options" not in response.headers


async def test_the_page_loads_clean_and_speaks_under_its_policy(
    engine: Engine, server: HttpApp, browser: Browser
) -> None:
    page = await browser.new_page()
    console = Console(page)
    response = await page.goto(f"{server.base}/")
    assert response is not None
    assert "default-src 'none'" in (await response.all_headers())["content-security-policy"]
    await page.wait_for_selector("body[data-ready=true]", timeout=15_000)
    await page.fill("#text", "Hello there.")
    await page.click("#speak")
    await page.wait_for_selector("#message:has-text('Done.')", timeout=60_000)
    assert await page.evaluate("window.kokoroPlayground.samplesReceived") > 0
    await page.close()
    assert console.errors == []


@pytest.mark.parametrize("where", ["ingress", "other-origin"])
async def test_the_page_works_inside_a_frame(
    engine: Engine, server: HttpApp, browser: Browser, where: str
) -> None:
    """In Home Assistant's ingress frame (same origin, under a path) and in a frame on another
    origin (a dashboard's webpage card)."""
    ingress = live_port_app(engine, replace(TEST_SETTINGS, live_port=0))
    source = "/ingress/" if where == "ingress" else f"{server.base}/"
    runner = await serve_page(f'{HEAD}<iframe src="{source}"></iframe>', ingress)
    try:
        page = await browser.new_page()
        console = Console(page)
        await page.goto(f"http://127.0.0.1:{port_of(runner)}/")
        frame = page.frame_locator("iframe")
        await frame.locator("body[data-ready=true]").wait_for(timeout=15_000)
        await frame.locator("#text").fill("Hello there.")
        await frame.locator("#speak").click()
        await frame.locator("#message:has-text('Done.')").wait_for(timeout=60_000)
        await page.close()
        assert console.errors == []
    finally:
        await runner.cleanup()


# ------------------------------------------------------------------------------------------ CORS


def test_cors_origin_flag() -> None:
    settings = parse_settings(["--cors-origin", "https://a.example/", "--cors-origin", "*"])
    assert settings.cors_origins == ("https://a.example", "*")
    assert parse_settings([]).cors_origins == ()
    with pytest.raises(SystemExit):
        parse_settings(["--cors-origin", "a.example/path"])


async def preflight(app: HttpApp, origin: str) -> aiohttp.ClientResponse:
    async with (
        aiohttp.ClientSession() as http,
        http.options(
            f"{app.base}/v1/audio/speech",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,authorization,x-stainless-os",
            },
        ) as response,
    ):
        await response.read()
        return response


async def test_no_cors_without_the_flag(server: HttpApp) -> None:
    response = await preflight(server, ORIGIN)
    assert response.status == 405
    assert "Access-Control-Allow-Origin" not in response.headers
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{server.base}/voices", headers={"Origin": ORIGIN}) as answer,
    ):
        assert answer.status == 200 and "Access-Control-Allow-Origin" not in answer.headers


async def test_an_allowed_origin_gets_its_preflight_and_headers(cors_server: HttpApp) -> None:
    response = await preflight(cors_server, ORIGIN)
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "content-type" in allowed and "authorization" in allowed
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{cors_server.base}/v1/audio/speech", json=SPEECH, headers={"Origin": ORIGIN}
        ) as answer,
    ):
        assert answer.status == 200 and len(await answer.read()) > 0
        assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN  # on a streamed reply
        assert "Origin" in answer.headers.getall("Vary")
    refused = await preflight(cors_server, "https://evil.example")
    assert refused.status == 405 and "Access-Control-Allow-Origin" not in refused.headers


FETCH = """async ({url, body}) => {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {"Content-Type": "application/json", "Authorization": "Bearer unused"},
      body: JSON.stringify(body),
    });
    return {status: response.status, bytes: (await response.arrayBuffer()).byteLength};
  } catch (error) {
    return {error: String(error)};
  }
}"""


async def test_a_page_on_another_origin_calls_the_api_only_when_allowed(
    engine: Engine, browser: Browser
) -> None:
    runner = await serve_page('<!doctype html><title>an app</title><link rel="icon" href="data:,">')
    origin = f"http://127.0.0.1:{port_of(runner)}"
    allowed = await start_http_app(engine, settings=replace(TEST_SETTINGS, cors_origins=(origin,)))
    closed = await start_http_app(engine)
    try:
        page = await browser.new_page()
        await page.goto(f"{origin}/")
        answer = await page.evaluate(
            FETCH, {"url": f"{allowed.base}/v1/audio/speech", "body": SPEECH}
        )
        assert answer == {"status": 200, "bytes": answer.get("bytes")} and answer["bytes"] > 0
        blocked = await page.evaluate(
            FETCH, {"url": f"{closed.base}/v1/audio/speech", "body": SPEECH}
        )
        assert "error" in blocked and "Failed to fetch" in blocked["error"]
        await page.close()
    finally:
        await allowed.close()
        await closed.close()
        await runner.cleanup()

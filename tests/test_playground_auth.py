"""The playground against a server that needs an API key, in Debian's chromium (Playwright):
the page asks for the key, keeps it in the tab's session storage only, and speaks with it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest_asyncio
from playwright.async_api import Browser

from wyoming_kokoro.engine import Engine
from wyoming_kokoro.server.appkeys import METRICS_KEY

from .helpers import TEST_SETTINGS
from .http_app import HttpApp, start_http_app
from .test_playground import SPOKEN, Console, browser, hook, speak_and_wait

__all__ = ["browser"]  # the module-scoped Chromium fixture, shared

KEY = "kl-playground-key-4d3c2b1a"
WRONG_KEY = "kl-playground-wrong-0000"
#: What Chromium logs for each refused request (the page handles them).
REFUSED_LOAD = "Failed to load resource: the server responded with a status of 401 (Unauthorized)"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[HttpApp]:
    app = await start_http_app(engine, settings=replace(TEST_SETTINGS, api_keys=(KEY,)))
    yield app
    await app.close()


def refused(app: HttpApp, door: str) -> float:
    value = app.app[METRICS_KEY].registry.get_sample_value(
        "kokoro_auth_refused_total", {"door": door}
    )
    return value or 0.0


async def test_the_page_asks_for_the_key_and_speaks_with_it(
    server: HttpApp, browser: Browser
) -> None:
    # wait_for_function's string predicates are evaluated in the page, which the page's
    # Content-Security-Policy forbids: set aside here (test_http_headers.py checks the policy).
    page = await browser.new_page(bypass_csp=True)
    console = Console(page)
    await page.goto(f"{server.base}/")
    await page.wait_for_selector("#key-form:not([hidden])", timeout=15_000)
    assert await page.text_content("#message") == "This server needs an API key."

    # A wrong key is refused, and asked for again.
    await page.fill("#api-key", WRONG_KEY)
    await page.click("#use-key")
    await page.wait_for_selector("#message:has-text('refused that API key')", timeout=15_000)
    assert await page.is_visible("#key-form")
    assert await page.evaluate("sessionStorage.length") == 0

    await page.fill("#api-key", KEY)
    await page.click("#use-key")
    await page.wait_for_selector("body[data-ready=true]", timeout=15_000)
    assert await page.is_hidden("#key-form")
    assert await page.input_value("#api-key") == ""  # not left in the form
    # In this tab's session storage only: nothing persistent, no cookie.
    assert await page.evaluate("Object.values(sessionStorage)") == [KEY]
    assert await page.evaluate("localStorage.length") == 0
    assert await page.context.cookies() == []

    live_refusals = refused(server, "live")
    await page.fill("#text", SPOKEN)
    state = await speak_and_wait(page, seconds=1.0)
    assert state["errors"] == [] and state["sessions"] == 1
    assert refused(server, "live") == live_refusals  # the init carried the key

    # A key rotated away mid-visit: the session's refusal brings the form back.
    await page.evaluate(f"sessionStorage.setItem('kokoro-live-api-key', '{WRONG_KEY}')")
    await page.click("#speak")
    await page.wait_for_selector("#key-form:not([hidden])", timeout=15_000)
    assert (await hook(page))["errors"] == ["Invalid API key"]
    assert refused(server, "live") == live_refusals + 1
    await page.fill("#api-key", KEY)
    await page.click("#use-key")
    state = await speak_and_wait(page, seconds=2.0)
    assert state["sessions"] == 3
    await page.close()
    assert set(console.errors) <= {REFUSED_LOAD}, console.errors

    # A new tab has its own session storage: it asks again.
    fresh = await browser.new_page(bypass_csp=True)
    await fresh.goto(f"{server.base}/")
    await fresh.wait_for_selector("#key-form:not([hidden])", timeout=15_000)
    await fresh.close()

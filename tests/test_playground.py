"""The playground page in a real browser: Debian's chromium, headless, driven by Playwright.

The page talks to a real server (real model) over a real socket, at the root and behind a path
prefix as Home Assistant's ingress serves it. What the page received is read through its test
hook, ``window.kokoroPlayground``.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import wave
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.audio import SAMPLE_RATE
from wyoming_kokoro.engine.languages import LANGUAGES

from .helpers import assert_speech, engine_idle, wait_for
from .http_app import HttpApp, start_http_app

#: Debian's chromium (``script/setup-system`` installs it).
CHROMIUM = shutil.which("chromium")
PHONE = {"width": 390, "height": 844}
SPOKEN = "Okay, I turned on the kitchen lights. The front door is locked."


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[HttpApp]:
    app = await start_http_app(engine)
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


class Console:
    """Every console error and uncaught exception of a page."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))


async def open_page(
    browser: Browser, url: str, viewport: dict[str, int] | None = None
) -> tuple[Page, Console]:
    # Playwright evaluates wait_for_function's string predicates in the page, which the page's
    # Content-Security-Policy forbids: these tests set it aside (test_http_headers.py does not).
    page = await browser.new_page(
        viewport=viewport or {"width": 1000, "height": 900},  # type: ignore[arg-type]
        bypass_csp=True,
    )
    console = Console(page)
    await page.goto(url)
    await page.wait_for_selector("body[data-ready=true]", timeout=15_000)
    return page, console


async def hook(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = await page.evaluate("({...window.kokoroPlayground})")
    return state


async def speak_and_wait(page: Page, seconds: float = 1.0) -> dict[str, Any]:
    """Click Speak; wait for at least ``seconds`` of audio and the end of the session."""
    await page.click("#speak")
    await page.wait_for_function(
        f"window.kokoroPlayground.samplesReceived >= {int(seconds * SAMPLE_RATE)}",
        timeout=30_000,
    )
    await page.wait_for_selector("#message:has-text('Done.')", timeout=30_000)
    return await hook(page)


async def test_page_loads_clean_with_the_servers_voices(
    server: HttpApp, browser: Browser, engine: Engine
) -> None:
    page, console = await open_page(browser, f"{server.base}/")
    options = await page.eval_on_selector_all("#voice option", "os => os.map(o => o.value)")
    labels = await page.eval_on_selector_all("#voice option", "os => os.map(o => o.textContent)")
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{server.base}/voices") as response,
    ):
        served = await response.json()
    assert options == served["voices"] == engine.voices.names
    # Readable names, as Home Assistant shows them: "Heart (English (US), female) (af_heart)".
    assert labels == [f"{served['voice_names'][v]} ({v})" for v in options]
    assert await page.input_value("#voice") == engine.default_params.voice
    languages = await page.eval_on_selector_all("#language option", "os => os.map(o => o.value)")
    assert languages[1:] == engine.languages
    for control in ("text", "voice", "blend-voice", "blend-weight", "speed", "language"):
        label = await page.text_content(f"label[for={control}]")
        assert label and label.strip(), f"#{control} has no label"
    await page.close()
    assert console.errors == []


async def test_voices_are_grouped_by_language(engine: Engine, browser: Browser) -> None:
    native = Engine(
        engine._model, engine.voices, replace(engine.settings, language=None), engine.description
    )
    app = await start_http_app(native, settings=native.settings)
    try:
        page, console = await open_page(browser, f"{app.base}/")
        groups = await page.eval_on_selector_all(
            "#voice optgroup",
            "gs => gs.map(g => [g.label, [...g.querySelectorAll('option')].map(o => o.value)])",
        )
        assert await page.input_value("#voice") == "af_heart"
        await page.close()
    finally:
        await app.close()
        await asyncio.to_thread(native.close)
    assert [label for label, _ in groups] == [LANGUAGES[code][1] for code in LANGUAGES]
    by_label = dict(groups)
    assert by_label["French"] == ["ff_siwis"]
    assert by_label["English (UK)"][:2] == ["bf_alice", "bf_emma"]
    assert by_label["Japanese"] == [
        "jf_alpha",
        "jf_gongitsune",
        "jf_nezumi",
        "jf_tebukuro",
        "jm_kumo",
    ]
    assert sum(len(voices) for _, voices in groups) == 54
    assert console.errors == []


async def test_speak_plays_speech_and_downloads_what_was_heard(
    server: HttpApp, browser: Browser, engine: Engine
) -> None:
    page, console = await open_page(browser, f"{server.base}/")
    await page.fill("#text", SPOKEN)
    state = await speak_and_wait(page, seconds=1.0)
    assert state["errors"] == []
    assert state["framesReceived"] >= 2
    ttfa = await page.text_content("#ttfa")
    assert ttfa is not None and ttfa.endswith(" ms") and int(ttfa.split()[0]) > 0
    assert state["lastTtfaMs"] == int(ttfa.split()[0])
    async with page.expect_download() as download_info:
        await page.click("#download")
    download = await download_info.value
    path = await download.path()
    with wave.open(str(path), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (SAMPLE_RATE, 1, 2)
        pcm = wav.readframes(wav.getnframes())
    assert len(pcm) // 2 == state["samplesReceived"]
    assert_speech(pcm, len(SPOKEN.split()))
    await page.close()
    assert console.errors == []
    await wait_for(lambda: engine_idle(engine))


async def test_blend_speed_and_language_reach_the_server(server: HttpApp, browser: Browser) -> None:
    page, console = await open_page(browser, f"{server.base}/")
    await page.fill("#text", "Good morning to you.")
    await page.select_option("#blend-voice", "am_michael")
    await page.fill("#blend-weight", "0.4")
    await page.fill("#speed", "1.5")
    await page.select_option("#language", "en-gb")
    sent: list[str] = []
    # Playwright can only wrap Python functions as handlers, not a builtin like list.append.
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))  # noqa: PLW0108
    state = await speak_and_wait(page, seconds=0.5)
    assert state["errors"] == []
    assert json.loads(sent[0]) == {
        "voice": "af_heart:0.60+am_michael:0.40",
        "speed": 1.5,
        "language": "en-gb",
    }
    assert sent[1] == "Good morning to you."  # (Playwright reports no empty frame)
    fast = state["samplesReceived"]
    await page.fill("#speed", "0.75")
    slow = (await speak_and_wait(page, seconds=0.5))["samplesReceived"]
    # The speed sent in the init changes how long the same text takes to say.
    assert slow > 1.4 * fast
    await page.close()
    assert console.errors == []


async def test_stream_as_i_type(server: HttpApp, browser: Browser) -> None:
    page, console = await open_page(browser, f"{server.base}/")
    await page.fill("#text", "")
    await page.check("#type-mode")
    await page.click("#text")
    await page.keyboard.type("Hello there, the lights are on now.", delay=40)
    await page.keyboard.press("Enter")
    await page.wait_for_function(
        f"window.kokoroPlayground.samplesReceived >= {SAMPLE_RATE}", timeout=30_000
    )
    await page.wait_for_selector("#message:has-text('Done.')", timeout=30_000)
    state = await hook(page)
    assert state["sessions"] == 1  # one utterance, streamed piece by piece
    assert state["errors"] == []
    # A second utterance opens a new session.
    await page.keyboard.type(" Goodbye.", delay=20)
    await page.wait_for_function("window.kokoroPlayground.sessions === 2", timeout=10_000)
    await page.close()
    assert console.errors == []


async def test_works_behind_a_path_prefix(engine: Engine, browser: Browser) -> None:
    app = await start_http_app(engine, prefix="/api/hassio_ingress/token123")
    try:
        page, console = await open_page(browser, f"{app.base}/")
        assert await page.eval_on_selector_all("#voice option", "os => os.length") == len(
            engine.voices.names
        )
        state = await speak_and_wait(page, seconds=1.0)
        assert state["errors"] == []
        await page.close()
        assert console.errors == []
        async with aiohttp.ClientSession() as http, http.get(f"{app.base}/voices") as response:
            assert response.status == 200  # the page's relative URLs resolved under the prefix
    finally:
        await app.close()


async def test_phone_sized_screen_has_no_horizontal_overflow(
    server: HttpApp, browser: Browser, tmp_path: Path
) -> None:
    page, console = await open_page(browser, f"{server.base}/", viewport=PHONE)
    await page.fill("#text", SPOKEN)
    await speak_and_wait(page, seconds=1.0)
    widths = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] == PHONE["width"]
    for control in ("#text", "#voice", "#speak", "#download", "#speed"):
        box = await page.locator(control).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    shot = await page.screenshot(full_page=True)
    (tmp_path / "phone.png").write_bytes(shot)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and len(shot) > 10_000
    await page.close()
    assert console.errors == []


async def test_static_files_are_served_from_the_package(server: HttpApp) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.base}/") as response:
            assert response.status == 200 and response.content_type == "text/html"
            page = await response.text()
        assert 'src="static/playground.js"' in page  # relative: works under a prefix
        for path, kind in (
            ("static/playground.js", "javascript"),
            ("static/playground.css", "text/css"),
        ):
            async with http.get(f"{server.base}/{path}") as response:
                assert response.status == 200 and kind in response.content_type
        async with http.get(f"{server.base}/static/nothing.js") as response:
            assert response.status == 404

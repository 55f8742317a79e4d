"""API keys on the live port: real sockets, the real model, the official ``openai`` client."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import aiohttp
import openai
import pytest
import pytest_asyncio
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from wyoming_kokoro.engine import Engine
from wyoming_kokoro.server.appkeys import METRICS_KEY
from wyoming_kokoro.server.host import LiveServer

from .helpers import TEST_SETTINGS, assert_speech
from .http_app import HttpApp, start_http_app

KEY = "kl-test-0123456789abcdef"
OTHER_KEY = "kl-second-key-fedcba9876"
WRONG_KEY = "kl-wrong-key-000000000000"
TEXT = "The front door is locked."


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[HttpApp]:
    app = await start_http_app(engine, settings=replace(TEST_SETTINGS, api_keys=(KEY, OTHER_KEY)))
    yield app
    await app.close()


def ws_url(app: HttpApp, path: str, token: str | None = None) -> str:
    url = app.base.replace("http://", "ws://") + path
    return url if token is None else f"{url}?token={token}"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def refused(app: HttpApp, door: str) -> float:
    """``kokoro_auth_refused_total{door}`` as /metrics counts it."""
    return (
        app.app[METRICS_KEY].registry.get_sample_value("kokoro_auth_refused_total", {"door": door})
        or 0.0
    )


async def speak_live(
    url: str, init: dict[str, Any], headers: dict[str, str] | None = None
) -> bytes:
    """A protocol 1 session; the PCM it got (raises ConnectionClosed on a refusal)."""
    pcm = bytearray()
    async with connect(url, additional_headers=headers, max_size=2**24) as ws:
        await ws.send(json.dumps(init))
        ready = json.loads(await ws.recv())
        assert ready["type"] == "ready", ready
        await ws.send(TEXT)
        await ws.send("")
        while True:
            message = await ws.recv()
            if isinstance(message, bytes):
                pcm += message
            elif json.loads(message)["type"] == "end":
                return bytes(pcm)


async def refusal(url: str, init: dict[str, Any]) -> tuple[dict[str, Any], int | None]:
    """The error message and close code a session without a valid key gets."""
    async with connect(url) as ws:
        await ws.send(json.dumps(init))
        error = json.loads(await ws.recv())
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        return error, ws.close_code


# -- the OpenAI-compatible API ------------------------------------------------------------


async def test_openai_client_with_the_right_key_gets_speech(server: HttpApp) -> None:
    for key in (KEY, OTHER_KEY):
        client = openai.AsyncOpenAI(base_url=f"{server.base}/v1", api_key=key, max_retries=0)
        reply = await client.audio.speech.create(
            model="tts-1", voice="alloy", input=TEXT, response_format="pcm"
        )
        await client.close()
        assert_speech(reply.content, len(TEXT.split()))


async def test_openai_client_with_a_wrong_key_is_refused(server: HttpApp) -> None:
    before = refused(server, "openai")
    client = openai.AsyncOpenAI(base_url=f"{server.base}/v1", api_key=WRONG_KEY, max_retries=0)
    with pytest.raises(openai.AuthenticationError) as raised:
        await client.audio.speech.create(model="tts-1", voice="alloy", input=TEXT)
    with pytest.raises(openai.AuthenticationError):
        await client.models.list()
    await client.close()
    assert raised.value.status_code == 401
    assert raised.value.code == "invalid_api_key"
    assert raised.value.body == {
        "message": "Invalid API key",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
    assert refused(server, "openai") == before + 2


async def test_http_routes_without_a_key(server: HttpApp) -> None:
    async with aiohttp.ClientSession() as http:
        for path in ("/health", "/ready", "/", "/static/playground.js"):
            async with http.get(server.base + path) as reply:
                assert reply.status == 200, path
        for path in ("/voices", "/metrics", "/v1/audio/voices"):
            async with http.get(server.base + path) as reply:
                assert reply.status == 401, path
                assert reply.headers["WWW-Authenticate"] == "Bearer"
                body = await reply.json()
                assert "API key" in json.dumps(body)
            async with http.get(server.base + path, headers=bearer(KEY)) as reply:
                assert reply.status == 200, path
        # A query token is for WebSocket doors only: it would sit in proxies' logs.
        async with http.get(f"{server.base}/voices?token={KEY}") as reply:
            assert reply.status == 401
        # Unknown paths answer their 404 whatever the key.
        async with http.get(server.base + "/nowhere") as reply:
            assert reply.status == 404


async def test_public_metrics_opens_metrics_only(engine: Engine) -> None:
    settings = replace(TEST_SETTINGS, api_keys=(KEY,), public_metrics=True)
    app = await start_http_app(engine, settings=settings)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(app.base + "/metrics") as reply:
                assert reply.status == 200
                assert "kokoro_auth_refused_total" in await reply.text()
            async with http.get(app.base + "/voices") as reply:
                assert reply.status == 401
    finally:
        await app.close()


async def test_no_key_configured_leaves_everything_open(engine: Engine) -> None:
    app = await start_http_app(engine)
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(app.base + "/voices", headers=bearer(WRONG_KEY)) as reply,
        ):
            assert reply.status == 200
        pcm = await speak_live(ws_url(app, "/ws/tts/live"), {"api_key": WRONG_KEY})
        assert_speech(pcm, len(TEXT.split()))
    finally:
        await app.close()


# -- the WebSocket doors ------------------------------------------------------------------


@pytest.mark.parametrize("how", ["header", "query", "init"])
async def test_live_door_takes_the_key_three_ways(server: HttpApp, how: str) -> None:
    url = ws_url(server, "/ws/tts/live", KEY if how == "query" else None)
    init = {"api_key": OTHER_KEY} if how == "init" else {}
    pcm = await speak_live(url, init, bearer(KEY) if how == "header" else None)
    assert_speech(pcm, len(TEXT.split()))


async def test_live_door_without_a_key_is_refused_before_speaking(server: HttpApp) -> None:
    before = refused(server, "live")
    error, code = await refusal(ws_url(server, "/ws/tts/live"), {"voice": "jf_alpha"})
    assert code == 1008
    assert error["type"] == "error"
    assert "needs an API key" in error["message"]
    error, code = await refusal(ws_url(server, "/ws/tts/live"), {"api_key": WRONG_KEY})
    assert (code, error["message"]) == (1008, "Invalid API key")
    error, code = await refusal(ws_url(server, "/ws/tts/live"), {"api_key": ["not", "text"]})
    assert (code, error["message"]) == (1008, "Invalid API key")
    assert refused(server, "live") == before + 3
    assert server.app[METRICS_KEY].registry.get_sample_value(
        "kokoro_errors_total", {"door": "live", "kind": "unauthorized"}
    )


async def test_protocol_2_takes_the_key_in_its_init(server: HttpApp) -> None:
    async with connect(ws_url(server, "/ws/tts/live")) as ws:
        await ws.send(json.dumps({"protocol": 2, "api_key": KEY}))
        ready = json.loads(await ws.recv())
        assert ready["type"] == "ready" and ready["protocol"] == 2
    error, code = await refusal(ws_url(server, "/ws/tts/live"), {"protocol": 2})
    assert code == 1008 and "needs an API key" in error["message"]


@pytest.mark.parametrize("path", ["/ws/tts/live", "/ws/tts/stream"])
async def test_a_wrong_key_at_the_handshake_is_401(server: HttpApp, path: str) -> None:
    with pytest.raises(InvalidStatus) as raised:
        async with connect(ws_url(server, path, WRONG_KEY)):
            pass
    assert raised.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as raised:
        async with connect(ws_url(server, path), additional_headers=bearer(WRONG_KEY)):
            pass
    assert raised.value.response.status_code == 401


async def test_buffered_door_takes_the_key_or_refuses(server: HttpApp) -> None:
    url = ws_url(server, "/ws/tts/stream")
    error, code = await refusal(url, {"voice": {"mode": "id", "id": "jf_alpha"}})
    assert code == 1008
    assert error["error_code"] == "invalid_api_key"
    async with connect(url) as ws:
        await ws.send(json.dumps({"api_key": KEY}))
        await ws.send(json.dumps({"transcript": TEXT}))
        await ws.send(json.dumps({"transcript": ""}))
        finals = []
        while not finals:
            message = json.loads(await ws.recv())
            assert "error_code" not in message, message
            if message["final"]:
                finals.append(message)


# -- logs ---------------------------------------------------------------------------------


async def test_refusals_log_one_line_per_address_and_never_a_key(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    # The process's own server, with --debug's access log.
    server = LiveServer(engine, replace(TEST_SETTINGS, api_keys=(KEY,), debug=True))
    await server.start()
    base = f"http://127.0.0.1:{server.port}"
    caplog.set_level(logging.DEBUG)
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(5):
                async with http.get(base + "/voices", headers=bearer(WRONG_KEY)) as reply:
                    assert reply.status == 401
        live = base.replace("http", "ws") + "/ws/tts/live"
        for init in ({}, {"api_key": KEY[:-1]}):
            await refusal(live, init)
        await speak_live(f"{live}?token={KEY}", {})
    finally:
        await server.close()
    refusals = [r for r in caplog.records if r.getMessage().startswith("Refused")]
    assert len(refusals) == 1
    assert "127.0.0.1" in refusals[0].getMessage()
    server_records = [r for r in caplog.records if r.name.startswith(("wyoming_kokoro", "aiohttp"))]
    assert any("GET /ws/tts/live" in r.getMessage() for r in server_records)  # access log
    for record in server_records:
        text = record.getMessage()
        assert KEY[:8] not in text and WRONG_KEY[:8] not in text, text

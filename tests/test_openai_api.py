"""The OpenAI-compatible speech API: real socket, real model, the official ``openai`` client."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import aiohttp
import av
import openai
import pytest
import pytest_asyncio

from wyoming_kokoro.cli import parse_settings
from wyoming_kokoro.config import Limits
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.audio import SAMPLE_RATE, duration_seconds
from wyoming_kokoro.server.appkeys import METRICS_KEY, SESSIONS_KEY
from wyoming_kokoro.server.openai_voices import OPENAI_VOICES, openai_voice_table

from .helpers import TEST_SETTINGS, assert_speech, engine_idle, synthesize_text, wait_for
from .http_app import HttpApp, start_http_app

TEXT = (
    "Okay, I turned on the kitchen lights. The front door is locked. "
    "Tomorrow it will rain in the afternoon."
)
TEXT_WORDS = len(TEXT.split())
FORMATS = ["mp3", "opus", "aac", "flac", "wav", "pcm"]
CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
EMBEDDED_VOICES = ["jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo"]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[HttpApp]:
    app = await start_http_app(engine)
    yield app
    await app.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def live_seconds(engine: Engine) -> float:
    """How long the live path's audio for TEXT plays (default voice)."""
    return duration_seconds(await synthesize_text(engine, TEXT, engine.default_params))


def client_for(app: HttpApp) -> openai.AsyncOpenAI:
    # No retries: a 503 must reach the test, not be retried away.
    return openai.AsyncOpenAI(base_url=f"{app.base}/v1", api_key="unused", max_retries=0)


def decode(data: bytes, response_format: str) -> bytes:
    """Any reply to PCM s16le mono at 24 kHz (PyAV), to measure and check it."""
    if response_format == "pcm":
        return data
    container = av.open(io.BytesIO(data))
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    pcm = bytearray()
    for frame in container.decode(audio=0):
        for out in resampler.resample(frame):
            pcm += out.to_ndarray().astype("<i2").tobytes()
    for out in resampler.resample(None):
        pcm += out.to_ndarray().astype("<i2").tobytes()
    container.close()
    return bytes(pcm)


async def speak(app: HttpApp, **request: Any) -> tuple[bytes, str, float, float]:
    """One streamed request with the openai client: body, content type, first byte, total."""
    client = client_for(app)
    started = time.perf_counter()
    first = 0.0
    body = bytearray()
    request = {"model": "tts-1", "voice": "alloy", "input": TEXT} | request
    if "language" in request:  # ours, not OpenAI's: the client sends it as an extra field
        request["extra_body"] = {"language": request.pop("language")}
    async with client.audio.speech.with_streaming_response.create(**request) as response:
        content_type = response.headers["content-type"]
        async for chunk in response.iter_bytes():
            if not body:
                first = time.perf_counter() - started
            body += chunk
    await client.close()
    return bytes(body), content_type, first, time.perf_counter() - started


@pytest.mark.parametrize("response_format", FORMATS)
async def test_every_format_streams_decodable_speech(
    server: HttpApp, engine: Engine, live_seconds: float, response_format: str
) -> None:
    body, content_type, first, total = await speak(server, response_format=response_format)
    assert content_type == CONTENT_TYPES[response_format]
    pcm = decode(body, response_format)
    assert 0.5 * live_seconds <= duration_seconds(pcm) <= 2 * live_seconds
    assert_speech(pcm, TEXT_WORDS)
    assert 0 < first < total
    await wait_for(lambda: engine_idle(engine))


async def test_wav_header_streams_with_unknown_length(server: HttpApp) -> None:
    body, _, _, _ = await speak(server, response_format="wav", input="Hello there.")
    assert body[:4] == b"RIFF" and body[8:16] == b"WAVEfmt "
    assert body[4:8] == b"\xff\xff\xff\xff"  # sizes unknown when the header left
    assert body[36:40] == b"data" and body[40:44] == b"\xff\xff\xff\xff"


@pytest.mark.parametrize("response_format", ["pcm", "mp3"])
async def test_first_bytes_arrive_before_the_reply_is_synthesized(
    server: HttpApp, response_format: str
) -> None:
    _, _, first, total = await speak(server, response_format=response_format)
    # Three sentences: the first clause is out long before the last sentence is spoken.
    assert first < 0.5 * total, f"first byte {first:.2f} s of {total:.2f} s"


async def test_sse_events_carry_base64_audio_then_done(
    server: HttpApp, live_seconds: float
) -> None:
    client = client_for(server)
    events: list[dict[str, Any]] = []
    async with client.audio.speech.with_streaming_response.create(
        model="gpt-4o-mini-tts",
        voice="nova",
        input=TEXT,
        response_format="pcm",
        stream_format="sse",
        instructions="Speak cheerfully.",
    ) as response:
        assert response.headers["content-type"] == "text/event-stream"
        async for line in response.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line.removeprefix("data: ")))
    await client.close()
    assert [e["type"] for e in events[:-1]] == ["speech.audio.delta"] * (len(events) - 1)
    assert len(events) > 2  # one delta per segment at least: it streamed
    assert events[-1]["type"] == "speech.audio.done"
    assert set(events[-1]["usage"]) == {"input_tokens", "output_tokens", "total_tokens"}
    pcm = b"".join(base64.b64decode(e["audio"]) for e in events[:-1])
    assert 0.5 * live_seconds <= duration_seconds(pcm) <= 2 * live_seconds
    assert_speech(pcm, TEXT_WORDS)


async def test_sse_in_an_encoded_format(server: HttpApp) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{server.base}/v1/audio/speech",
            json={"input": "Hello there.", "stream_format": "sse", "response_format": "mp3"},
        ) as response,
    ):
        text = await response.text()
    events = [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]
    mp3 = b"".join(base64.b64decode(e["audio"]) for e in events if "audio" in e)
    assert_speech(decode(mp3, "mp3"), 2)


async def test_voices_blends_models_and_language(server: HttpApp, engine: Engine) -> None:
    client = client_for(server)
    ids = [model.id async for model in client.models.list()]
    assert ids == ["kokoro", "tts-1", "tts-1-hd", "gpt-4o-mini-tts"]
    await client.close()
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{server.base}/v1/audio/voices") as response,
    ):
        listing = await response.json()
    ours = [v for v in listing["voices"] if "voice" not in v]
    assert [v["id"] for v in ours] == engine.voices.names
    languages = {v["id"]: v["language"] for v in ours}
    assert (languages["af_heart"], languages["ff_siwis"], languages["zm_yunxi"]) == (
        "en-us",
        "fr-fr",
        "cmn",
    )
    table = listing["openai_voices"]
    assert set(table) == set(OPENAI_VOICES)
    # The official bank holds each OpenAI name's namesake.
    for name in ("alloy", "echo", "fable", "nova", "onyx"):
        assert table[name].split("_")[1] == name
    assert listing["default_voice"] == "af_heart"
    for voice in ("bf_emma:0.6+am_michael:0.4", "bm_george", {"id": "bf_isabella"}):
        body, _, _, _ = await speak(
            server, voice=voice, input="Good morning.", response_format="pcm", language="en-gb"
        )
        assert_speech(body, 2)


# -- bad input -------------------------------------------------------------------------------


async def post(app: HttpApp, data: bytes | None = None, **kwargs: Any) -> tuple[int, Any, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{app.base}/v1/audio/speech", data=data, **kwargs) as response,
    ):
        return response.status, response.headers, await response.json()


BAD_BODIES: list[tuple[str, dict[str, Any], int, str | None, str]] = [
    ("missing input", {"voice": "alloy"}, 400, "input", "required"),
    ("empty input", {"input": ""}, 400, "input", "empty"),
    ("whitespace input", {"input": " \n\t "}, 400, "input", "empty"),
    ("input not text", {"input": 42}, 400, "input", "string"),
    ("unknown voice", {"input": "Hi.", "voice": "af_nobody"}, 400, "voice", "af_nobody"),
    ("unknown format", {"input": "Hi.", "response_format": "ogg"}, 400, "response_format", "mp3"),
    ("speed too fast", {"input": "Hi.", "speed": 4.0}, 400, "speed", "0.5 to 2.0"),
    ("speed too slow", {"input": "Hi.", "speed": 0.25}, 400, "speed", "0.5 to 2.0"),
    ("speed not a number", {"input": "Hi.", "speed": "fast"}, 400, "speed", "0.5 to 2.0"),
    ("unknown model", {"input": "Hi.", "model": "tts-2"}, 400, "model", "tts-1"),
    ("unknown stream format", {"input": "Hi.", "stream_format": "ws"}, 400, "stream_format", "sse"),
    ("unknown language", {"input": "Hi.", "language": "xx"}, 400, "language", "xx"),
    ("over the text limit", {"input": "a" * 20_001}, 413, "input", "20000"),
]


@pytest.mark.parametrize(
    ("body", "status", "param", "says"),
    [case[1:] for case in BAD_BODIES],
    ids=[case[0] for case in BAD_BODIES],
)
async def test_bad_request_bodies(
    server: HttpApp, body: dict[str, Any], status: int, param: str, says: str
) -> None:
    got, _, answer = await post(server, json=body)
    assert got == status
    error = answer["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["param"] == param and error["type"] == "invalid_request_error"
    assert says in error["message"]
    await assert_still_serving(server)


@pytest.mark.parametrize(
    ("data", "headers", "says"),
    [
        (b'{"input": "Hi.",', {"Content-Type": "application/json"}, "not valid JSON"),
        (b'["Hi."]', {"Content-Type": "application/json"}, "JSON object"),
        (b'{"input": "Hi."}', {"Content-Type": "text/plain"}, "application/json"),
        (b"input=Hi.", {"Content-Type": "application/x-www-form-urlencoded"}, "application/json"),
    ],
    ids=["malformed JSON", "not an object", "wrong content type", "form body"],
)
async def test_bad_bodies_and_content_types(
    server: HttpApp, data: bytes, headers: dict[str, str], says: str
) -> None:
    status, _, answer = await post(server, data, headers=headers)
    assert status == 400
    assert says in answer["error"]["message"]
    await assert_still_serving(server)


async def test_body_over_the_size_limit(server: HttpApp) -> None:
    status, _, answer = await post(
        server, b'{"input": "' + b"a" * 2**21 + b'"}', headers={"Content-Type": "application/json"}
    )
    assert status == 413
    assert answer["error"]["code"] == "body_too_large"
    await assert_still_serving(server)


async def test_openai_client_sees_our_error(server: HttpApp) -> None:
    client = client_for(server)
    with pytest.raises(openai.BadRequestError) as raised:
        await client.audio.speech.create(model="tts-1", voice="alloy", input="Hi.", speed=3.0)
    await client.close()
    assert raised.value.status_code == 400
    assert "'speed' must be a number from 0.5 to 2.0" in raised.value.message


async def test_unknown_path_and_wrong_method(server: HttpApp) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.base}/v1/audio/speak") as response:
            assert response.status == 404
            assert "/v1/audio/speech" in (await response.json())["error"]["message"]
        async with http.get(f"{server.base}/v1/audio/speech") as response:
            assert response.status == 405
            assert response.headers["Allow"] == "POST"
            assert (await response.json())["error"]["code"] == "method_not_allowed"
        async with http.delete(f"{server.base}/v1/models") as response:
            assert response.status == 405
    await assert_still_serving(server)


async def assert_still_serving(app: HttpApp) -> None:
    body, _, _, _ = await speak(app, input="Still here.", response_format="pcm")
    assert_speech(body, 2)


# -- OpenAI voice names ----------------------------------------------------------------------


def test_voice_table_defaults_fit_the_loaded_bank() -> None:
    embedded = openai_voice_table(EMBEDDED_VOICES, (), "jf_alpha")
    assert {embedded[name] for name in ("ash", "echo", "fable", "onyx", "verse")} == {"jm_kumo"}
    assert {embedded[name] for name in ("alloy", "coral", "nova", "sage", "shimmer")} <= set(
        EMBEDDED_VOICES[:4]
    )
    official = ["af_alloy", "af_heart", "af_nova", "am_echo", "am_onyx", "bm_fable", "am_adam"]
    table = openai_voice_table(official, (), "af_heart")
    assert table["alloy"] == "af_alloy" and table["echo"] == "am_echo"
    # Not in this bank: the first loaded voice of the same gender, never a voice not loaded.
    assert table["verse"] == "am_echo" and table["sage"] == "af_alloy"
    assert openai_voice_table(["zf_one"], (), "zf_one")["onyx"] == "zf_one"
    overridden = openai_voice_table(EMBEDDED_VOICES, [("Nova", "jm_kumo"), ("x", "jf_alpha")], "")
    assert overridden["nova"] == "jm_kumo" and overridden["x"] == "jf_alpha"


def test_openai_voice_flag() -> None:
    settings = parse_settings(["--openai-voice", "nova=jm_kumo", "--openai-voice", "alloy = a:1"])
    assert settings.openai_voices == (("nova", "jm_kumo"), ("alloy", "a:1"))
    with pytest.raises(SystemExit):
        parse_settings(["--openai-voice", "nova"])


async def test_openai_name_mapped_to_a_voice_not_loaded(engine: Engine) -> None:
    settings = replace(TEST_SETTINGS, openai_voices=(("nova", "af_retired"),))
    app = await start_http_app(engine, settings=settings)
    try:
        status, _, answer = await post(app, json={"input": "Hi.", "voice": "nova"})
        assert status == 400
        assert answer["error"]["param"] == "voice"
        assert "'nova' is mapped to 'af_retired'" in answer["error"]["message"]
        assert "--openai-voice nova=" in answer["error"]["message"]
        body, _, _, _ = await speak(app, voice="onyx", input="Hi there.", response_format="pcm")
        assert_speech(body, 2)
    finally:
        await app.close()


# -- load, busy, disconnects, metrics -------------------------------------------------------


async def test_twenty_concurrent_requests_succeed_or_get_busy(engine: Engine) -> None:
    app = await start_http_app(engine, limits=Limits(auto_sessions=False, max_sessions=6))
    client = client_for(app)

    async def one() -> int:
        try:
            async with client.audio.speech.with_streaming_response.create(
                model="tts-1", voice="echo", input="Hello there, friend.", response_format="mp3"
            ) as response:
                body = await response.read()
            assert_speech(decode(body, "mp3"), 3)
            return 200
        except openai.APIStatusError as error:
            assert error.response.headers["Retry-After"] == "1"
            assert error.body["code"] == "server_busy"  # type: ignore[index]
            return error.status_code

    try:
        async with asyncio.timeout(120):
            statuses = await asyncio.gather(*(one() for _ in range(20)))
        assert set(statuses) <= {200, 503}
        assert statuses.count(200) >= 6 and statuses.count(503) >= 1
        await wait_for(lambda: engine_idle(engine))
        assert app.app[SESSIONS_KEY].sessions == 0
        assert b'kokoro_sessions_refused_busy_total{door="openai"}' in (
            app.app[METRICS_KEY].exposition()
        )
        await assert_still_serving(app)
    finally:
        await client.close()
        await app.close()


async def test_client_disconnect_cancels_the_work(server: HttpApp, engine: Engine) -> None:
    long_text = " ".join(f"This is sentence number {n} of a long reply." for n in range(30))
    cancelled = engine.stats()["segments_cancelled"]
    async with aiohttp.ClientSession() as http:
        response = await http.post(
            f"{server.base}/v1/audio/speech", json={"input": long_text, "response_format": "pcm"}
        )
        assert await response.content.readany()
        response.close()  # drop the connection mid-stream
    await wait_for(lambda: engine_idle(engine), seconds=5)
    assert engine.stats()["segments_cancelled"] > cancelled
    assert engine.stats()["queued_segments"] == 0
    await wait_for(lambda: server.app[SESSIONS_KEY].sessions == 0, seconds=5)
    await assert_still_serving(server)


async def test_metrics_count_the_openai_door(server: HttpApp) -> None:
    await speak(server, input="Count me.", response_format="flac")
    await post(server, json={"input": ""})
    exposition = server.app[METRICS_KEY].exposition().decode()
    samples = {
        line.split(" ")[0]: float(line.split(" ")[1])
        for line in exposition.splitlines()
        if 'door="openai"' in line and not line.startswith("#")
    }
    assert samples['kokoro_time_to_first_audio_seconds_count{door="openai"}'] >= 1
    assert samples['kokoro_audio_seconds_total{door="openai"}'] > 0.3
    assert samples['kokoro_errors_total{door="openai",kind="invalid_request"}'] >= 1
    assert samples['kokoro_sessions_total{door="openai",outcome="completed"}'] >= 1

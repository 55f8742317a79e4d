"""An Assist pipeline run through Home Assistant's websocket API, speaking through our entity.

The conversation agent streams its reply token by token, as an LLM does; the pipeline streams
the text into the TTS entity, and the client fetches the ``tts_proxy`` URL the run announces,
as the frontend's Assist dialog does. There is no ffmpeg binary on PATH: Home Assistant only
gets through because the entity delivers the format asked for, so nothing is converted (no
process is started). The audio decodes (PyAV) to the speech's length.

Printed (``-s``): the time from the agent's last token to the server's first audio reaching
the integration, and to the first audio byte at the client; their difference is what Home
Assistant's path adds.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import av
import pytest
from homeassistant.components import conversation, tts
from homeassistant.components.conversation.const import DATA_COMPONENT
from homeassistant.components.tts.entity import TTSAudioRequest
from homeassistant.const import MATCH_ALL
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component

from custom_components.kokoro_live.session_log import SessionLog
from custom_components.kokoro_live.tts import KokoroLiveTTSEntity

from .conftest import KokoroServer
from .test_tts import parse_wav, server_health

pytestmark = pytest.mark.usefixtures("socket_enabled")

#: An LLM-like reply: a short opener, then sentences; over the pipeline's 60 characters, so the
#: pipeline streams it into TTS while it is being written.
REPLY = (
    "Okay, the kitchen lights are on. "
    "I also locked the front door and closed the garage for the night. "
    "Tomorrow will be sunny and warm in the afternoon."
)
TOKENS = [word + " " for word in REPLY.split(" ")]
#: Seconds between tokens: a brisk LLM.
TOKEN_GAP = 0.03
#: How far the decoded length may stray from the speech's (codec padding: a few frames).
LENGTH_TOLERANCE = 0.15


class StreamingAgent(conversation.ConversationEntity):
    """A conversation agent that streams a fixed reply, noting when its last token went out."""

    _attr_supports_streaming = True
    _attr_name = "Streaming agent"
    _attr_unique_id = "streaming-agent"

    def __init__(self) -> None:
        self.last_token_at: float | None = None

    @property
    def supported_languages(self) -> list[str] | Literal["*"]:
        return MATCH_ALL

    async def _async_handle_message(
        self, user_input: conversation.ConversationInput, chat_log: conversation.ChatLog
    ) -> conversation.ConversationResult:
        async def deltas() -> AsyncIterator[conversation.AssistantContentDeltaDict]:
            yield {"role": "assistant"}
            for token in TOKENS:
                await asyncio.sleep(TOKEN_GAP)
                yield {"content": token}
            self.last_token_at = time.monotonic()

        async for _ in chat_log.async_add_delta_content_stream(self.entity_id, deltas()):
            pass
        return conversation.async_get_result_from_chat_log(user_input, chat_log)


@dataclass
class Processes:
    """Every process Home Assistant starts (a conversion would be ffmpeg's)."""

    started: list[tuple[Any, ...]] = field(default_factory=list)


@pytest.fixture
def processes(monkeypatch: pytest.MonkeyPatch) -> Processes:
    """No ffmpeg on PATH, and a record of the processes started (they still start)."""
    path = [Path(entry) for entry in os.environ.get("PATH", "").split(os.pathsep) if entry]
    monkeypatch.setenv(
        "PATH", os.pathsep.join(str(entry) for entry in path if not (entry / "ffmpeg").exists())
    )
    assert shutil.which("ffmpeg") is None
    record = Processes()
    real = asyncio.create_subprocess_exec

    async def spy(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        record.started.append(args)
        return await real(*args, **kwargs)

    monkeypatch.setattr(asyncio, "create_subprocess_exec", spy)
    return record


def decode(data: bytes) -> tuple[float, int, int, str]:
    """Seconds, sample rate, channels and container of an encoded stream (PyAV)."""
    with av.open(io.BytesIO(data)) as container:
        name = container.format.name
        frames = list(container.decode(audio=0))
    rate = frames[0].sample_rate
    return sum(f.samples for f in frames) / rate, rate, frames[0].layout.nb_channels, name


async def speech_seconds(entity: KokoroLiveTTSEntity, text: str) -> float:
    """The length of ``text`` spoken as plain PCM: what every format must decode to."""
    _, data = await entity.async_get_tts_audio(text, "en-US", {"preferred_format": "wav"})
    assert data is not None
    return parse_wav(data).seconds


@pytest.fixture
async def agent(hass: HomeAssistant) -> StreamingAgent:
    """The streaming agent, with Home Assistant's Assist pipeline set up."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "assist_pipeline", {})
    streaming = StreamingAgent()
    await hass.data[DATA_COMPONENT].async_add_entities([streaming])
    return streaming


@pytest.fixture
def server_audio_at(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """When each chunk of audio from the server reached the integration (its session log)."""
    times: list[float] = []
    real = SessionLog.audio

    def spy(self: SessionLog, data: bytes) -> None:
        times.append(time.monotonic())
        real(self, data)

    monkeypatch.setattr(SessionLog, "audio", spy)
    return times


async def test_assist_pipeline_streams_mp3_without_ffmpeg(  # noqa: PLR0917
    hass: HomeAssistant,
    entity: KokoroLiveTTSEntity,
    entity_id: str,
    agent: StreamingAgent,
    processes: Processes,
    server_audio_at: list[float],
    hass_ws_client: Callable[..., Awaitable[Any]],
    hass_client_no_auth: Callable[..., Awaitable[Any]],
) -> None:
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "assist_pipeline/pipeline/create",
            "conversation_engine": agent.entity_id,
            "conversation_language": MATCH_ALL,
            "language": "en",
            "name": "Kokoro Live",
            "stt_engine": None,
            "stt_language": None,
            "tts_engine": entity_id,
            "tts_language": "en-US",
            "tts_voice": None,
            "wake_word_entity": None,
            "wake_word_id": None,
        }
    )
    created = await client.receive_json()
    assert created["success"], created
    await client.send_json_auto_id(
        {
            "type": "assist_pipeline/run",
            "start_stage": "intent",
            "end_stage": "tts",
            "input": {"text": "Turn on the kitchen lights"},
            "pipeline": created["result"]["id"],
        }
    )
    assert (await client.receive_json())["success"]
    run_start = (await client.receive_json())["event"]
    assert run_start["type"] == "run-start"
    output = run_start["data"]["tts_output"]
    # The frontend's case: mp3 (Home Assistant's default), the reply streamed into TTS.
    assert output["mime_type"] == "audio/mpeg"
    assert output["stream_response"] is True

    http = await hass_client_no_auth()
    first_byte_at: float | None = None

    async def fetch() -> bytes:
        nonlocal first_byte_at
        received = b""
        response = await http.get(output["url"])
        assert response.status == 200, await response.text()
        async for chunk in response.content.iter_any():
            if first_byte_at is None:
                first_byte_at = time.monotonic()
            received += chunk
        return received

    download = asyncio.create_task(fetch())
    events: list[dict[str, Any]] = []
    while not events or events[-1]["type"] != "run-end":
        message = await asyncio.wait_for(client.receive_json(), 120)
        events.append(message["event"])
    audio = await asyncio.wait_for(download, 120)
    assert not [e for e in events if e["type"] == "error"], events

    seconds, rate, channels, container = decode(audio)
    assert (container, rate, channels) == ("mp3", 24000, 1)
    expected = await speech_seconds(entity, REPLY)
    assert abs(seconds - expected) < LENGTH_TOLERANCE, (seconds, expected)
    # Nothing was converted: no process at all.
    assert processes.started == []

    assert agent.last_token_at is not None and first_byte_at is not None
    from_server = server_audio_at[0] - agent.last_token_at
    at_client = first_byte_at - agent.last_token_at
    print(
        f"\nAssist pipeline, mp3, after the agent's last token: the server's first audio at "
        f"{from_server:+.2f} s, the client's first byte at {at_client:+.2f} s "
        f"(Home Assistant's path: {at_client - from_server:.3f} s)"
    )


@pytest.mark.parametrize(
    ("preferred_format", "container"),
    [("mp3", "mp3"), ("flac", "flac"), ("ogg", "ogg"), ("wav", "wav")],
)
async def test_tts_stream_in_the_asked_format_needs_no_conversion(  # noqa: PLR0917
    hass: HomeAssistant,
    entity: KokoroLiveTTSEntity,
    entity_id: str,
    processes: Processes,
    preferred_format: str,
    container: str,
) -> None:
    """What ``tts.speak`` to a media player and ``tts_proxy`` URLs ask: a format, no rate."""
    text = "Okay, the kitchen lights are on."
    stream = tts.async_create_stream(
        hass, entity_id, language="en-US", options={"preferred_format": preferred_format}
    )
    stream.async_set_message(text)
    data = b"".join([chunk async for chunk in stream.async_stream_result()])
    assert stream.extension == preferred_format
    if container == "wav":
        seconds = parse_wav(data).seconds
    else:
        seconds, rate, channels, name = decode(data)
        assert (name, rate, channels) == (container, 48000 if container == "ogg" else 24000, 1)
    assert abs(seconds - await speech_seconds(entity, text)) < LENGTH_TOLERANCE
    assert processes.started == []


async def test_satellite_format_flac_16khz_mono_is_delivered_exactly(
    entity: KokoroLiveTTSEntity, processes: Processes
) -> None:
    """What a voice satellite asks for (flac, 16 kHz, mono, 16-bit) is what the entity streams.

    Home Assistant 2026.10 still pipes a request that names a sample rate, channel count or
    sample width through ffmpeg, whatever the entity delivers; the entity's side of that
    contract is checked here, where Home Assistant's tts manager hands it the options.
    """
    text = "Okay, the kitchen lights are on."
    options = {
        "preferred_format": "flac",
        "preferred_sample_rate": 16000,
        "preferred_sample_channels": 1,
        "preferred_sample_bytes": 2,
    }

    async def message() -> AsyncGenerator[str]:
        yield text

    response = await entity.async_stream_tts_audio(TTSAudioRequest("en-US", options, message()))
    assert response.extension == "flac"
    chunks = [chunk async for chunk in response.data_gen]
    assert len(chunks) >= 2  # streamed: the first segment's bytes, then the codec's last ones
    seconds, rate, channels, name = decode(b"".join(chunks))
    assert (name, rate, channels) == ("flac", 16000, 1)
    assert abs(seconds - await speech_seconds(entity, text)) < LENGTH_TOLERANCE
    assert processes.started == []


async def test_a_conversion_that_cannot_start_leaves_no_session_open(
    hass: HomeAssistant,
    entity_id: str,
    kokoro_server: KokoroServer,
    processes: Processes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A format the server cannot write is delivered as WAV for Home Assistant to convert; with
    no ffmpeg the conversion never starts, and the session, opened only once Home Assistant
    reads, is never opened: no connection (nor its keepalive task) is left behind."""
    caplog.set_level(logging.DEBUG, logger="custom_components.kokoro_live")
    stream = tts.async_create_stream(
        hass, entity_id, language="en-US", options={"preferred_format": "m4a"}
    )
    stream.async_set_message("Okay, the kitchen lights are on.")
    with pytest.raises((HomeAssistantError, OSError)):
        async for _ in stream.async_stream_result():
            pass
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [args[0] for args in processes.started] == ["ffmpeg"]  # tried, and not found
    assert (await server_health(kokoro_server))["live_sessions"] == 0
    assert not [r for r in caplog.records if r.getMessage().startswith("Session ")]

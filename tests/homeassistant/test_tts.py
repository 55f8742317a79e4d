"""The Kokoro Live TTS entity in real Home Assistant, speaking through the real server and model."""

from __future__ import annotations

import asyncio
import json
import logging
import struct
import time
import wave
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import aiohttp
import numpy as np
import pytest
from homeassistant.components import tts
from homeassistant.components.tts.entity import TTSAudioRequest
from homeassistant.components.tts.helper import get_engine_instance
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)

from custom_components.kokoro_live.const import (
    CONF_LANGUAGE,
    CONF_SPEED,
    CONF_VOICE,
    DOMAIN,
    UPDATE_INTERVAL,
)
from custom_components.kokoro_live.tts import KokoroLiveTTSEntity

from .conftest import HOST, KokoroServer, Scripted, async_load_entry

pytestmark = pytest.mark.usefixtures("socket_enabled")

#: Some of the 54 voices with the readable names the server gives them.
VOICE_NAMES = {
    "af_heart": "Heart (English (US), female)",
    "bf_emma": "Emma (English (UK), female)",
    "ef_dora": "Dora (Spanish, female)",
    "ff_siwis": "Siwis (French, female)",
    "jm_kumo": "Kumo (Japanese, male)",
    "zf_xiaobei": "Xiaobei (Chinese (Mandarin), female)",
}
#: The voices each language offers first: its natural voice, then the others made for it.
FIRST_VOICES = {
    "en-US": ["af_heart", "af_alloy", "af_aoede"],
    "en-GB": ["bf_emma", "bf_alice", "bf_isabella"],
    "es": ["ef_dora", "em_alex", "em_santa"],
    "fr-FR": ["ff_siwis", "af_alloy"],
    "ja": ["jf_alpha", "jf_gongitsune", "jf_nezumi"],
    "zh-CN": ["zf_xiaobei", "zf_xiaoni", "zf_xiaoxiao"],
}
#: What a server older than the ``voice_names`` field answers to ``/voices``.
OLD_SERVER_VOICES = {
    "version": "0.0.9",
    "sample_rate": 24000,
    "voices": ["jf_alpha", "jm_kumo"],
    "languages": ["en-us"],
}
LANGUAGES = ["en-US", "en-GB", "es", "fr-FR", "hi", "it", "ja", "pt-BR", "zh-CN"]
FIRST = "Hello there. The"
REST = "kitchen lights are on, and the front door is locked for the night."
SENTENCE = f"{FIRST} {REST}"
#: Plausible speech length per word at speed 1.0 (the model speaks about 0.4 s a word).
SECONDS_PER_WORD = (0.2, 1.0)
WAV_OPTIONS = {"preferred_format": "wav"}
#: Longest a server session may take to notice a closed client: one segment's synthesis on a
#: busy CPU.
SEGMENT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Wav:
    """A WAV file split into its header fields and PCM."""

    rate: int
    channels: int
    bits: int
    data_size: int
    pcm: bytes

    @property
    def seconds(self) -> float:
        """Duration from the PCM byte count (a streamed header says 0)."""
        return len(self.pcm) / (self.rate * self.channels * self.bits // 8)

    @property
    def rms(self) -> float:
        """Root mean square level, 0..1."""
        samples = np.frombuffer(self.pcm[: len(self.pcm) // 2 * 2], dtype="<i2") / 32768.0
        return float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0


def parse_wav(data: bytes) -> Wav:
    """Read the 44-byte PCM header by hand: a streamed one states a data length of 0."""
    riff, _, wave_id, fmt, fmt_size, codec, channels, rate, _, _, bits, data_id, data_size = (
        struct.unpack("<4sI4s4sIHHIIHH4sI", data[:44])
    )
    assert (riff, wave_id, fmt, fmt_size, codec, data_id) == (
        b"RIFF", b"WAVE", b"fmt ", 16, 1, b"data"
    ), data[:44]  # fmt: skip
    return Wav(rate, channels, bits, data_size, data[44:])


def assert_speech(wav: Wav, text: str) -> None:
    """24 kHz mono 16-bit speech, of a length that fits the number of words, not silence."""
    assert (wav.rate, wav.channels, wav.bits) == (24000, 1, 16)
    words = len(text.split())
    low, high = SECONDS_PER_WORD
    assert low * words <= wav.seconds <= high * words, (wav.seconds, words)
    assert wav.rms > 0.01, wav.rms


async def server_health(server: KokoroServer) -> dict[str, Any]:
    """The server's own counters: open live sessions, segments synthesized and cancelled."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{server.live_url}/health") as reply,
    ):
        data: dict[str, Any] = await reply.json()
        return data


async def wait_for_idle(server: KokoroServer, within: float) -> dict[str, Any]:
    """Poll /health until no session is open or rendering; fail if one lingers."""
    deadline = time.monotonic() + within
    while (health := await server_health(server))["live_sessions"] or health["running_segments"]:
        assert time.monotonic() < deadline, f"session still open: {health}"
        await asyncio.sleep(0.05)
    return health


async def pieces(*texts: str) -> AsyncGenerator[str]:
    """A message stream, as an LLM's reply arrives."""
    for text in texts:
        yield text


async def test_entity_describes_server(
    hass: HomeAssistant, entry: MockConfigEntry, entity: KokoroLiveTTSEntity, entity_id: str
) -> None:
    """Languages and voices (by name) come from the server; options pick the defaults at once."""
    assert entity.supported_languages == LANGUAGES
    assert entity.default_language == "en-US"
    assert entity.supported_options == [
        "voice",
        "speed",
        "preferred_format",
        "preferred_sample_rate",
        "preferred_sample_channels",
        "preferred_sample_bytes",
    ]
    assert entity.default_options == {}
    assert entity.async_supports_streaming_input()
    for language, first in FIRST_VOICES.items():
        voices = entity.async_get_supported_voices(language)
        assert voices is not None
        assert [voice.voice_id for voice in voices[: len(first)]] == first, language
        assert len(voices) == 54
        names = {voice.voice_id: voice.name for voice in voices}
        assert {voice: names[voice] for voice in VOICE_NAMES} == VOICE_NAMES
    assert entity.async_get_supported_voices("de-DE") is None

    hass.config_entries.async_update_entry(
        entry, options={CONF_VOICE: "jm_kumo", CONF_LANGUAGE: "ja", CONF_SPEED: 1.5}
    )
    assert entity.default_language == "ja"
    assert entity.default_options == {"voice": "jm_kumo", "speed": 1.5}

    # A language the server no longer offers falls back to the server's default.
    hass.config_entries.async_update_entry(entry, options={CONF_LANGUAGE: "de-DE"})
    assert entity.default_language == "en-US"

    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state != STATE_UNAVAILABLE


async def test_entity_and_device_names(
    hass: HomeAssistant, entry: MockConfigEntry, entity_id: str
) -> None:
    """A device named after the server, the entity after its function; no address in either.

    The entry (titled with the address, as the user flow titles it) keeps the address, where
    it tells two servers apart on the integration's page.
    """
    assert entity_id == "tts.kokoro_live_text_to_speech"
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.attributes["friendly_name"] == "Kokoro Live Text-to-speech"
    registry_entry = er.async_get(hass).async_get(entity_id)
    assert registry_entry is not None
    assert registry_entry.has_entity_name
    assert registry_entry.translation_key == "speech"
    assert registry_entry.device_id is not None
    device = dr.async_get(hass).async_get(registry_entry.device_id)
    assert isinstance(device, dr.DeviceEntry)
    assert (DOMAIN, entry.entry_id) in device.identifiers
    assert (device.name, device.manufacturer, device.model, device.sw_version) == (
        "Kokoro Live",
        "Kokoro Live",
        "Kokoro-82M int8 (embedded)",
        "0.1.0",
    )
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    assert HOST in entry.title


async def test_saved_blend_is_named_and_spoken(
    hass: HomeAssistant, entry: MockConfigEntry, entity: KokoroLiveTTSEntity
) -> None:
    """A blend saved as the default voice joins the voice list by its parts' names and speaks."""
    blend = "af_heart:0.6+jm_kumo:0.4"
    hass.config_entries.async_update_entry(entry, options={CONF_VOICE: blend})
    voices = entity.async_get_supported_voices("en-US")
    assert voices is not None
    assert (voices[-1].voice_id, voices[-1].name) == (blend, "Heart 60% + Kumo 40%")
    assert len(voices) == 55
    assert entity.default_options == {"voice": blend}
    _, data = await entity.async_get_tts_audio(
        SENTENCE, "en-US", {**entity.default_options, **WAV_OPTIONS}
    )
    assert data is not None
    assert_speech(parse_wav(data), SENTENCE)


async def test_server_without_voice_names(hass: HomeAssistant, scripted: Scripted) -> None:
    """A server older than ``voice_names``: the entity loads and shows the voice ids."""
    scripted.voices = (200, json.dumps(OLD_SERVER_VOICES).encode())
    entry = await async_load_entry(hass, scripted.port)
    entity_id = er.async_get(hass).async_get_entity_id("tts", DOMAIN, entry.entry_id)
    assert entity_id is not None
    entity = get_engine_instance(hass, entity_id)
    assert isinstance(entity, KokoroLiveTTSEntity)
    voices = entity.async_get_supported_voices("en-US")
    assert voices is not None
    assert [(voice.voice_id, voice.name) for voice in voices] == [
        ("jf_alpha", "jf_alpha"),
        ("jm_kumo", "jm_kumo"),
    ]
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_stream_speaks_text_as_it_arrives(hass: HomeAssistant, entity_id: str) -> None:
    """Through HA's result stream: the first sentence is heard before the rest is written.

    The message generator holds the rest of the text back until audio has arrived,
    so only a session that forwards pieces as they come can finish this test. (The
    server cuts "Hello there." once the next sentence's first word shows it ended.)
    """
    first_audio = asyncio.Event()

    async def message_gen() -> AsyncGenerator[str]:
        for word in FIRST.split(" "):
            yield word + " "
        await asyncio.wait_for(first_audio.wait(), 25)
        for word in REST.split(" "):
            yield word + " "

    stream = tts.async_create_stream(hass, entity_id, language="en-US", options=WAV_OPTIONS)
    stream.async_set_message_stream(message_gen())
    data = b""
    async for chunk in stream.async_stream_result():
        data += chunk
        if len(data) > 44:
            first_audio.set()
    assert stream.extension == "wav"
    wav = parse_wav(data)
    assert wav.data_size == 0  # streamed: the length was unknown when the header went out
    assert_speech(wav, SENTENCE)


async def test_consumer_stopping_cancels_server_session(
    entity: KokoroLiveTTSEntity, kokoro_server: KokoroServer
) -> None:
    """A reader that stops early closes the session at once; the server stops synthesizing."""
    sentences = 8
    text = " ".join(["This sentence is here to keep the server busy for a while."] * sentences)
    before = await server_health(kokoro_server)
    response = await entity.async_stream_tts_audio(
        TTSAudioRequest("en-US", WAV_OPTIONS, pieces(text))
    )
    assert response.extension == "wav"
    header = await anext(response.data_gen)
    assert parse_wav(header).data_size == 0
    assert len(await anext(response.data_gen)) > 0
    assert (await server_health(kokoro_server))["live_sessions"] == 1

    started = time.monotonic()
    await response.data_gen.aclose()  # the close handshake is done when this returns
    assert time.monotonic() - started < 3
    # The server interrupts the segment it is rendering and drops the rest.
    after = await wait_for_idle(kokoro_server, within=SEGMENT_TIMEOUT)
    await asyncio.sleep(1.0)
    later = await server_health(kokoro_server)
    assert later["segments_synthesized"] == after["segments_synthesized"]
    assert later["segments_synthesized"] - before["segments_synthesized"] < sentences


async def test_text_source_failure_stops_session(
    hass: HomeAssistant,
    entity: KokoroLiveTTSEntity,
    entity_id: str,
    kokoro_server: KokoroServer,
) -> None:
    """Text that breaks off mid-way ends the session with that reason; the server stays usable."""

    async def failing() -> AsyncGenerator[str]:
        yield "The assistant started to answer, "
        raise RuntimeError("the assistant lost its connection")

    response = await entity.async_stream_tts_audio(TTSAudioRequest("en-US", {}, failing()))
    with pytest.raises(HomeAssistantError, match="the assistant lost its connection"):
        async for _ in response.data_gen:
            pass
    await wait_for_idle(kokoro_server, within=SEGMENT_TIMEOUT)
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state != STATE_UNAVAILABLE


async def test_get_tts_audio_returns_complete_wav(entity: KokoroLiveTTSEntity) -> None:
    """The one-shot path: one WAV whose header states the real length."""
    extension, data = await entity.async_get_tts_audio(SENTENCE, "en-US", WAV_OPTIONS)
    assert extension == "wav"
    assert data is not None
    wav = parse_wav(data)
    assert wav.data_size == len(wav.pcm) > 0
    with wave.open(BytesIO(data)) as reader:  # the standard library agrees
        assert reader.getnframes() * 2 == len(wav.pcm)
    assert_speech(wav, SENTENCE)


@pytest.mark.parametrize(
    ("language", "voice", "text"),
    [
        ("en-US", "af_heart", "The kitchen lights are on."),
        ("fr-FR", "ff_siwis", "Les lumières de la cuisine sont allumées."),
        ("es", "ef_dora", "Las luces de la cocina están encendidas."),
    ],
)
async def test_each_language_speaks_with_its_own_voice(
    entity: KokoroLiveTTSEntity,
    caplog: pytest.LogCaptureFixture,
    language: str,
    voice: str,
    text: str,
) -> None:
    """No voice chosen: the pipeline's language picks its natural voice on the server."""
    caplog.set_level(logging.DEBUG, logger="custom_components.kokoro_live")
    assert entity.default_options == {}
    _, data = await entity.async_get_tts_audio(
        text, language, {**entity.default_options, **WAV_OPTIONS}
    )
    assert data is not None
    assert parse_wav(data).seconds > 1.0
    server_language = language.lower()
    sessions = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Session ")]
    assert len(sessions) == 1
    assert f"(voice {voice}, language {server_language}," in sessions[0]


async def test_tts_speak_service(hass: HomeAssistant, entity_id: str) -> None:
    """``tts.speak`` hands a media player a URL whose audio is our speech."""
    calls = async_mock_service(hass, "media_player", "play_media")
    await hass.services.async_call(
        "tts",
        "speak",
        {
            "entity_id": entity_id,
            "media_player_entity_id": "media_player.kitchen",
            "message": SENTENCE,
            "options": WAV_OPTIONS,
        },
        blocking=True,
    )
    assert len(calls) == 1
    media_id = calls[0].data["media_content_id"]
    extension, data = await tts.async_get_media_source_audio(hass, media_id)
    assert extension == "wav"
    assert_speech(parse_wav(data), SENTENCE)


async def test_speed_and_voice_reach_the_server(entity: KokoroLiveTTSEntity) -> None:
    """Options change the speech: double speed is clearly shorter; a wrong voice is refused."""
    text = "One, two, three, four, five, six, seven, eight."
    durations = []
    for options in ({"voice": "am_michael", "speed": 1.0}, {"voice": "am_michael", "speed": "2.0"}):
        _, data = await entity.async_get_tts_audio(text, "en-US", {**options, **WAV_OPTIONS})
        assert data is not None
        durations.append(parse_wav(data).seconds)
    assert durations[1] < 0.75 * durations[0], durations

    with pytest.raises(HomeAssistantError, match="Unknown voice 'nobody'"):
        await entity.async_get_tts_audio(text, "en-US", {"voice": "nobody"})
    with pytest.raises(ServiceValidationError, match="not fast"):
        await entity.async_get_tts_audio(text, "en-US", {"speed": "fast"})


async def test_server_down_then_back(
    hass: HomeAssistant,
    entity: KokoroLiveTTSEntity,
    entity_id: str,
    kokoro_server: KokoroServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A vanished server makes the entity unavailable (logged once); its return restores it."""

    def state() -> str:
        current = hass.states.get(entity_id)
        assert current is not None
        return current.state

    await kokoro_server.async_stop()
    try:
        # Noticed by the poll, before anyone speaks; a second failing poll logs nothing new.
        for minutes in (1, 2):
            async_fire_time_changed(hass, dt_util.utcnow() + minutes * UPDATE_INTERVAL)
            await hass.async_block_till_done(wait_background_tasks=True)
            assert state() == STATE_UNAVAILABLE
        # Speaking while it is down fails with words, not a traceback.
        with pytest.raises(HomeAssistantError, match="Failed to connect to the Kokoro Live server"):
            await entity.async_get_tts_audio("Hello.", "en-US", {})
        response = await entity.async_stream_tts_audio(
            TTSAudioRequest("en-US", {}, pieces("Hello."))
        )
        with pytest.raises(HomeAssistantError, match="Failed to connect to the Kokoro Live server"):
            await anext(response.data_gen)
        assert state() == STATE_UNAVAILABLE
    finally:
        await kokoro_server.async_start()
    errors = [r for r in caplog.records if r.levelname == "ERROR" and "Kokoro Live" in r.message]
    assert len(errors) == 1, [r.message for r in errors]

    # The first use after its return works and brings the entity back at once.
    extension, data = await entity.async_get_tts_audio(SENTENCE, "en-US", WAV_OPTIONS)
    assert extension == "wav"
    assert data is not None
    assert_speech(parse_wav(data), SENTENCE)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert state() != STATE_UNAVAILABLE
    assert "recovered" in caplog.text


async def test_server_lost_mid_stream(
    hass: HomeAssistant,
    entity: KokoroLiveTTSEntity,
    entity_id: str,
    kokoro_server: KokoroServer,
) -> None:
    """A server that dies while speaking ends the stream with an error, not a hang."""
    text = " ".join(["This sentence keeps the server talking for quite a while longer."] * 6)
    response = await entity.async_stream_tts_audio(
        TTSAudioRequest("en-US", WAV_OPTIONS, pieces(text))
    )
    await anext(response.data_gen)  # header
    await anext(response.data_gen)  # first audio
    # Killed, not stopped: a stopped server drains, finishing the reply in progress.
    await kokoro_server.async_kill()
    try:
        with pytest.raises(HomeAssistantError, match="Failed to connect to the Kokoro Live server"):
            async with asyncio.timeout(30):
                async for _ in response.data_gen:
                    pass
        await hass.async_block_till_done()
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.state == STATE_UNAVAILABLE
    finally:
        await kokoro_server.async_start()

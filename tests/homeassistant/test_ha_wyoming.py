"""Home Assistant's own ``wyoming`` integration against the Kokoro Live Wyoming server.

This is how most users meet the server (the add-on is discovered by the built-in integration),
so these tests drive HA's real code: config entry setup, the TTS entity it creates from our
``describe`` answer, and HA's tts streaming, which sends even one-shot text the streaming way.
"""

from __future__ import annotations

import struct
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from homeassistant.components import tts
from homeassistant.components.tts.const import DATA_TTS_MANAGER
from homeassistant.components.tts.helper import get_engine_instance
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)

from .conftest import KokoroServer

#: Some of the 54 voices; the server runs with ``--language en-us``, so all are listed as en_US.
VOICES = {"af_heart", "am_michael", "bf_emma", "ff_siwis", "jf_alpha", "jm_kumo", "zf_xiaobei"}
LANGUAGE = "en_US"
SENTENCE = "The kitchen lights are on, and the front door is locked for the night."


@dataclass(frozen=True)
class Wav:
    """A WAV reply split into its format and PCM bytes."""

    rate: int
    width: int
    channels: int
    pcm: bytes

    @property
    def seconds(self) -> float:
        """Duration from the byte count (a streamed header says 0 frames)."""
        return len(self.pcm) / (self.rate * self.width * self.channels)

    @property
    def rms(self) -> float:
        """Root mean square level of s16le audio, 0..1."""
        samples = np.frombuffer(self.pcm[: len(self.pcm) // 2 * 2], dtype="<i2") / 32768.0
        return float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0


def parse_wav(data: bytes) -> Wav:
    """Parse RIFF chunks by hand: HA streams a header whose data length is 0."""
    assert data[:4] == b"RIFF", f"not a WAV: {data[:16]!r}"
    assert data[8:12] == b"WAVE", f"not a WAV: {data[:16]!r}"
    offset, rate, width, channels = 12, 0, 0, 0
    while offset + 8 <= len(data):
        chunk_id, size = (
            data[offset : offset + 4],
            struct.unpack("<I", data[offset + 4 : offset + 8])[0],
        )
        body = offset + 8
        if chunk_id == b"fmt ":
            _, channels, rate, _, _, bits = struct.unpack("<HHIIHH", data[body : body + 16])
            width = bits // 8
        elif chunk_id == b"data":
            assert rate, "data chunk before fmt chunk"
            # Everything after the data header is audio, whatever the header claims.
            return Wav(rate=rate, width=width, channels=channels, pcm=data[body:])
        offset = body + size + (size & 1)
    raise AssertionError("WAV has no data chunk")


def assert_speech(wav: Wav, words: int) -> None:
    """24 kHz mono s16 audio, as long as ``words`` words take to say, and audible."""
    assert (wav.rate, wav.width, wav.channels) == (24000, 2, 1)
    assert 0.15 * words <= wav.seconds <= 0.9 * words + 1.0, (
        f"{wav.seconds:.2f} s for {words} words"
    )
    assert 0.02 < wav.rms < 0.5, f"RMS {wav.rms:.3f} is not speech"


async def _pieces(text: str) -> AsyncGenerator[str]:
    """Text as an LLM streams it: word by word."""
    words = text.split(" ")
    for index, word in enumerate(words):
        yield word if index == len(words) - 1 else f"{word} "


async def _synthesize(
    hass: HomeAssistant, entity_id: str, text: str, *, streamed: bool, voice: str = "af_heart"
) -> Wav:
    """Speak ``text`` through HA's tts result stream, as the assist pipeline does."""
    # No file cache: a cached reply would never reach the server.
    stream = hass.data[DATA_TTS_MANAGER].async_create_result_stream(
        engine=entity_id,
        use_file_cache=False,
        language=LANGUAGE,
        options={"voice": voice, tts.ATTR_PREFERRED_FORMAT: "wav"},
    )
    if streamed:
        stream.async_set_message_stream(_pieces(text))
    else:
        stream.async_set_message(text)
    data = b"".join([chunk async for chunk in stream.async_stream_result()])
    return parse_wav(data)


@pytest.fixture
async def wyoming_tts(
    hass: HomeAssistant, socket_enabled: None, kokoro_server: KokoroServer
) -> str:
    """HA's wyoming integration set up against the server; returns the TTS entity id."""
    assert await async_setup_component(hass, "homeassistant", {})
    entry = MockConfigEntry(
        domain="wyoming",
        data={"host": kokoro_server.host, "port": kokoro_server.wyoming_port},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id), kokoro_server.log_tail()
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    entity_id = er.async_get(hass).async_get_entity_id("tts", "wyoming", f"{entry.entry_id}-tts")
    assert entity_id is not None, "HA's wyoming integration created no TTS entity"
    return entity_id


async def test_wyoming_dependencies_load(hass: HomeAssistant) -> None:
    """The toolchain holds what HA's wyoming integration needs (assist_pipeline, conversation)."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "assist_pipeline", {})
    await hass.async_block_till_done()
    assert {"assist_pipeline", "conversation", "tts"} <= hass.config.components


async def test_entity_lists_our_voices(hass: HomeAssistant, wyoming_tts: str) -> None:
    """The entity exists, speaks the server's language, offers every voice, and streams."""
    assert hass.states.get(wyoming_tts) is not None
    entity = get_engine_instance(hass, wyoming_tts)
    assert isinstance(entity, tts.TextToSpeechEntity)
    assert LANGUAGE in entity.supported_languages
    voices = entity.async_get_supported_voices(LANGUAGE) or []
    assert {voice.voice_id for voice in voices} >= VOICES
    assert len(voices) == 54
    assert entity.async_supports_streaming_input()


async def test_streamed_text_gives_speech(hass: HomeAssistant, wyoming_tts: str) -> None:
    """Word-by-word text through HA's real tts streaming comes back as a WAV of speech."""
    wav = await _synthesize(hass, wyoming_tts, SENTENCE, streamed=True, voice="am_michael")
    assert_speech(wav, len(SENTENCE.split()))


async def test_one_shot_is_not_doubled(hass: HomeAssistant, wyoming_tts: str) -> None:
    """HA sends a one-shot as a stream plus a compatibility ``synthesize``: speak it once.

    HA sends that ``synthesize`` on every streaming request, one-shot or word by word, so a
    server that answered it as well would double both; the reference is HA's plain path, a
    lone ``synthesize`` (what HA uses for servers without streaming), which cannot double.
    """
    entity = get_engine_instance(hass, wyoming_tts)
    assert isinstance(entity, tts.TextToSpeechEntity)
    extension, data = await entity.async_get_tts_audio(SENTENCE, LANGUAGE, {"voice": "af_heart"})
    assert extension == "wav"
    assert data is not None, "no audio for a lone synthesize"
    reference = parse_wav(data)
    assert_speech(reference, len(SENTENCE.split()))

    one_shot = await _synthesize(hass, wyoming_tts, SENTENCE, streamed=False)
    streamed = await _synthesize(hass, wyoming_tts, SENTENCE, streamed=True)
    for name, wav in (("one-shot", one_shot), ("word by word", streamed)):
        ratio = wav.seconds / reference.seconds
        assert 0.7 < ratio < 1.3, (
            f"{name}: {wav.seconds:.2f} s, but a lone synthesize gives {reference.seconds:.2f} s"
        )


async def test_voice_picker_finds_voices_through_the_listed_tag(
    hass: HomeAssistant, wyoming_tts: str, hass_ws_client: Callable[..., Awaitable[Any]]
) -> None:
    """Why the Wyoming voice picker is empty for ``en-US`` and ``en``: Home Assistant's Wyoming
    entity looks voices up by the exact tag the server lists (``en_US``). The UI asks for
    engines by language and country first, which answers that tag, and finds the voices by it.
    """
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "tts/engine/list", "language": "en", "country": "US"})
    listed = await client.receive_json()
    (engine,) = [p for p in listed["result"]["providers"] if p["engine_id"] == wyoming_tts]
    assert engine["supported_languages"] == [LANGUAGE]
    for language, expected in ((LANGUAGE, VOICES), ("en-US", None), ("en", None)):
        await client.send_json_auto_id(
            {"type": "tts/engine/voices", "engine_id": wyoming_tts, "language": language}
        )
        voices = (await client.receive_json())["result"]["voices"]
        found = None if voices is None else {voice["voice_id"] for voice in voices}
        if expected is None:
            assert found is None, language
        else:
            assert found is not None, language
            assert expected <= found, language
            assert len(found) == 54, language

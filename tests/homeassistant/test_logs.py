"""What the integration writes to Home Assistant's log: sessions at debug, outages once.

With debug logging on, every speech session shows one line when it ends (voice, language,
speed, audio format, one-shot or streamed text; how it ended, first-audio time, chunks, audio
length); nothing above debug while all goes well. A server that goes away is one ERROR line
naming its address once, its return one INFO line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncGenerator

import pytest
from homeassistant.components import tts
from homeassistant.components.tts.entity import TTSAudioRequest
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    async_fire_time_changed,
)

from custom_components.kokoro_live.const import UPDATE_INTERVAL
from custom_components.kokoro_live.tts import KokoroLiveTTSEntity

from .conftest import HOST, KokoroServer
from .test_tts import SENTENCE, WAV_OPTIONS, assert_speech, parse_wav, pieces, wait_for_idle

pytestmark = pytest.mark.usefixtures("socket_enabled")

PACKAGE = "custom_components.kokoro_live"
ENDED = re.compile(
    r"Session (\d+) to (\S+) \((.+?), (one-shot text|text streamed in \d+ pieces)\) "
    r"([^:]+(?:: .+)?): (?:first audio after ([\d.]+) s|no audio), (\d+) chunks?, "
    r"([\d.]+ s of audio|\d+ bytes) in ([\d.]+) s"
)


def ours(caplog: pytest.LogCaptureFixture, level: int = logging.DEBUG) -> list[str]:
    """The integration's own log lines at ``level`` or above, in order."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith(PACKAGE) and record.levelno >= level
    ]


def session_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The per-session lines (polls log at debug too, through the coordinator)."""
    return [line for line in ours(caplog) if line.startswith("Session ")]


async def test_streamed_session_logged_at_debug(
    hass: HomeAssistant,
    entity_id: str,
    kokoro_server: KokoroServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A streamed reply: opened with voice, language, speed; ended with timing and amounts."""
    caplog.set_level(logging.DEBUG, logger=PACKAGE)
    stream = tts.async_create_stream(hass, entity_id, language="en-US", options=WAV_OPTIONS)
    stream.async_set_message_stream(pieces("Hello there. ", "The kitchen lights are on."))
    data = b"".join([chunk async for chunk in stream.async_stream_result()])

    (line,) = session_lines(caplog)
    match = ENDED.fullmatch(line)
    assert match is not None, line
    assert match[2] == f"{HOST}:{kokoro_server.live_port}"
    assert match[3] == "voice af_heart, language en-us, speed 1.0, wav"
    assert match[4] == "text streamed in 2 pieces"
    assert match[5] == "completed"
    first_audio, chunks, total = float(match[6]), int(match[7]), float(match[9])
    assert 0 < first_audio <= total
    assert chunks >= 1
    # The logged length is the audio Home Assistant received.
    audio = float(match[8].removesuffix(" s of audio"))
    assert audio == pytest.approx(parse_wav(data).seconds, abs=0.01)
    assert ours(caplog, logging.INFO) == []


async def test_every_ending_is_logged(
    entity: KokoroLiveTTSEntity, kokoro_server: KokoroServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Whole text, a reader that stops early, a refused voice: each session says how it ended."""
    caplog.set_level(logging.DEBUG, logger=PACKAGE)
    _, data = await entity.async_get_tts_audio(
        SENTENCE, "en-GB", {"voice": "bm_george", **WAV_OPTIONS}
    )
    assert data is not None
    assert_speech(parse_wav(data), SENTENCE)
    (line,) = session_lines(caplog)
    assert "(voice bm_george, language en-gb, speed 1.0, wav, one-shot text) completed: " in line

    # Home Assistant sends a one-shot text as a stream of one piece: logged as one-shot.
    caplog.clear()
    response = await entity.async_stream_tts_audio(
        TTSAudioRequest("en-US", {"preferred_format": "flac"}, pieces("Hello there."))
    )
    assert b"".join([chunk async for chunk in response.data_gen]).startswith(b"fLaC")
    (line,) = session_lines(caplog)
    match = ENDED.fullmatch(line)
    assert match is not None, line
    assert (match[3], match[4], match[5]) == (
        "voice af_heart, language en-us, speed 1.0, flac",
        "one-shot text",
        "completed",
    )
    assert match[8].endswith(" bytes")

    caplog.clear()
    text = " ".join(["This sentence is here to keep the server busy for a while."] * 6)
    response = await entity.async_stream_tts_audio(
        TTSAudioRequest("en-US", {"speed": 1.2, **WAV_OPTIONS}, pieces(text))
    )
    await anext(response.data_gen)  # header
    await anext(response.data_gen)  # first audio
    await response.data_gen.aclose()
    (line,) = session_lines(caplog)
    match = ENDED.fullmatch(line)
    assert match is not None, line
    assert match[3] == "voice af_heart, language en-us, speed 1.2, wav"
    assert (match[5], match[7]) == ("stopped by its reader", "1")
    await wait_for_idle(kokoro_server, within=30)

    caplog.clear()
    with pytest.raises(HomeAssistantError, match="Unknown voice 'nobody'"):
        await entity.async_get_tts_audio("Hello.", "en-US", {"voice": "nobody"})
    (failed,) = session_lines(caplog)
    assert re.fullmatch(
        r"Session \d+ to \S+ \(voice nobody, language en-us, mp3, one-shot text\) "
        r"failed to open: Unknown voice 'nobody'.*: no audio, 0 chunks, 0 bytes in [\d.]+ s",
        failed,
    ), failed

    async def breaks_off() -> AsyncGenerator[str]:
        yield "The assistant started to answer, "
        raise RuntimeError("the assistant lost its connection")

    caplog.clear()
    response = await entity.async_stream_tts_audio(TTSAudioRequest("en-US", {}, breaks_off()))
    with pytest.raises(HomeAssistantError):
        async for _ in response.data_gen:
            pass
    (line,) = session_lines(caplog)
    assert ") text source failed: the assistant lost its connection: " in line
    # Failures reach the caller as errors; the log adds nothing above debug.
    assert ours(caplog, logging.INFO) == []


async def test_outage_and_recovery_one_line_each(
    hass: HomeAssistant,
    entity: KokoroLiveTTSEntity,
    entity_id: str,
    kokoro_server: KokoroServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Polls and speech during an outage: one ERROR line naming the address once; one line back."""
    address = f"{HOST}:{kokoro_server.live_port}"
    caplog.set_level(logging.INFO, logger=PACKAGE)
    await kokoro_server.async_stop()
    try:
        for minutes in (1, 2, 3):
            async_fire_time_changed(hass, dt_util.utcnow() + minutes * UPDATE_INTERVAL)
            await hass.async_block_till_done(wait_background_tasks=True)
        with pytest.raises(HomeAssistantError, match=f"at {re.escape(address)}: Connection"):
            await entity.async_get_tts_audio("Hello.", "en-US", {})
        state = hass.states.get(entity_id)
        assert state is not None
        assert state.state == STATE_UNAVAILABLE
    finally:
        await kokoro_server.async_start()
    assert ours(caplog) == [
        f"Error fetching Kokoro Live ({address}) data: Server unreachable (Connection refused)"
    ]

    # Back by the next poll, without anyone speaking.
    async_fire_time_changed(hass, dt_util.utcnow() + 4 * UPDATE_INTERVAL)
    await hass.async_block_till_done(wait_background_tasks=True)
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state != STATE_UNAVAILABLE
    lines = ours(caplog)
    assert lines[1:] == [f"Fetching Kokoro Live ({address}) data recovered"]
    assert all(line.count(address) == 1 for line in lines)

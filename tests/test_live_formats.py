"""Output formats on /ws/tts/live (PROTOCOL.md, "Output formats"): encoded on the server, streamed
segment by segment, decoded here by PyAV to the speech's length."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import av
import pytest
import pytest_asyncio
from websockets.asyncio.client import connect

from wyoming_kokoro.config import Limits
from wyoming_kokoro.engine import Engine
from wyoming_kokoro.engine.audio import duration_seconds
from wyoming_kokoro.server.host import LiveServer

from .helpers import start_live_server
from .test_live import Received, url

TEXT = "Okay, the lights are on. The front door is locked, and the garage is closed."


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(engine: Engine) -> AsyncIterator[LiveServer]:
    live = await start_live_server(engine, limits=Limits(auto_sessions=False, max_sessions=8))
    yield live
    await live.close()


async def speak(server: LiveServer, text: str, init: dict[str, Any] | None = None) -> Received:
    """One session: init, the text, end of input; every reply, framing checked."""
    received = Received()
    async with connect(url(server)) as ws:
        await ws.send(json.dumps(init or {}))
        first = json.loads(await ws.recv())
        if first["type"] == "error":
            received.error = first
        else:
            received.ready = first
            await ws.send(text)
            await ws.send("")
            chunk_id = 0
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 120))
                if message["type"] != "audio":
                    break
                chunk_id += 1
                assert message["chunk_id"] == chunk_id
                data = await ws.recv()
                assert isinstance(data, bytes) and len(data) == message["size"] > 0
                received.chunks.append(data)
            assert message["type"] == "end", message
            received.end = message
        await asyncio.wait_for(ws.wait_closed(), 10)
    received.close_code = ws.close_code
    return received


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def spoken_seconds(server: LiveServer) -> float:
    """The speech's length in the default format (the engine's PCM)."""
    received = await speak(server, TEXT)
    assert received.ready["format"] == "pcm_s16le" and received.ready["sample_rate"] == 24000
    return duration_seconds(received.pcm)


def decode(data: bytes, container_format: str | None = None) -> tuple[float, int, int]:
    """Seconds, sample rate and channels of an encoded stream, decoded by PyAV."""
    with av.open(io.BytesIO(data), format=container_format) as container:
        frames = list(container.decode(audio=0))
    samples = sum(frame.samples for frame in frames)
    return samples / frames[0].sample_rate, frames[0].sample_rate, frames[0].layout.nb_channels


@pytest.mark.parametrize(
    ("init", "rate", "channels"),
    [
        ({"format": "mp3"}, 24000, 1),
        ({"format": "flac", "sample_rate": 16000, "channels": 1, "sample_width": 2}, 16000, 1),
        ({"format": "wav", "sample_rate": 16000}, 16000, 1),
        ({"format": "ogg", "sample_rate": 48000, "channels": 2}, 48000, 2),
        ({"format": "aac", "sample_rate": 44100}, 44100, 1),
    ],
)
async def test_each_format_streams_and_decodes_to_the_speech_length(
    server: LiveServer, spoken_seconds: float, init: dict[str, Any], rate: int, channels: int
) -> None:
    received = await speak(server, TEXT, init)
    assert received.end is not None and received.close_code == 1000
    ready = received.ready
    expected_name = "opus" if init["format"] == "ogg" else init["format"]
    assert (ready["format"], ready["sample_rate"], ready["channels"]) == (
        expected_name,
        rate,
        channels,
    )
    # Streamed: the first segment's bytes came as their own chunk, before the rest.
    assert len(received.chunks) >= 2
    seconds, decoded_rate, decoded_channels = decode(received.pcm)
    assert (decoded_rate if expected_name != "opus" else rate) == rate
    assert decoded_channels == channels
    assert abs(seconds - spoken_seconds) < 0.15, f"{seconds:.2f} s of {spoken_seconds:.2f} s"


async def test_protocol_1_word_timings_come_with_encoded_audio(
    server: LiveServer, spoken_seconds: float
) -> None:
    """Word timestamps and an encoded format together: each ``words`` message comes right
    before an audio frame, the words in speaking order on the speech's timeline, and the mp3
    still decodes to the speech's length."""
    words: list[dict[str, Any]] = []
    chunks: list[bytes] = []
    async with connect(url(server)) as ws:
        await ws.send(json.dumps({"format": "mp3", "word_timestamps": True}))
        ready = json.loads(await ws.recv())
        assert (ready["format"], ready["word_timestamps"]) == ("mp3", True)
        await ws.send(TEXT)
        await ws.send("")
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 120))
            if message["type"] == "words":
                assert message["chunk_id"] == len(chunks) + 1, message
                words.extend(message["words"])
                continue
            if message["type"] != "audio":
                break
            assert message["chunk_id"] == len(chunks) + 1
            data = await ws.recv()
            assert isinstance(data, bytes) and len(data) == message["size"]
            chunks.append(data)
        assert message["type"] == "end" and message["total_chunks"] == len(chunks)
    seconds, _, _ = decode(b"".join(chunks))
    assert abs(seconds - spoken_seconds) < 0.15, f"{seconds:.2f} s of {spoken_seconds:.2f} s"
    spoken = [word["word"].strip(".,").lower() for word in words]
    assert spoken == [word.strip(".,").lower() for word in TEXT.split()]
    starts = [word["start"] for word in words]
    assert starts == sorted(starts)
    assert starts[0] >= 0 and words[-1]["end"] <= spoken_seconds + 0.05


async def test_raw_pcm_at_another_rate_and_stereo(
    server: LiveServer, spoken_seconds: float
) -> None:
    received = await speak(server, TEXT, {"format": "pcm", "sample_rate": 16000, "channels": 2})
    assert received.ready["format"] == "pcm_s16le"
    assert (received.ready["sample_rate"], received.ready["channels"]) == (16000, 2)
    seconds = len(received.pcm) / (16000 * 2 * 2)
    assert abs(seconds - spoken_seconds) < 0.01


async def test_protocol_2_contexts_get_the_format_each_a_whole_stream(
    server: LiveServer, spoken_seconds: float
) -> None:
    async with connect(url(server)) as ws:
        init = {"protocol": 2, "format": "flac", "sample_rate": 16000, "word_timestamps": True}
        await ws.send(json.dumps(init))
        ready = json.loads(await ws.recv())
        assert (ready["format"], ready["sample_rate"], ready["protocol"]) == ("flac", 16000, 2)
        streams: dict[str, list[bytes]] = {"a": [], "b": []}
        words: dict[str, list[str]] = {"a": [], "b": []}
        for context_id in streams:
            await ws.send(json.dumps({"type": "text", "context_id": context_id, "text": TEXT}))
            await ws.send(json.dumps({"type": "flush", "context_id": context_id}))
        ended: set[str] = set()
        while ended != set(streams):
            message = json.loads(await asyncio.wait_for(ws.recv(), 120))
            context_id = message["context_id"]
            if message["type"] == "audio":
                data = await ws.recv()
                assert isinstance(data, bytes) and len(data) == message["size"]
                streams[context_id].append(data)
            elif message["type"] == "words":
                words[context_id] += [word["word"] for word in message["words"]]
            else:
                assert message["type"] == "end", message
                ended.add(context_id)
    for context_id, chunks in streams.items():
        seconds, rate, _ = decode(b"".join(chunks))
        assert rate == 16000
        assert abs(seconds - spoken_seconds) < 0.15
        assert words[context_id] == [word.strip(",.") for word in TEXT.split()]


@pytest.mark.parametrize(
    ("init", "expected"),
    [
        ({"format": "mp4"}, "Unsupported format 'mp4': use one of pcm_s16le, pcm, wav, mp3"),
        ({"format": "opus", "sample_rate": 22050}, "Unsupported sample_rate 22050 for opus"),
        ({"format": "wav", "sample_rate": 4000}, "Unsupported sample_rate 4000: use 8000 to"),
        ({"format": "wav", "sample_rate": "16000"}, "'sample_rate' must be a whole number"),
        ({"format": "flac", "channels": 6}, "Unsupported channels 6: use 1 (mono) or 2"),
        ({"format": "wav", "sample_width": 4}, "Unsupported sample_width 4: only 2 (16-bit)"),
        ({"protocol": 2, "format": ["mp3"]}, "Unsupported format ['mp3']"),
    ],
)
async def test_a_bad_format_is_a_clear_error_and_a_policy_close(
    server: LiveServer, init: dict[str, Any], expected: str
) -> None:
    received = await speak(server, TEXT, init)
    assert received.error is not None and expected in received.error["message"]
    assert received.close_code == 1008
    assert not received.chunks


async def test_a_client_leaving_mid_stream_releases_its_encoder(
    server: LiveServer, engine: Engine
) -> None:
    async with connect(url(server)) as ws:
        await ws.send(json.dumps({"format": "mp3"}))
        json.loads(await ws.recv())
        await ws.send(TEXT * 4)
        message = json.loads(await asyncio.wait_for(ws.recv(), 60))
        assert message["type"] == "audio"
        assert len(await ws.recv()) == message["size"]
    for _ in range(200):
        if server.sessions.sessions == 0 and engine.stats()["sessions"] == 0:
            break
        await asyncio.sleep(0.05)
    assert server.sessions.sessions == 0 and engine.stats()["sessions"] == 0
    # The server still serves, in the same format.
    again = await speak(server, "Hi.", {"format": "mp3"})
    assert again.end is not None and decode(again.pcm)[0] > 0.3

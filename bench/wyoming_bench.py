"""Benchmark: Wyoming streaming time to first audio, against a running server, printed as JSON.

Sends the reference reply the way Home Assistant does (``synthesize-start``, chunks, the full
text again as ``synthesize``, ``synthesize-stop``), in one of these modes:

- ``deltas``: 4 characters every 100 ms, as Home Assistant forwards an LLM's output;
- ``sentences``: one chunk per sentence, all at once (an agent that answers in one go);
- ``oneshot``: a plain ``synthesize`` (a server without streaming), for comparison.

Start a server (``python -m wyoming_kokoro --uri tcp://127.0.0.1:10200 --language en-us``), then::

    .venv/bin/python bench/wyoming_bench.py --host 127.0.0.1 --port 10200 [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import time
from typing import Any

from wyoming.audio import AudioChunk, AudioStart
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop

from wyoming_kokoro.config import DEFAULT_WYOMING_PORT

REPLY = (
    "Okay, I turned on the kitchen lights and set the thermostat to twenty one degrees. "
    "The front door is locked, and the garage is closed. "
    "Tomorrow it will rain in the afternoon, so take an umbrella."
)
MODES = ("deltas", "sentences", "oneshot")
DELTA_CHARS = 4
DELTA_INTERVAL = 0.1
TIMEOUT = 120.0


def pieces_for(text: str, mode: str) -> list[str]:
    """How the text is cut for a streaming mode."""
    if mode == "deltas":
        return [text[i : i + DELTA_CHARS] for i in range(0, len(text), DELTA_CHARS)]
    if mode == "sentences":
        return [s for s in re.split(r"(?<=[.!?])(?=\s)", text) if s]
    raise ValueError(f"Unknown mode {mode!r}; choose from {', '.join(MODES)}")


async def wyoming_ttfa(
    host: str, port: int, text: str = REPLY, mode: str = "deltas"
) -> dict[str, Any]:
    """One request; times in seconds from the first text sent.

    ``ttfa``: first audio chunk; ``text_done``: all text sent; ``total``: the end event;
    ``audio``: seconds of audio received; ``after_text``: first audio minus text_done
    (negative: speech began before the text had ended).
    """
    end_type = "audio-stop" if mode == "oneshot" else "synthesize-stopped"
    async with AsyncTcpClient(host, port, read_timeout=TIMEOUT) as client:
        started = time.monotonic()
        first_audio: float | None = None
        audio_seconds = 0.0
        chunks = 0
        rate = 0

        async def read() -> float:
            nonlocal first_audio, audio_seconds, chunks, rate
            while (event := await client.read_event()) is not None:
                if AudioStart.is_type(event.type):
                    rate = AudioStart.from_event(event).rate
                elif AudioChunk.is_type(event.type):
                    chunk = AudioChunk.from_event(event)
                    if first_audio is None:
                        first_audio = time.monotonic() - started
                    audio_seconds += chunk.seconds
                    chunks += 1
                elif Error.is_type(event.type):
                    raise RuntimeError(f"Server error: {Error.from_event(event).text}")
                if event.type == end_type:
                    return time.monotonic() - started
            raise RuntimeError("The server closed the connection before the end")

        reader = asyncio.create_task(read())
        if mode == "oneshot":
            await client.write_event(Synthesize(text=text).event())
        else:
            await client.write_event(SynthesizeStart().event())
            for piece in pieces_for(text, mode):
                await client.write_event(SynthesizeChunk(text=piece).event())
                if mode == "deltas":
                    await asyncio.sleep(DELTA_INTERVAL)
            await client.write_event(Synthesize(text=text).event())
            await client.write_event(SynthesizeStop().event())
        text_done = time.monotonic() - started
        total = await asyncio.wait_for(reader, TIMEOUT)
    ttfa = first_audio if first_audio is not None else float("nan")
    return {
        "mode": mode,
        "ttfa": round(ttfa, 3),
        "text_done": round(text_done, 3),
        "after_text": round(ttfa - text_done, 3),
        "total": round(total, 3),
        "audio": round(audio_seconds, 3),
        "chunks": chunks,
        "rate": rate,
    }


async def run(host: str, port: int, modes: list[str], repeats: int, text: str) -> dict[str, Any]:
    """Every mode ``repeats`` times in turn; each mode's runs and their medians."""
    results: dict[str, Any] = {"host": host, "port": port, "text_chars": len(text), "modes": {}}
    for mode in modes:
        runs = [await wyoming_ttfa(host, port, text, mode) for _ in range(repeats)]
        numeric = ("ttfa", "text_done", "after_text", "total", "audio")
        median = {key: round(statistics.median(run[key] for run in runs), 3) for key in numeric}
        results["modes"][mode] = {"median": median, "runs": runs}
    return results


def main() -> None:
    """Command line: measure a running server and print JSON."""
    parser = argparse.ArgumentParser(description="Wyoming streaming time to first audio")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_WYOMING_PORT)
    parser.add_argument("--mode", choices=MODES, action="append", help="repeatable; default: all")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--text", default=REPLY)
    args = parser.parse_args()
    modes = args.mode or list(MODES)
    try:
        results = asyncio.run(run(args.host, args.port, modes, args.repeats, args.text))
    except OSError as error:
        parser.exit(1, f"Cannot reach a Wyoming server at {args.host}:{args.port}: {error}\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

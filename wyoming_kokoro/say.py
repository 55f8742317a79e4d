"""``wyoming-kokoro say``: speak text through a running Kokoro Live server into a WAV file.

With no text argument, standard input is streamed line by line into one live session, so
``my-llm | wyoming-kokoro say -o reply.wav`` starts speaking before the LLM has finished.
Only the client side is imported: no model, no onnxruntime.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading
import time
import wave
from collections.abc import AsyncIterator, Sequence
from typing import BinaryIO

from .aio import once
from .client import (
    DEFAULT_URL,
    SAMPLE_RATE,
    SAMPLE_WIDTH,
    KokoroClient,
    KokoroConnectionError,
    KokoroError,
)
from .config import API_KEY_ENV

PROG = "wyoming-kokoro say"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Speak text with a running Kokoro Live server. Reads standard input, "
        "line by line as it arrives, when no text is given.",
    )
    parser.add_argument("text", nargs="?", help="what to say (default: standard input)")
    parser.add_argument(
        "--url",
        default=DEFAULT_URL,
        help="server address: ws://host:port, http://host:port or a /ws/tts/... URL",
    )
    parser.add_argument(
        "--api-key",
        help=f"the server's API key, if it needs one (default: ${API_KEY_ENV})",
    )
    parser.add_argument("--voice", help="voice name or blend (default: the server's)")
    parser.add_argument("--language", help="language such as en-us (default: the server's)")
    parser.add_argument("--speed", type=float, help="0.5-2.0 (default: the server's)")
    parser.add_argument(
        "--buffered",
        action="store_true",
        help="use the buffered /ws/tts/stream endpoint instead of /ws/tts/live",
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        help="WAV file to write, or '-' for raw PCM (s16le, mono, 24 kHz) on standard output",
    )
    return parser


async def _stdin_lines() -> AsyncIterator[str]:
    """Standard input line by line, newline kept, as each line arrives.

    A daemon thread reads: a blocked read never holds up the exit.
    """
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read, name="stdin-reader", daemon=True).start()
    while (line := await lines.get()) is not None:
        yield line


class _Sink:
    """Where the audio goes: a WAV file (header fixed up at the end) or raw PCM on stdout."""

    def __init__(self, output: str) -> None:
        self._wav: wave.Wave_write | None = None
        self._raw: BinaryIO | None = None
        if output == "-":
            self._raw = sys.stdout.buffer
        else:
            self._wav = wave.open(output, "wb")  # noqa: SIM115  (closed in close())
            self._wav.setnchannels(1)
            self._wav.setsampwidth(SAMPLE_WIDTH)
            self._wav.setframerate(SAMPLE_RATE)

    def write(self, pcm: bytes) -> None:
        if self._wav is not None:
            self._wav.writeframes(pcm)
        elif self._raw is not None:
            self._raw.write(pcm)
            self._raw.flush()

    def close(self) -> None:
        if self._wav is not None:
            self._wav.close()


async def speak(args: argparse.Namespace) -> int:
    """Run one session; report first-audio time and durations on stderr."""
    try:
        client = KokoroClient(
            args.url,
            voice=args.voice,
            language=args.language,
            speed=args.speed,
            mode="buffered" if args.buffered else "live",
            api_key=args.api_key,
        )
    except KokoroError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    text = once(args.text) if args.text is not None else _stdin_lines()
    try:
        sink = await asyncio.to_thread(_Sink, args.output)
    except OSError as error:
        print(f"{PROG}: cannot write {args.output}: {error.strerror or error}", file=sys.stderr)
        return 1
    started = time.monotonic()
    first_audio: float | None = None
    audio_bytes = 0
    try:
        async with contextlib.aclosing(client.stream_synthesis(text)) as stream:
            async for pcm in stream:
                if first_audio is None:
                    first_audio = time.monotonic() - started
                audio_bytes += len(pcm)
                await asyncio.to_thread(sink.write, pcm)
    except KokoroConnectionError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 1
    except KokoroError as error:
        print(f"{PROG}: server error: {error}", file=sys.stderr)
        return 1
    finally:
        await asyncio.to_thread(sink.close)
    elapsed = time.monotonic() - started
    seconds = audio_bytes / (SAMPLE_RATE * SAMPLE_WIDTH)
    if first_audio is None:
        print(f"{PROG}: nothing to speak ({elapsed:.2f} s)", file=sys.stderr)
    else:
        print(
            f"{PROG}: first audio after {first_audio:.3f} s; {seconds:.2f} s of audio "
            f"in {elapsed:.2f} s",
            file=sys.stderr,
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``wyoming-kokoro say ...``; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(speak(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""A Pipecat bot that speaks through Kokoro Live: type a line, hear (and see) the reply.

    wyoming-kokoro --language en-us --no-wyoming          # the server, ws://127.0.0.1:8880
    python examples/pipecat/bot.py --out replies.wav      # then type lines; Ctrl-D ends

Pipeline: what you type -> an LLM (a scripted stand-in, or any OpenAI-compatible model with
``--openai-model``) streaming tokens -> ``KokoroLiveTTSService`` -> a sink that writes the audio
to a WAV file and prints each word when its audio starts. A line typed while a reply is still
being spoken interrupts it (barge-in): the context is cancelled on the server, and the words
printed so far are what a listener heard.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import wave
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

from pipecat.frames.frames import (
    EndFrame,
    Frame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    TTSStoppedFrame,
    TTSTextFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineWorker
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.workers.runner import WorkerRunner

from wyoming_kokoro.integrations.pipecat import KokoroLiveTTSService

_TOKEN = re.compile(r"\s*[\w']+|\s*[^\w\s]+")

REPLIES = {
    "light": "Okay, I turned on the kitchen lights. The front door is locked, and the garage "
    "is closed.",
    "weather": "Tomorrow it will rain in the afternoon, so take an umbrella. The evening is dry.",
}


def scripted_reply(user_text: str) -> str:
    """The stand-in LLM's answer: fixed, so every run sounds the same."""
    for key, reply in REPLIES.items():
        if key in user_text.lower():
            return reply
    return f"You said: {user_text.strip().rstrip('.!?')}. I am a demo bot, so that is all."


class LLM(FrameProcessor):
    """Answers each user line with a streamed reply; a new line interrupts the current one."""

    def __init__(self, tokens_per_second: float, openai_model: str | None) -> None:
        super().__init__()
        self._delay = 1.0 / tokens_per_second
        self._openai_model = openai_model
        self._replying: asyncio.Task[None] | None = None

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, TranscriptionFrame):
            if self._replying is not None and not self._replying.done():
                await self.cancel_task(self._replying)
                await self.broadcast_interruption()
            self._replying = self.create_task(self._reply(frame.text))
        else:
            await self.push_frame(frame, direction)

    async def _reply(self, user_text: str) -> None:
        await self.push_frame(LLMFullResponseStartFrame())
        async for token in self._tokens(user_text):
            await self.push_frame(LLMTextFrame(token))
        await self.push_frame(LLMFullResponseEndFrame())

    async def _tokens(self, user_text: str) -> AsyncIterator[str]:
        if self._openai_model is None:
            for token in _TOKEN.findall(scripted_reply(user_text)):
                await asyncio.sleep(self._delay)
                yield token
            return
        from openai import AsyncOpenAI  # OPENAI_API_KEY, OPENAI_BASE_URL (e.g. a local server)

        stream = await AsyncOpenAI().chat.completions.create(
            model=self._openai_model,
            messages=[
                {
                    "role": "system",
                    "content": "You are a voice assistant: answer in 1-3 sentences.",
                },
                {"role": "user", "content": user_text},
            ],
            stream=True,
        )
        async for chunk in stream:
            if chunk.choices and (text := chunk.choices[0].delta.content):
                yield text


class SpeechSink(FrameProcessor):
    """Writes the audio to a WAV file and prints each word when its audio starts."""

    def __init__(self, wav: wave.Wave_write) -> None:
        super().__init__()
        self._wav = wav
        self.replies_done = asyncio.Event()
        self.words: list[str] = []

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, TTSAudioRawFrame):
            self._wav.writeframes(frame.audio)
        elif isinstance(frame, TTSTextFrame):
            self.words.append(frame.text)
            seconds = (frame.pts or 0) / 1e9
            print(f"  {seconds:7.2f} s  {frame.text}", flush=True)
        elif isinstance(frame, TTSStoppedFrame):
            print("  (end of reply)", flush=True)
            self.replies_done.set()
        await self.push_frame(frame, direction)


async def run(
    lines: AsyncIterator[str] | Iterable[str],
    *,
    url: str,
    out: Path,
    voice: str | None = None,
    language: str | None = None,
    tokens_per_second: float = 15.0,
    openai_model: str | None = None,
    wait_for_reply: bool = False,
) -> list[str]:
    """Run the bot over ``lines`` (the user's turns); returns the words spoken. With
    ``wait_for_reply`` each line waits for the previous reply's end (no barge-in)."""
    tts = KokoroLiveTTSService(
        url=url, settings=KokoroLiveTTSService.Settings(voice=voice, language=language)
    )
    with wave.open(str(out), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(24_000)
        sink = SpeechSink(wav)
        worker = PipelineWorker(
            Pipeline([LLM(tokens_per_second, openai_model), tts, sink]),
            cancel_on_idle_timeout=False,
        )
        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(worker)
        running = asyncio.create_task(runner.run())
        said = False
        async for line in _aiter(lines):
            if line.strip():
                said = True
                sink.replies_done.clear()
                await worker.queue_frame(TranscriptionFrame(line, "user", ""))
                if wait_for_reply:
                    await sink.replies_done.wait()
        if said:
            await sink.replies_done.wait()
        await worker.queue_frame(EndFrame())
        await running
    return sink.words


async def _aiter(lines: AsyncIterator[str] | Iterable[str]) -> AsyncIterator[str]:
    if isinstance(lines, AsyncIterator):
        async for line in lines:
            yield line
    else:
        for line in lines:
            yield line


async def stdin_lines() -> AsyncIterator[str]:
    """Lines typed at the terminal, read without blocking the event loop."""
    while line := await asyncio.to_thread(sys.stdin.readline):
        yield line


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--url", default="ws://127.0.0.1:8880", help="the Kokoro Live server")
    parser.add_argument("--voice", help="a voice or blend of the server's (default: its own)")
    parser.add_argument("--language", help="e.g. en-us (default: the voice's)")
    parser.add_argument("--out", type=Path, default=Path("replies.wav"), help="WAV to write")
    parser.add_argument("--tokens-per-second", type=float, default=15.0)
    parser.add_argument(
        "--openai-model", help="answer with this OpenAI-compatible model instead of the script"
    )
    args: Any = parser.parse_args(argv)
    print("Type a line and press Enter; Ctrl-D ends.", flush=True)
    asyncio.run(
        run(
            stdin_lines(),
            url=args.url,
            out=args.out,
            voice=args.voice,
            language=args.language,
            tokens_per_second=args.tokens_per_second,
            openai_model=args.openai_model,
        )
    )
    print(f"Audio written to {args.out}")


if __name__ == "__main__":
    main()

"""The engine: one loaded Kokoro model per process, text pieces in, PCM chunks out.

The engine knows nothing of WebSockets or Wyoming. Each door calls :meth:`Engine.resolve` to
validate a request and :meth:`Engine.stream` to speak a stream of text pieces.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import os
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from . import audio
from .config import MAX_SPEED, MIN_SPEED, Settings
from .int8_rewrite import load_model_bytes
from .japanese import load_japanese_phonemizer
from .languages import (
    LANGUAGES,
    UnsupportedLanguageError,
    language_of_voice,
    normalize_language,
)
from .scheduler import InferenceScheduler, JobCancelledError
from .text import Segment, Segmenter
from .voices import VoiceBank, VoiceError

_LOGGER = logging.getLogger(__name__)

MAX_PHONEMES = 510

#: Pauses put between segments, matching what the model itself leaves at a full stop or comma
#: inside one pass (measured with bench/bench.py's duration comparison).
SENTENCE_PAUSE = 0.25
CLAUSE_PAUSE = 0.1

#: A rough speaking rate, to estimate how much audio a queued segment will give (scheduling only).
SECONDS_PER_CHAR = 0.065

#: Inferences at once, sharing one session's intra-op threads. Two overlap well on two cores
#: (real-time factor 0.20 -> 0.18; 4 simultaneous sessions: p95 first audio 1.03 -> 0.75 s),
#: and the scheduler runs nothing else beside a first segment, so first audio stays fast.
INFERENCE_WORKERS = 2

#: Segments synthesized ahead of the reader: enough to hide one inference, bounded for slow readers.
LOOKAHEAD = 2


class SynthesisError(Exception):
    """Synthesis failed; ``str()`` is a message a user can act on."""


class InvalidRequestError(SynthesisError):
    """The request itself is wrong (unknown voice, bad speed, unsupported language)."""


@dataclass(frozen=True)
class SpeechParams:
    """A validated request: what to say things with."""

    voice: str
    language: str
    speed: float
    style: NDArray[np.float32]


class _Model:
    """The onnxruntime session and the phonemizer; all calls are blocking (worker threads)."""

    def __init__(self, model_path: Path, threads: int, int8_rewrite: bool = True) -> None:
        from kokoro_onnx.chunker import split_phonemes
        from kokoro_onnx.session import embedded_vocab, input_dtypes, resolve_providers
        from kokoro_onnx.tokenizer import Tokenizer
        from kokoro_onnx.trim import trim

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # Spinning worker threads win a few percent on an idle machine and lose 1.5-2.5x when
        # anything else wants the CPU (measured): a home server always shares its CPU.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            load_model_bytes(model_path, int8_rewrite),
            sess_options=options,
            providers=resolve_providers(),
        )
        vocab: dict[str, int] = embedded_vocab(self.session)
        self.tokenizer = Tokenizer(vocab=vocab) if vocab else Tokenizer()
        self._dtypes: dict[str, Any] = input_dtypes(self.session)
        self._tokens_input = "input_ids" if "input_ids" in self._dtypes else "tokens"
        self._split = split_phonemes
        self._trim = trim
        self._japanese = load_japanese_phonemizer()

    def phonemize(self, text: str, language: str) -> list[str]:
        """Phonemes for ``text``, in batches the model accepts (never dropping the tail)."""
        if language == "ja" and self._japanese is not None:
            phonemes = self._japanese(text)
        else:
            phonemes = self.tokenizer.phonemize(text, language)
        phonemes = " ".join(phonemes.split())
        return [batch for batch in self._split(phonemes, MAX_PHONEMES) if batch.strip()]

    def infer(
        self,
        phonemes: str,
        style: NDArray[np.float32],
        speed: float,
        run_options: ort.RunOptions | None = None,
    ) -> NDArray[np.float32]:
        """Audio for one batch of phonemes, with the model's edge silence trimmed.

        Setting ``run_options.terminate`` from another thread stops a running inference.
        """
        tokens = self.tokenizer.tokenize(phonemes)
        if not tokens:
            return np.zeros(0, dtype=np.float32)
        row = style[min(len(tokens), len(style)) - 1]
        inputs = {
            self._tokens_input: np.array([[0, *tokens, 0]], dtype=self._dtypes[self._tokens_input]),
            "style": np.asarray(row, dtype=self._dtypes["style"]).reshape(1, -1),
            "speed": np.array([speed], dtype=self._dtypes["speed"]),
        }
        try:
            outputs = self.session.run(None, inputs, run_options)
        except Exception:
            if run_options is not None and run_options.terminate:
                raise JobCancelledError from None
            raise
        raw = np.asarray(outputs[0], dtype=np.float32).ravel()
        trimmed, _ = self._trim(raw)
        return np.asarray(trimmed, dtype=np.float32)


class _Pacer:
    """Tracks when a session's listener runs out of audio, to order its queued segments."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.first_audio_at: float | None = None
        self.audio_seconds = 0.0
        self.planned_seconds = 0.0

    def deadline_for(self, segment: Segment) -> float:
        """When the listener will need this segment's audio (plan, not promise)."""
        base = self.first_audio_at if self.first_audio_at is not None else time.monotonic()
        deadline = base + self.planned_seconds
        self.planned_seconds += len(segment.text) * SECONDS_PER_CHAR
        return deadline

    def delivered(self, pcm: bytes) -> None:
        if self.first_audio_at is None:
            self.first_audio_at = time.monotonic()
        seconds = audio.duration_seconds(pcm)
        self.audio_seconds += seconds


class Engine:
    """Streaming synthesis shared by every door; one per process."""

    sample_rate = audio.SAMPLE_RATE
    sample_width = audio.SAMPLE_WIDTH
    channels = audio.CHANNELS

    def __init__(
        self,
        model: _Model,
        voices: VoiceBank,
        settings: Settings,
        description: str,
        workers: int = 1,
    ) -> None:
        self._model = model
        self.voices = voices
        self.settings = settings
        self.description = description
        self._scheduler = InferenceScheduler(workers=workers)
        self._sessions = 0
        self._sessions_lock = threading.Lock()
        self.default = self.resolve()

    @classmethod
    def load(cls, settings: Settings) -> Engine:
        """Find the files, load the model and warm it up. Blocking: call from a thread."""
        from .models import resolve_model_files

        files = resolve_model_files(settings)
        threads = settings.threads or os.cpu_count() or 1
        started = time.monotonic()
        model = _Model(files.model, threads, settings.int8_rewrite)
        voices = VoiceBank.load(files.voices)
        engine = cls(model, voices, settings, files.description, workers=INFERENCE_WORKERS)
        engine.warm_up()
        _LOGGER.info(
            "Loaded %s with %d voices in %.1f s (%d threads)",
            files.description,
            len(voices.names),
            time.monotonic() - started,
            threads,
        )
        return engine

    def warm_up(self) -> None:
        """One short inference, so the first real request does not pay for lazy initialization."""
        for batch in self._model.phonemize("Hello there.", self.default.language):
            self._model.infer(batch, self.default.style, 1.0)

    def close(self) -> None:
        """Stop the workers (queued work is dropped)."""
        self._scheduler.close()

    # -- requests -------------------------------------------------------------------------

    @property
    def languages(self) -> list[str]:
        """Language codes the model can speak."""
        return list(LANGUAGES)

    def language_for(self, voice: str) -> str:
        """The language a voice speaks when the request names none."""
        if self.settings.language:
            return normalize_language(self.settings.language)
        first = voice.split("+", 1)[0].split(":", 1)[0].strip()
        return language_of_voice(first) or "en-us"

    def resolve(
        self,
        voice: str | None = None,
        language: str | None = None,
        speed: float | None = None,
    ) -> SpeechParams:
        """Validate a request against the loaded voices; raises InvalidRequestError."""
        voice_spec = voice if voice is not None else self.settings.voice
        if not isinstance(voice_spec, str) or not voice_spec.strip():
            raise InvalidRequestError("'voice' must be a non-empty string")
        try:
            style = self.voices.style(voice_spec)
            voice_name = self.voices.canonical(voice_spec)
        except VoiceError as error:
            raise InvalidRequestError(str(error)) from None
        if language is None:
            language_code = self.language_for(voice_name)
        elif isinstance(language, str):
            try:
                language_code = normalize_language(language)
            except UnsupportedLanguageError as error:
                raise InvalidRequestError(str(error)) from None
        else:
            raise InvalidRequestError("'language' must be a string such as 'en-us'")
        speed_value = self.settings.speed if speed is None else speed
        if (
            isinstance(speed_value, bool)
            or not isinstance(speed_value, int | float)
            or not math.isfinite(speed_value)
            or not MIN_SPEED <= speed_value <= MAX_SPEED
        ):
            raise InvalidRequestError(
                f"'speed' must be a number from {MIN_SPEED} to {MAX_SPEED}, got {speed_value!r}"
            )
        return SpeechParams(voice_name, language_code, float(speed_value), style)

    # -- synthesis ------------------------------------------------------------------------

    @property
    def active_sessions(self) -> int:
        """Streams currently open."""
        return self._sessions

    def stats(self) -> dict[str, int]:
        """Counters for /health and tests."""
        return {
            "sessions": self._sessions,
            "queued_segments": self._scheduler.queued,
            "running_segments": self._scheduler.stats.running,
            "segments_synthesized": self._scheduler.stats.completed,
            "segments_cancelled": self._scheduler.stats.cancelled,
            "segments_failed": self._scheduler.stats.failed,
        }

    def render(
        self,
        segment: Segment,
        params: SpeechParams,
        pause_before: float,
        run_options: ort.RunOptions | None = None,
    ) -> bytes:
        """Blocking: one segment to PCM, with the pause that joins it to the previous one."""
        try:
            parts = [audio.silence(pause_before)] if pause_before > 0 else []
            for batch in self._model.phonemize(segment.text, params.language):
                samples = self._model.infer(batch, params.style, params.speed, run_options)
                if len(samples):
                    parts.append(audio.fade_edges(samples))
        except JobCancelledError:
            raise
        except Exception as error:
            _LOGGER.exception("Synthesis failed for segment %r", segment.text)
            raise SynthesisError(f"Synthesis failed: {error}") from error
        if len(parts) == (1 if pause_before > 0 else 0):
            return b""  # nothing speakable: no pause either
        return audio.to_pcm16(np.concatenate(parts))

    async def stream(
        self, pieces: AsyncIterable[str], params: SpeechParams
    ) -> AsyncGenerator[bytes, None]:
        """Speak text as it arrives: PCM s16le chunks, one per segment, in order.

        Close the iterator (``contextlib.aclosing``) when the reader goes away: queued segments
        are dropped and nothing more runs for it. Errors from ``pieces`` propagate after the
        audio already produced for earlier text.
        """
        pending: asyncio.Queue[asyncio.Future[bytes] | BaseException | None] = asyncio.Queue(
            maxsize=LOOKAHEAD
        )
        pacer = _Pacer()

        async def feed() -> None:
            segmenter = Segmenter()
            previous: Segment | None = None

            async def submit(segments: Iterable[Segment]) -> None:
                nonlocal previous
                for segment in segments:
                    pause = 0.0
                    if previous is not None:
                        pause = SENTENCE_PAUSE if previous.ends_sentence else CLAUSE_PAUSE
                    previous = segment
                    run_options = ort.RunOptions()
                    job = self._scheduler.run(
                        functools.partial(self.render, segment, params, pause, run_options),
                        first=segment.index == 0,
                        deadline=pacer.deadline_for(segment),
                        interrupt=functools.partial(setattr, run_options, "terminate", True),
                    )
                    await pending.put(asyncio.ensure_future(job))

            try:
                async for piece in pieces:
                    await submit(segmenter.push(piece))
                await submit(segmenter.finish())
            except Exception as error:
                await pending.put(error)
            else:
                await pending.put(None)

        with self._sessions_lock:
            self._sessions += 1
        feeder = asyncio.create_task(feed())
        try:
            while (item := await pending.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                pcm = await item
                if pcm:
                    pacer.delivered(pcm)
                    yield pcm
        finally:
            feeder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feeder
            while not pending.empty():
                leftover = pending.get_nowait()
                if isinstance(leftover, asyncio.Future):
                    leftover.cancel()
            with self._sessions_lock:
                self._sessions -= 1

    async def synthesize(self, text: str, params: SpeechParams) -> bytes:
        """All the audio for ``text`` at once (segmented the same way as a stream)."""

        async def once() -> AsyncIterator[str]:
            yield text

        chunks = []
        async with contextlib.aclosing(self.stream(once(), params)) as stream:
            async for chunk in stream:
                chunks.append(chunk)
        return b"".join(chunks)

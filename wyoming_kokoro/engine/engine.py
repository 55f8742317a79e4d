"""The engine: one loaded Kokoro model per process, text pieces in, PCM chunks out.

The engine knows nothing of WebSockets or Wyoming. Each door calls :meth:`Engine.speech_params` to
validate a request and :meth:`Engine.stream` to speak a stream of text pieces.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import os
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterable, Callable, Iterable
from dataclasses import dataclass

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from ..config import Limits, Settings
from ..schema import RequestError, check_request
from ..text import Segment, Segmenter
from ..text.surrogates import SurrogateJoiner
from ..text.verbalize import verbalize
from . import audio
from .capacity import CapacityMeter
from .languages import LANGUAGES, language_of_voice, natural_voice, normalize_language
from .model import KokoroModel, resolve_device
from .scheduler import InferenceScheduler, JobCancelledError
from .speech_cache import SpeechCache, SpeechKey
from .timestamps import WORDLESS_LANGUAGES, TimedBatch, WordTiming, segment_timings
from .voices import VoiceBank, VoiceError

_LOGGER = logging.getLogger(__name__)

#: Pauses put between segments, matching what the model itself leaves at a full stop or comma
#: inside one pass (measured with bench/bench.py's duration comparison).
SENTENCE_PAUSE = 0.25
CLAUSE_PAUSE = 0.1

#: A rough speaking rate, to estimate how much audio a queued segment will give (scheduling only).
SECONDS_PER_CHAR = 0.065

#: Inferences at once, sharing one session's intra-op threads: two overlap well on two cores,
#: and the scheduler runs nothing else beside a first segment, so first audio stays fast.
INFERENCE_WORKERS = 2

#: Whether a first segment interrupts a running later one when every worker is busy. Off: on a
#: quiet machine, replies arriving a second apart kept first audio well under a second either
#: way, and interrupting cost the other listeners gaps (README, "Benchmark").
PREEMPT_FOR_FIRST_SEGMENTS = False

#: Segments synthesized ahead of the reader: enough to hide one inference, bounded for slow readers.
LOOKAHEAD = 2

#: Timed at warm-up to seed the capacity estimate, and again while the server is quiet: a
#: sentence of ordinary length.
CAPACITY_PROBE = "The front door is locked, and the garage is closed."

#: How often a quiet server asks whether an idle capacity probe is due.
PROBE_POLL_SECONDS = 1.0

#: The model a GPU runs when ``--model`` is left at the CPU's int8 default.
CUDA_MODEL = "fp32"


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


@dataclass(frozen=True)
class Rendered:
    """One segment's PCM and, when asked for, its words (seconds from the PCM's start)."""

    pcm: bytes
    words: tuple[WordTiming, ...] = ()


class _Pacer:
    """Tracks when a session's listener runs out of audio, to order its queued segments."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.first_audio_at: float | None = None
        self.planned_seconds = 0.0

    def deadline_for(self, segment: Segment) -> float:
        """When the listener will need this segment's audio (plan, not promise)."""
        base = self.first_audio_at if self.first_audio_at is not None else time.monotonic()
        deadline = base + self.planned_seconds
        self.planned_seconds += len(segment.text) * SECONDS_PER_CHAR
        return deadline

    def delivered(self) -> None:
        """Audio reached the listener: from now on the plan counts from this moment."""
        if self.first_audio_at is None:
            self.first_audio_at = time.monotonic()


#: Renders one segment after a pause, interruptible through its run options (blocking).
_Render = Callable[[Segment, float, ort.RunOptions], Rendered]

#: A segment's audio already at hand (the speech cache), or None.
_Recall = Callable[[Segment, float], Rendered | None]


class _RunControl:
    """The run options of one segment's current attempt.

    The scheduler may interrupt a later segment to make room for a first one and run it again:
    the new attempt gets fresh options, and an interrupt always reaches the attempt running now.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._options = ort.RunOptions()

    @property
    def options(self) -> ort.RunOptions:
        with self._lock:
            return self._options

    def interrupt(self) -> None:
        with self._lock:
            self._options.terminate = True

    def reset(self) -> None:
        with self._lock:
            self._options = ort.RunOptions()


class _Feeder:
    """One stream's producer: cuts the arriving text into segments and queues their synthesis
    in order, at most :data:`LOOKAHEAD` ahead of the reader.

    A job is started only once its place in ``pending`` is reserved, and it is queued in the same
    step (no await in between): every job started is in ``pending`` until the reader takes it,
    so :meth:`drop` reaches all of them, however the session ends.
    """

    def __init__(
        self, scheduler: InferenceScheduler, render: _Render, recall: _Recall, language: str
    ) -> None:
        self._scheduler = scheduler
        self._render = render
        self._recall = recall
        self._segmenter = Segmenter(language=language)
        self._previous: Segment | None = None
        self._slots = asyncio.Semaphore(LOOKAHEAD)
        self.pacer = _Pacer()
        #: Each segment's audio to come, in order; then None (done) or the text source's error.
        self.pending: asyncio.Queue[asyncio.Future[Rendered] | BaseException | None] = (
            asyncio.Queue()
        )

    async def feed(self, pieces: AsyncIterable[str]) -> None:
        """Read ``pieces`` to the end; a failing source is queued as its error."""
        joiner = SurrogateJoiner()  # the one place every door's text pieces pass
        try:
            async for piece in pieces:
                await self._submit(self._segmenter.push(joiner.push(piece)))
            await self._submit(self._segmenter.push(joiner.finish()))
            await self._submit(self._segmenter.finish())
        except Exception as error:
            self.pending.put_nowait(error)
        else:
            self.pending.put_nowait(None)

    async def next_item(self) -> asyncio.Future[Rendered] | BaseException | None:
        """The next segment's audio to come (its place is freed for the one after)."""
        item = await self.pending.get()
        if isinstance(item, asyncio.Future):
            self._slots.release()
        return item

    async def _submit(self, segments: Iterable[Segment]) -> None:
        for segment in segments:
            pause = 0.0
            if self._previous is not None:
                pause = SENTENCE_PAUSE if self._previous.ends_sentence else CLAUSE_PAUSE
            self._previous = segment
            await self._slots.acquire()
            deadline = self.pacer.deadline_for(segment)
            kept = self._recall(segment, pause)
            if kept is not None:  # spoken before: no worker needed
                replay: asyncio.Future[Rendered] = asyncio.get_running_loop().create_future()
                replay.set_result(kept)
                self.pending.put_nowait(replay)
                continue
            control = _RunControl()
            job = self._scheduler.run(
                functools.partial(self._attempt, segment, pause, control),
                first=segment.index == 0,
                deadline=deadline,
                interrupt=control.interrupt,
                reset=control.reset,
            )
            self.pending.put_nowait(asyncio.ensure_future(job))

    def _attempt(self, segment: Segment, pause: float, control: _RunControl) -> Rendered:
        return self._render(segment, pause, control.options)

    def drop(self) -> None:
        """The reader is gone: cancel the synthesis still queued for it."""
        while not self.pending.empty():
            leftover = self.pending.get_nowait()
            if isinstance(leftover, asyncio.Future):
                leftover.cancel()


class Engine:
    """Streaming synthesis shared by every door; one per process."""

    sample_rate = audio.SAMPLE_RATE
    sample_width = audio.SAMPLE_WIDTH
    channels = audio.CHANNELS

    def __init__(
        self,
        model: KokoroModel,
        voices: VoiceBank,
        settings: Settings,
        description: str,
        workers: int = 1,
    ) -> None:
        self._model = model
        self.voices = voices
        self.settings = settings
        self.description = description
        self._scheduler = InferenceScheduler(workers=workers, preempt=PREEMPT_FOR_FIRST_SEGMENTS)
        self.capacity = CapacityMeter()
        cache_bytes = int(settings.speech_cache_mb * 2**20)
        self.speech_cache: SpeechCache[Rendered] | None = (
            SpeechCache(cache_bytes) if cache_bytes > 0 else None
        )
        self._sessions = 0
        self._sessions_lock = threading.Lock()
        #: The idle capacity probe running now: a stream that starts interrupts it.
        self._probe: _RunControl | None = None
        self.default_params = self.speech_params()

    @classmethod
    def load(cls, settings: Settings) -> Engine:
        """Find the files, load the model and warm it up. Blocking: call from a thread."""
        from ..modelfiles import resolve_model_files

        device = resolve_device(settings.device)
        if device == "cuda" and settings.model == "embedded":
            settings = dataclasses.replace(settings, model=CUDA_MODEL)
        files = resolve_model_files(settings)
        threads = settings.threads or os.cpu_count() or 1
        started = time.monotonic()
        model = KokoroModel(
            files.model, threads, settings.int8_rewrite, settings.vocoder_crop, device=device
        )
        voices = VoiceBank.load(files.voices)
        engine = cls(model, voices, settings, files.description, workers=INFERENCE_WORKERS)
        engine.warm_up()
        _LOGGER.info(
            "Loaded %s with %d voices in %.1f s (%d threads, %s); capacity about %.1f real-time "
            "streams",
            files.description,
            len(voices.names),
            time.monotonic() - started,
            threads,
            device,
            engine.capacity.capacity_sessions,
        )
        return engine

    def warm_up(self) -> None:
        """One short inference, so the first real request does not pay for lazy initialization;
        then one timed sentence, the capacity estimate's first measurement."""
        params = self.default_params
        for batch in self._model.phonemize("Hello there.", params.language):
            self._model.infer(batch, params.style, 1.0)
        timed = self._timed_probe(ort.RunOptions())
        if timed is not None:
            self.capacity.seed(*timed)

    def _timed_probe(self, run_options: ort.RunOptions) -> tuple[float, float] | None:
        """Blocking: the probe sentence's audio seconds and the seconds it took (None if
        interrupted)."""
        params = self.default_params
        started = time.perf_counter()
        seconds = 0.0
        try:
            for batch in self._model.phonemize(CAPACITY_PROBE, params.language):
                inference = self._model.infer(batch, params.style, 1.0, run_options)
                seconds += len(inference.audio) / audio.SAMPLE_RATE
        except JobCancelledError:
            return None
        return seconds + SENTENCE_PAUSE, time.perf_counter() - started

    async def probe_capacity(self) -> bool:
        """Time the probe sentence again (an idle probe) in a thread; a stream that starts
        meanwhile interrupts it, and nothing is measured. True if it measured."""
        control = _RunControl()
        self._probe = control
        try:
            timed = await asyncio.to_thread(self._timed_probe, control.options)
        except asyncio.CancelledError:
            control.interrupt()
            raise
        finally:
            self._probe = None
        if timed is None:
            return False
        self.capacity.probed(*timed)
        return True

    async def keep_capacity_fresh(self) -> None:
        """Run while the server serves ``--max-sessions auto``: an idle probe whenever the
        capacity meter says one is due and no stream is open."""
        while True:
            await asyncio.sleep(PROBE_POLL_SECONDS)
            if not self._sessions and not self._scheduler.queued and self.capacity.probe_due():
                await self.probe_capacity()

    def close(self) -> None:
        """Stop the workers (queued work is dropped)."""
        self._scheduler.close()

    # -- requests -------------------------------------------------------------------------

    @property
    def languages(self) -> list[str]:
        """Language codes the model can speak."""
        return list(LANGUAGES)

    def default_voice(self, language: str | None = None) -> str:
        """The voice for a request that names none: ``--voice``, else the natural voice of
        the request's language (else ``--language``, else US English)."""
        if self.settings.voice:
            return self.settings.voice
        if language is None:
            language = normalize_language(self.settings.language or "en-us")
        return natural_voice(language, self.voices.names)

    def language_for(self, voice: str) -> str:
        """The language a voice speaks when the request names none."""
        if self.settings.language:
            return normalize_language(self.settings.language)
        first = voice.split("+", 1)[0].split(":", 1)[0].strip()
        return language_of_voice(first) or "en-us"

    def speech_params(
        self,
        voice: object = None,
        language: object = None,
        speed: object = None,
    ) -> SpeechParams:
        """Check a request (the request schema) against the loaded voices; None: the default.

        Raises :class:`InvalidRequestError` naming the field that is wrong.
        """
        try:
            request = check_request({"voice": voice, "language": language, "speed": speed})
        except RequestError as error:
            raise InvalidRequestError(str(error)) from None
        voice_spec = (
            request.voice if request.voice is not None else self.default_voice(request.language)
        )
        try:
            style = self.voices.style(voice_spec)
            voice_name = self.voices.canonical(voice_spec)
        except VoiceError as error:
            raise InvalidRequestError(str(error)) from None
        language_code = request.language or self.language_for(voice_name)
        speed_value = request.speed if request.speed is not None else self.settings.speed
        return SpeechParams(voice_name, language_code, speed_value, style)

    # -- synthesis ------------------------------------------------------------------------

    @property
    def active_sessions(self) -> int:
        """Streams currently open."""
        return self._sessions

    def stats(self) -> dict[str, int | float | None]:
        """Counters for /health and tests, and the capacity estimate."""
        rtf = self.capacity.real_time_factor
        cache = self.speech_cache.stats if self.speech_cache is not None else None
        return {
            "sessions": self._sessions,
            "queued_segments": self._scheduler.queued,
            "running_segments": self._scheduler.stats.running,
            "segments_synthesized": self._scheduler.stats.completed,
            "segments_cancelled": self._scheduler.stats.cancelled,
            "segments_failed": self._scheduler.stats.failed,
            "segments_preempted": self._scheduler.stats.preempted,
            "real_time_factor": None if rtf is None else round(rtf, 3),
            "capacity_sessions": round(self.capacity.capacity_sessions, 2),
            "admission_limit": self.admission_limit(),
            "speech_cache_hits": cache.hits if cache else 0,
            "speech_cache_entries": cache.entries if cache else 0,
        }

    def admission_limit(self, limits: Limits | None = None) -> int:
        """Sessions the doors should admit at once (``--max-sessions``; ``limits``: a server's
        own, else the engine's settings).

        With ``auto`` (the default) it follows the measured capacity: at least two, at most the
        ``max_sessions`` ceiling; with a number, that number.
        """
        limits = limits or self.settings.limits
        if not limits.auto_sessions:
            return limits.max_sessions
        return self.capacity.admission_limit(limits.max_sessions)

    def render(
        self,
        segment: Segment,
        params: SpeechParams,
        pause_before: float,
        run_options: ort.RunOptions | None = None,
    ) -> bytes:
        """Blocking: one segment to PCM, with the pause that joins it to the previous one."""
        return self.render_timed(segment, params, pause_before, run_options, timed=False).pcm

    def render_timed(
        self,
        segment: Segment,
        params: SpeechParams,
        pause_before: float,
        run_options: ort.RunOptions | None = None,
        timed: bool = True,
    ) -> Rendered:
        """Blocking: one segment to PCM and, if ``timed``, the timings of its written words."""
        try:
            parts = [audio.silence(pause_before)] if pause_before > 0 else []
            offset = sum(len(part) for part in parts)
            spoken = verbalize(segment.text, params.language)
            batches: list[TimedBatch] = []
            for batch in self._model.phonemize(spoken, params.language):
                inference = self._model.infer(
                    batch, params.style, params.speed, run_options, shared=self._sessions > 1
                )
                if len(inference.audio):
                    parts.append(audio.fade_edges(inference.audio))
                    batches.append(
                        TimedBatch(
                            batch,
                            inference.durations,
                            inference.start_sample,
                            offset,
                            len(inference.audio),
                        )
                    )
                    offset += len(inference.audio)
            words: list[WordTiming] = []
            if timed and batches:
                words = segment_timings(
                    segment.text,
                    spoken,
                    batches,
                    functools.partial(self._model.phonemize_words, language=params.language),
                    self.sample_rate,
                )
        except JobCancelledError:
            raise
        except Exception as error:
            _LOGGER.exception("Synthesis failed for segment %r", segment.text)
            raise SynthesisError(f"Synthesis failed: {error}") from error
        if not batches:
            return Rendered(b"")  # nothing speakable: no pause either
        return Rendered(audio.to_pcm16(np.concatenate(parts)), tuple(words))

    @staticmethod
    def word_timestamps_unsupported(language: str) -> str | None:
        """Why ``language`` gets no word timestamps, or None when it does."""
        return WORDLESS_LANGUAGES.get(language)

    def _speech_key(
        self, segment: Segment, params: SpeechParams, pause_before: float, timed: bool
    ) -> SpeechKey | None:
        """The speech cache's key for a segment, or None when it is not one to keep."""
        if self.speech_cache is None or not self.speech_cache.keeps(segment.text):
            return None
        return SpeechKey(
            segment.text, params.voice, params.language, params.speed, pause_before, timed
        )

    def _recall(
        self, segment: Segment, params: SpeechParams, pause_before: float, timed: bool
    ) -> Rendered | None:
        """A segment's audio from the speech cache, if it was spoken before."""
        cache, key = self.speech_cache, self._speech_key(segment, params, pause_before, timed)
        return cache.get(key) if cache is not None and key is not None else None

    def _render_on_worker(
        self,
        segment: Segment,
        params: SpeechParams,
        pause_before: float,
        run_options: ort.RunOptions,
        timed: bool,
    ) -> Rendered:
        """:meth:`render_timed` on a worker: counted by the capacity meter, and a short
        segment's audio kept in the speech cache."""
        self.capacity.started()
        rendered = Rendered(b"")
        try:
            rendered = self.render_timed(segment, params, pause_before, run_options, timed)
        finally:
            self.capacity.finished(audio.duration_seconds(rendered.pcm))
        cache, key = self.speech_cache, self._speech_key(segment, params, pause_before, timed)
        if cache is not None and key is not None and rendered.pcm:
            cache.put(key, rendered, len(rendered.pcm))
        return rendered

    async def stream(
        self, pieces: AsyncIterable[str], params: SpeechParams
    ) -> AsyncGenerator[bytes, None]:
        """Speak text as it arrives: PCM s16le chunks, one per segment, in order.

        Close the iterator (``contextlib.aclosing``) when the reader goes away: queued segments
        are dropped and nothing more runs for it. Errors from ``pieces`` propagate after the
        audio already produced for earlier text.
        """
        rendered = self._stream(pieces, params, timed=False)
        async with contextlib.aclosing(rendered):
            async for chunk in rendered:
                yield chunk.pcm

    def stream_timed(
        self, pieces: AsyncIterable[str], params: SpeechParams
    ) -> AsyncGenerator[Rendered, None]:
        """As :meth:`stream`, each chunk with its written words' timings (seconds from the
        chunk's start; none for a language in :data:`WORDLESS_LANGUAGES`)."""
        timed = self.word_timestamps_unsupported(params.language) is None
        return self._stream(pieces, params, timed=timed)

    async def _stream(
        self, pieces: AsyncIterable[str], params: SpeechParams, timed: bool
    ) -> AsyncGenerator[Rendered, None]:
        feeder = _Feeder(
            self._scheduler,
            lambda segment, pause, run_options: self._render_on_worker(
                segment, params, pause, run_options, timed
            ),
            lambda segment, pause: self._recall(segment, params, pause, timed),
            params.language,
        )
        with self._sessions_lock:
            self._sessions += 1
        if (probe := self._probe) is not None:
            probe.interrupt()  # a listener goes first
        feeding = asyncio.create_task(feeder.feed(pieces))
        try:
            while (item := await feeder.next_item()) is not None:
                if isinstance(item, BaseException):
                    raise item
                chunk = await item
                if chunk.pcm:
                    feeder.pacer.delivered()
                    yield chunk
        finally:
            feeding.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feeding
            feeder.drop()
            with self._sessions_lock:
                self._sessions -= 1

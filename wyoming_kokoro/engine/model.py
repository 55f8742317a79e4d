"""The Kokoro ONNX model: its onnxruntime sessions and the phonemizers that feed them.

Every call blocks (inference takes tens to hundreds of milliseconds): the engine runs them on
the scheduler's worker threads, never on the event loop.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from ..modelfiles import ModelError
from .int8_rewrite import load_model
from .japanese import load_japanese_phonemizer
from .scheduler import JobCancelledError
from .vocoder_split import (
    SAMPLES_PER_FRAME,
    CropWindow,
    SplitError,
    crop_window,
    split_model,
)

_LOGGER = logging.getLogger(__name__)

MAX_PHONEMES = 510

#: Give the CPU arena's unused chunks back after every run. onnxruntime keeps the arena at its
#: peak otherwise: one long batch (kanji read as English, a few dozen characters) grows it by
#: more than a gigabyte for good. Shrinking costs no measurable speed (README, Memory).
ARENA_SHRINKAGE = ("memory.enable_memory_arena_shrinkage", "cpu:0")

#: glibc's ``malloc_trim``: hands freed heap memory back to the system, which glibc otherwise
#: keeps for reuse. Absent elsewhere (musl, macOS), where this step is skipped.
_MALLOC_TRIM = getattr(ctypes.CDLL(None), "malloc_trim", None)


class _WordCountMismatchFilter(logging.Filter):
    """Drops phonemizer's "words count mismatch" warning, and only that one.

    phonemizer compares the words of each input line with the words espeak-ng read, and
    warns when they differ (even in its "ignore" mode). espeak-ng reads a number or a time as
    several words ("21" -> "twenty one"), so every reply with one warned. The engine never uses
    phonemizer's word boundaries, so the mismatch is expected and harmless.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("words count mismatch")


_WORD_COUNT_FILTER = _WordCountMismatchFilter()


def _shrink_arena_after(options: ort.RunOptions) -> None:
    """Ask for :data:`ARENA_SHRINKAGE` once per run options (a segment's batches share them;
    onnxruntime logs a warning when an entry is set twice)."""
    key, value = ARENA_SHRINKAGE
    try:
        options.get_run_config_entry(key)
    except RuntimeError:  # not set yet
        options.add_run_config_entry(key, value)


@dataclass(frozen=True)
class Inference:
    """One batch of phonemes spoken: the kept audio, and where each token falls in it.

    Token ``i`` (pad tokens first and last included) spans frames ``sum(durations[:i])`` to
    ``sum(durations[:i + 1])`` of the model's timeline, ``SAMPLES_PER_FRAME`` samples each;
    ``audio`` starts at sample ``start_sample`` of that timeline. ``durations`` is empty when
    the model could not be split (an unknown export).
    """

    audio: NDArray[np.float32]
    durations: NDArray[np.int64]
    start_sample: int


@dataclass
class StageTimes:
    """Cumulative seconds per stage of the model runs, and frames decoded vs predicted."""

    phonemize: float = 0.0
    front: float = 0.0
    vocoder: float = 0.0
    runs: int = 0
    frames_predicted: int = 0
    frames_decoded: int = 0
    #: Vocoder runs on one thread because another listener's inference ran beside them.
    vocoder_one_thread: int = 0


#: Frames decoded before the first and after the last sounding frame, for the vocoder's context
#: (measured with bench/quality.py: fewer makes the edges of the speech fade differently).
CROP_LEAD_FRAMES = 8
CROP_TAIL_FRAMES = 16

CUDA_PROVIDER = "CUDAExecutionProvider"
CPU_PROVIDER = "CPUExecutionProvider"


def resolve_device(device: str) -> str:
    """``cpu``, ``cuda`` or ``auto`` to the device to run on; ModelError if CUDA is missing."""
    available = ort.get_available_providers()
    if device == "auto":
        return "cuda" if CUDA_PROVIDER in available else "cpu"
    if device == "cuda" and CUDA_PROVIDER not in available:
        raise ModelError(
            "--device cuda: this onnxruntime has no CUDAExecutionProvider (providers: "
            f"{', '.join(available)}); install onnxruntime-gpu with CUDA and cuDNN, "
            "or use --device cpu"
        )
    return device


def providers_for(device: str) -> list[str]:
    """onnxruntime execution providers for a resolved device, CPU as the fallback for any op."""
    return [CUDA_PROVIDER, CPU_PROVIDER] if device == "cuda" else [CPU_PROVIDER]


def session_options(threads: int) -> ort.SessionOptions:
    """onnxruntime options for a session running on ``threads`` intra-op threads."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # Spinning worker threads win a few percent on an idle machine and lose 1.5-2.5x when
    # anything else wants the CPU (measured): a home server always shares its CPU.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


class KokoroModel:
    """The onnxruntime sessions and the phonemizer; all calls are blocking (worker threads).

    The graph is split where the vocoder starts (``vocoder_split``): the front part predicts
    durations, F0 and energy, then the vocoder decodes the frames (with ``vocoder_crop``, only
    those that will be heard). With more than one thread, a second vocoder session runs on one
    thread for inferences that share the CPU with other listeners' (:meth:`_vocoder_for_now`).
    """

    def __init__(
        self,
        model_path: Path,
        threads: int,
        int8_rewrite: bool = True,
        vocoder_crop: bool = False,
        device: str = "cpu",
    ) -> None:
        from kokoro_onnx.chunker import split_phonemes
        from kokoro_onnx.session import embedded_vocab, input_dtypes
        from kokoro_onnx.tokenizer import Tokenizer
        from kokoro_onnx.trim import trim

        logging.getLogger("phonemizer").addFilter(_WORD_COUNT_FILTER)
        options = session_options(threads)
        providers = providers_for(device)
        self.vocoder: ort.InferenceSession | None = None
        self._vocoder_one_thread: ort.InferenceSession | None = None
        self._runs = 0  # inferences running now, on any thread
        self._runs_lock = threading.Lock()
        # One parsed copy of the model at a time: loading peaks far above what serving needs.
        graph = load_model(model_path, int8_rewrite and device == "cpu")
        try:
            split = split_model(graph)
        except SplitError as error:
            _LOGGER.info("Decoding every frame: %s", error)
            whole = graph.SerializeToString()
            del graph
            self.front = ort.InferenceSession(whole, options, providers=providers)
        else:
            del graph
            self.front = ort.InferenceSession(split.front, options, providers=providers)
            self.vocoder = ort.InferenceSession(split.vocoder, options, providers=providers)
            if threads > 1 and device == "cpu":
                # Used while another inference runs: see :meth:`_vocoder_for_now`.
                self._vocoder_one_thread = ort.InferenceSession(
                    split.vocoder, session_options(1), providers=providers
                )
            self._cut = split.cut
        self.vocoder_crop = vocoder_crop
        self.stages = StageTimes()
        self._stages_lock = threading.Lock()
        vocab: dict[str, int] = embedded_vocab(self.front)
        self.tokenizer = Tokenizer(vocab=vocab) if vocab else Tokenizer()
        self._dtypes: dict[str, Any] = input_dtypes(self.front)
        self._tokens_input = "input_ids" if "input_ids" in self._dtypes else "tokens"
        self._split = split_phonemes
        self._trim = trim
        self._japanese = load_japanese_phonemizer()

    def phonemize(self, text: str, language: str) -> list[str]:
        """Phonemes for ``text``, in batches the model accepts (never dropping the tail)."""
        started = time.perf_counter()
        if language == "ja" and self._japanese is not None:
            phonemes = self._japanese(text)
        else:
            phonemes = self.tokenizer.phonemize(text, language)
        phonemes = " ".join(phonemes.split())
        batches = [batch for batch in self._split(phonemes, MAX_PHONEMES) if batch.strip()]
        self._count(phonemize=time.perf_counter() - started)
        return batches

    def phonemize_words(self, words: list[str], language: str) -> list[str]:
        """Each word phonemized by itself (for aligning words with a segment's phonemes)."""
        if not words:
            return []
        import phonemizer
        from kokoro_onnx.tokenizer import _espeak_lock  # espeak's global state needs it

        with _espeak_lock:
            result = phonemizer.phonemize(
                words, language, preserve_punctuation=True, with_stress=True
            )
        return [str(item) for item in result]

    def infer(
        self,
        phonemes: str,
        style: NDArray[np.float32],
        speed: float,
        run_options: ort.RunOptions | None = None,
        shared: bool = False,
    ) -> Inference:
        """Audio for one batch of phonemes, with the model's edge silence trimmed.

        Setting ``run_options.terminate`` from another thread stops a running inference. The
        working memory of the run goes back to the system when it ends. ``shared``: other
        listeners' inferences compete for the CPU (see :meth:`_vocoder_for_now`).
        """
        tokens = self.tokenizer.tokenize(phonemes)
        if not tokens:
            return Inference(np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64), 0)
        row = style[min(len(tokens), len(style)) - 1]
        inputs = {
            self._tokens_input: np.array([[0, *tokens, 0]], dtype=self._dtypes[self._tokens_input]),
            "style": np.asarray(row, dtype=self._dtypes["style"]).reshape(1, -1),
            "speed": np.array([speed], dtype=self._dtypes["speed"]),
        }
        options = run_options if run_options is not None else ort.RunOptions()
        _shrink_arena_after(options)
        try:
            raw, durations = self._run(inputs, options, shared)
        except Exception:
            if options.terminate:
                raise JobCancelledError from None
            raise
        finally:
            if _MALLOC_TRIM is not None:
                _MALLOC_TRIM(0)
        trimmed, (start, _) = self._trim(raw)
        return Inference(np.asarray(trimmed, dtype=np.float32), durations, int(start))

    def _run(
        self, inputs: dict[str, NDArray[Any]], run_options: ort.RunOptions, shared: bool
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """Raw audio on the model's whole timeline, and the frames per token."""
        started = time.perf_counter()
        if self.vocoder is None:
            outputs = self.front.run(None, inputs, run_options)
            self._count(front=time.perf_counter() - started)
            audio = np.asarray(outputs[0], dtype=np.float32).ravel()
            return audio, np.zeros(0, dtype=np.int64)
        with self._counted_run():
            return self._run_split(inputs, run_options, started, shared)

    def _run_split(
        self,
        inputs: dict[str, NDArray[Any]],
        run_options: ort.RunOptions,
        started: float,
        shared: bool,
    ) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """:meth:`_run` on the split graph: the front part, then the vocoder on the kept frames."""
        assert self.vocoder is not None
        cut = self._cut
        durations, features, f0, noise = self.front.run(
            list(cut.front_outputs), inputs, run_options
        )
        durations = np.asarray(durations, dtype=np.int64).ravel()
        frames = features.shape[2]
        window = (
            crop_window(durations, noise, CROP_LEAD_FRAMES, CROP_TAIL_FRAMES)
            if self.vocoder_crop
            else CropWindow(0, frames)
        )
        if window.frames == 0:
            window = CropWindow(0, frames)
        a, b = window.start, window.end
        decoded = time.perf_counter()
        if run_options.terminate:
            raise JobCancelledError
        vocoder = self._vocoder_for_now(shared)
        (audio,) = vocoder.run(
            [cut.audio],
            {
                cut.features: features[:, :, a:b],
                cut.f0: f0[:, 2 * a : 2 * b],
                cut.noise: noise[:, 2 * a : 2 * b],
                cut.style: inputs["style"],
            },
            run_options,
        )
        self._count(
            front=decoded - started,
            vocoder=time.perf_counter() - decoded,
            predicted=frames,
            decoded=window.frames,
            one_thread=vocoder is self._vocoder_one_thread,
        )
        decoded_audio = np.asarray(audio, dtype=np.float32).ravel()
        if window == CropWindow(0, frames):
            return decoded_audio, durations
        # Back on the whole timeline, so trimming measures on the same grid as without the crop.
        timeline = np.zeros(frames * SAMPLES_PER_FRAME, dtype=np.float32)
        timeline[a * SAMPLES_PER_FRAME : a * SAMPLES_PER_FRAME + len(decoded_audio)] = decoded_audio
        return timeline, durations

    @contextlib.contextmanager
    def _counted_run(self) -> Iterator[None]:
        """Counts the inference as running (on any thread) while the block runs."""
        with self._runs_lock:
            self._runs += 1
        try:
            yield
        finally:
            with self._runs_lock:
                self._runs -= 1

    def _vocoder_for_now(self, shared: bool) -> ort.InferenceSession:
        """The vocoder on its own thread while other listeners' inferences run too, else on
        every intra-op thread.

        Two single-threaded inferences side by side get more audio out of the cores than two
        that share a thread pool, which is what counts when listeners compete. One listener's
        segments keep every thread: its last one would otherwise finish on one thread alone
        (README, "Benchmark").
        """
        assert self.vocoder is not None
        if shared and self._vocoder_one_thread is not None and self._runs > 1:
            return self._vocoder_one_thread
        return self.vocoder

    def _count(
        self,
        *,
        phonemize: float = 0.0,
        front: float = 0.0,
        vocoder: float = 0.0,
        predicted: int = 0,
        decoded: int = 0,
        one_thread: bool = False,
    ) -> None:
        with self._stages_lock:
            stages = self.stages
            stages.phonemize += phonemize
            stages.front += front
            stages.vocoder += vocoder
            stages.runs += 1 if front else 0
            stages.frames_predicted += predicted
            stages.frames_decoded += decoded
            stages.vocoder_one_thread += one_thread

    def stage_times(self) -> StageTimes:
        """A copy of the counters (they keep growing)."""
        with self._stages_lock:
            return dataclasses.replace(self.stages)

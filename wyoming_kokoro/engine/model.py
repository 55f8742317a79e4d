"""The Kokoro ONNX model: one onnxruntime session and the phonemizers that feed it.

Every call blocks (inference takes tens to hundreds of milliseconds): the engine runs them on
the scheduler's worker threads, never on the event loop.
"""

from __future__ import annotations

import ctypes
import logging
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from .int8_rewrite import load_model_bytes
from .japanese import load_japanese_phonemizer
from .scheduler import JobCancelledError

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


class KokoroModel:
    """The onnxruntime session and the phonemizer; all calls are blocking (worker threads)."""

    def __init__(self, model_path: Path, threads: int, int8_rewrite: bool = True) -> None:
        from kokoro_onnx.chunker import split_phonemes
        from kokoro_onnx.session import embedded_vocab, input_dtypes, resolve_providers
        from kokoro_onnx.tokenizer import Tokenizer
        from kokoro_onnx.trim import trim

        logging.getLogger("phonemizer").addFilter(_WORD_COUNT_FILTER)
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

        Setting ``run_options.terminate`` from another thread stops a running inference. The
        working memory of the run goes back to the system when it ends.
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
        options = run_options if run_options is not None else ort.RunOptions()
        _shrink_arena_after(options)
        try:
            outputs = self.session.run(None, inputs, options)
        except Exception:
            if options.terminate:
                raise JobCancelledError from None
            raise
        finally:
            if _MALLOC_TRIM is not None:
                _MALLOC_TRIM(0)
        raw = np.asarray(outputs[0], dtype=np.float32).ravel()
        trimmed, _ = self._trim(raw)
        return np.asarray(trimmed, dtype=np.float32)

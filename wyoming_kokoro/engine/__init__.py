"""The engine: the Kokoro model, the CPU scheduler, voices, languages and PCM audio.

It knows nothing of WebSockets or Wyoming: each door (``wyoming_kokoro.server``) validates its
request into :class:`SpeechParams` and speaks text pieces with :meth:`Engine.stream`.

The names below load on first use, so that the light modules (``languages``, ``audio``) import
without onnxruntime: the command line and the request schema need them before any model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import Engine, InvalidRequestError, SpeechParams, SynthesisError

__all__ = ["Engine", "InvalidRequestError", "SpeechParams", "SynthesisError"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module(".engine", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""The voices file (npz of style arrays) and voice blends such as ``af_heart:0.6+bf_emma:0.4``."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..schema import MAX_VOICE_CHARS, quote

# A blend is cut with plain string operations (``+``, then ``:``); these two patterns then
# check one piece each with no nested or adjacent repeats of the same characters, so they run
# in time linear in the piece, whatever it holds.
_NAME = re.compile(r"[A-Za-z0-9_\-]+")
_WEIGHT = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class VoiceError(ValueError):
    """An unknown voice or a malformed blend; the message lists the choices."""


class VoiceBank:
    """Style arrays by voice name, as loaded from ``voices-v1.0.bin`` or an ``.npz``."""

    def __init__(self, styles: dict[str, NDArray[np.float32]]) -> None:
        if not styles:
            raise VoiceError("The voices file holds no voices")
        self._styles = styles

    @classmethod
    def load(cls, path: Path) -> VoiceBank:
        """Read every voice into memory (a few MB): no file access while speaking."""
        with np.load(path) as archive:
            styles = {name: np.asarray(archive[name], dtype=np.float32) for name in archive.files}
        return cls(styles)

    @property
    def names(self) -> list[str]:
        """Voice names, sorted."""
        return sorted(self._styles)

    def __contains__(self, name: object) -> bool:
        return name in self._styles

    def style(self, spec: str) -> NDArray[np.float32]:
        """The style array for a voice name or a blend ``a:0.6+b:0.4`` (weights normalized)."""
        if len(spec) > MAX_VOICE_CHARS:
            raise VoiceError(f"Voice {quote(spec)} is over {MAX_VOICE_CHARS} characters")
        weights: list[float] = []
        arrays: list[NDArray[np.float32]] = []
        for part in spec.split("+"):
            name, colon, weight_text = (piece.strip() for piece in part.partition(":"))
            if not _NAME.fullmatch(name) or (colon and not _WEIGHT.fullmatch(weight_text)):
                raise VoiceError(
                    f"Malformed voice {quote(spec)}: use a voice name or a blend like "
                    f"{self.names[0]}:0.6+{self.names[-1]}:0.4"
                )
            if name not in self._styles:
                raise VoiceError(f"Unknown voice {quote(name)}. Available: {', '.join(self.names)}")
            weight = float(weight_text) if colon else 1.0
            if not (math.isfinite(weight) and weight > 0):
                raise VoiceError(
                    f"Voice weight {quote(weight_text)} for {name} must be a finite number above 0"
                )
            weights.append(weight)
            arrays.append(self._styles[name])
        if len(arrays) == 1:
            return arrays[0]
        total = sum(weights)
        if not math.isfinite(total):
            raise VoiceError(f"Voice weights of {quote(spec)} are too large to add up")
        blended = sum(w / total * a for w, a in zip(weights, arrays, strict=True))
        return np.asarray(blended, dtype=np.float32)

    def canonical(self, spec: str) -> str:
        """Validate ``spec`` and return it without spaces (for echoing back to clients)."""
        self.style(spec)
        return "".join(spec.split())

